#!/usr/bin/env python3
"""Summarises a JMH JSON result of SweepBenchmark: per benchmark the mean score with JMH's 99.9% CI and the
min / median / max of the measurement iterations, then, on medians and on means, each sweep / readX and
each sweep's per-step decomposition

    sweepCollapsed  ~= gateGradient + gateGradientProposal + allocate + hostMove      (3 passes)
    sweepPolyaGamma ~= allocate + (K-1) * gateStats + hostDraws                       (K passes)

with the share of the Polya-Gamma draws (pgDraws) in gateStats, what kernel (b)'s metric and its reference
gates add (gateGradient - gateGradientNoMetric, gateGradientProposal - gateGradient), and the time ratio of
the two sweeps.

Usage: python3 bench/summarize.py bench/target/results.json
"""
import json
import statistics
import sys


def load(path):
    with open(path) as f:
        runs = json.load(f)
    rows = {}
    for r in runs:
        name = r["benchmark"].rsplit(".", 1)[1]
        samples = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
        pm = r["primaryMetric"]
        rows[name] = {
            "params": r.get("params", {}),
            "mean": pm["score"],
            "err": float(pm["scoreError"]),
            "n": len(samples),
            "min": min(samples),
            "median": statistics.median(samples),
            "max": max(samples),
            "unit": pm["scoreUnit"],
        }
    return rows


def decomposition(rows, stat, sweep_name, parts):
    """Prints sweep = sum of parts; parts maps a label to (benchmark, multiplier)."""
    if sweep_name not in rows or any(b not in rows for b, _ in parts.values()):
        missing = [b for b, _ in parts.values() if b not in rows] + ([sweep_name] if sweep_name not in rows else [])
        print(f"\n{sweep_name}: decomposition skipped, missing {', '.join(missing)}")
        return None
    sweep = rows[sweep_name][stat]
    values = {label: m * rows[b][stat] for label, (b, m) in parts.items()}
    total = sum(values.values())
    floor = f", {sweep_name} / readX = {sweep / rows['readX'][stat]:.1f}" if "readX" in rows else ""
    print(f"\n{sweep_name} on {stat}s: {sweep:.3f} ms{floor}")
    for label, v in values.items():
        print(f"  {label:<24} {v:10.3f} ms  {100 * v / sweep:6.2f} % of sweep  {100 * v / total:6.2f} % of sum")
    print(f"  {'sum of parts':<24} {total:10.3f} ms  {100 * total / sweep:6.2f} % of sweep "
          f"(difference {sweep - total:+.3f} ms)")
    return sweep


def main(path):
    rows = load(path)
    print(f"{'benchmark':<22} {'params':<22} {'mean':>12} {'+-99.9%':>10} {'min':>12} {'median':>12} {'max':>12}  samples")
    for name, r in rows.items():
        params = ", ".join(f"{k}={v}" for k, v in sorted(r["params"].items()))
        print(f"{name:<22} {params:<22} {r['mean']:12.4f} {r['err']:10.4f} {r['min']:12.4f} {r['median']:12.4f} "
              f"{r['max']:12.4f}  {r['n']} ({r['unit']})")

    any_row = next(iter(rows.values()), None)
    if any_row is None:
        return
    k = int(any_row["params"].get("experts", 4))
    for stat in ("median", "mean"):
        collapsed = decomposition(rows, stat, "sweepCollapsed", {
            "gateGradient": ("gateGradient", 1),
            "gateGradientProposal": ("gateGradientProposal", 1),
            "allocate": ("allocate", 1),
            "hostMove": ("hostMove", 1),
        })
        pg = decomposition(rows, stat, "sweepPolyaGamma", {
            "allocate": ("allocate", 1),
            f"{k - 1} x gateStats": ("gateStats", k - 1),
            "hostDraws": ("hostDraws", 1),
        })
        if pg and "pgDraws" in rows and "gateStats" in rows:
            d = rows["pgDraws"][stat]
            print(f"  Polya-Gamma draws alone: {d:.3f} ms per gate = {100 * d / rows['gateStats'][stat]:.1f} % of "
                  f"gateStats; {k - 1} x = {(k - 1) * d:.3f} ms = {100 * (k - 1) * d / pg:.1f} % of sweepPolyaGamma")
        if {"gateGradient", "gateGradientNoMetric", "gateGradientProposal"} <= rows.keys():
            g, bare, prop = (rows[b][stat] for b in ("gateGradient", "gateGradientNoMetric", "gateGradientProposal"))
            print(f"\nkernel (b) on {stat}s: the metric adds {g - bare:+.3f} ms ({100 * (g - bare) / bare:+.1f} % of "
                  f"gateGradientNoMetric); reference gates add {prop - g:+.3f} ms ({100 * (prop - g) / g:+.1f} % of gateGradient)")
        if collapsed and pg:
            print(f"sweepPolyaGamma / sweepCollapsed on {stat}s = {pg / collapsed:.2f} (time per sweep; K = {k})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/target/results.json")
