#!/usr/bin/env python3
"""Summarises a JMH JSON result of SweepBenchmark: per benchmark the mean score with JMH's 99.9% CI and the
min / median / max of the measurement iterations, then sweep / readX and the per-step decomposition
sweep ~= allocate + expertStats + (K-1) * gateStats + hostDraws, on medians and on means, and the share of
the Polya-Gamma draws (pgDraws) in gateStats and in the sweep.

Usage: python3 bench/summarize.py bench/target/results.json
"""
import json
import statistics
import sys


def main(path):
    with open(path) as f:
        runs = json.load(f)
    rows = {}
    for r in runs:
        name = r["benchmark"].rsplit(".", 1)[1]
        params = r.get("params", {})
        samples = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
        pm = r["primaryMetric"]
        rows[name] = {
            "params": params,
            "mean": pm["score"],
            "err": float(pm["scoreError"]),
            "ci": pm["scoreConfidence"],
            "n": len(samples),
            "min": min(samples),
            "median": statistics.median(samples),
            "max": max(samples),
            "unit": pm["scoreUnit"],
        }

    print(f"{'benchmark':<12} {'params':<22} {'mean':>12} {'+-99.9%':>10} {'min':>12} {'median':>12} {'max':>12}  samples")
    for name, r in rows.items():
        params = ", ".join(f"{k}={v}" for k, v in sorted(r["params"].items()))
        print(f"{name:<12} {params:<22} {r['mean']:12.4f} {r['err']:10.4f} {r['min']:12.4f} {r['median']:12.4f} "
              f"{r['max']:12.4f}  {r['n']} ({r['unit']})")

    needed = {"sweep", "allocate", "expertStats", "gateStats", "hostDraws", "readX"}
    if not needed <= rows.keys():
        return
    k = int(rows["sweep"]["params"].get("experts", 4))
    for stat in ("median", "mean"):
        sweep = rows["sweep"][stat]
        parts = {
            "allocate": rows["allocate"][stat],
            "expertStats": rows["expertStats"][stat],
            f"{k - 1} x gateStats": (k - 1) * rows["gateStats"][stat],
            "hostDraws": rows["hostDraws"][stat],
        }
        total = sum(parts.values())
        print(f"\non {stat}s: sweep = {sweep:.3f} ms, readX = {rows['readX'][stat]:.3f} ms, "
              f"sweep / readX = {sweep / rows['readX'][stat]:.1f}")
        for name, v in parts.items():
            print(f"  {name:<14} {v:10.3f} ms  {100 * v / sweep:6.2f} % of sweep  {100 * v / total:6.2f} % of sum")
        print(f"  {'sum of parts':<14} {total:10.3f} ms  {100 * total / sweep:6.2f} % of sweep "
              f"(difference {sweep - total:+.3f} ms)")
        if "pgDraws" in rows:
            pg = rows["pgDraws"][stat]
            print(f"  Polya-Gamma draws alone: {pg:.3f} ms per gate = {100 * pg / rows['gateStats'][stat]:.1f} % of "
                  f"gateStats; {k - 1} x = {(k - 1) * pg:.3f} ms = {100 * (k - 1) * pg / sweep:.1f} % of sweep")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/target/results.json")
