#!/usr/bin/env python3
"""Summarises the JSON of bmoe.bench.ChainsPerPass as a Markdown table for bench/RESULTS.md.

Per (backend, n, K, gates, C): the median and the min/max over the rounds of the time per chain and sweep, for
mode "pass" (the C chains' kernels in shared passes over the data, one launch each on a device) and mode "apart"
(the same chains each kernel call its own pass: the sampler before shared passes); C = 1 is one chain alone
(the reference of both columns). Then

    chains/pass            the calls per pass the batch actually made (C when every round was shared)
    per-chain speed-up     median at C = 1 / median of pass at C (above 1: each chain sweeps faster)
    pass vs apart          median of apart / median of pass at the same C (above 1: shared passes are faster)

Several JSON files are merged; a later file's result for the same configuration replaces an earlier one.

Usage: python3 bench/summarize_chains.py bench/target/chains/*.json
"""
import json
import statistics
import sys

ORDER = ["cpu", "opencl", "cuda"]


def load(paths):
    rows = {}
    for path in paths:
        with open(path) as f:
            for r in json.load(f):
                s = r["ms_per_chain_sweep"]
                key = (r["backend"], int(r["n"]), int(r["experts"]), r["gates"], int(r["chains"]), r["mode"])
                rows[key] = {"median": statistics.median(s), "min": min(s), "max": max(s), "samples": len(s),
                             "per_pass": r.get("chains_per_pass", 1.0)}
    return rows


def fmt(v):
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def cell(r):
    if r is None:
        return "—"
    return f"**{fmt(r['median'])}** ({fmt(r['min'])}–{fmt(r['max'])}, {r['samples']})"


def main(paths):
    rows = load(paths)
    groups = sorted({k[:4] for k in rows}, key=lambda g: (ORDER.index(g[0]) if g[0] in ORDER else 9, g[1:]))
    print("ms per chain and sweep: median (min–max, rounds)\n")
    print("| backend | n | K | sweep | C | pass | chains/pass | apart | per-chain speed-up | pass vs apart |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for g in groups:
        one = rows.get(g + (1, "alone"))
        for c in sorted({k[4] for k in rows if k[:4] == g}):
            if c == 1:
                p = a = one
            else:
                p = rows.get(g + (c, "pass"))
                a = rows.get(g + (c, "apart"))
            speed = f"{one['median'] / p['median']:.2f}" if one and p else "—"
            vs = f"{a['median'] / p['median']:.2f}" if a and p and c > 1 else "—"
            per_pass = f"{p['per_pass']:.2f}" if p else "—"
            n = f"{g[1]:.0e}".replace("e+0", "e")
            print(f"| {g[0]} | {n} | {g[2]} | {g[3]} | {c} | {cell(p)} | {per_pass} | "
                  f"{cell(a) if c > 1 else '(alone)'} | {speed} | {vs} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])
