#!/usr/bin/env python3
"""Summarises JMH JSON results of BackendBenchmark as Markdown tables to paste into bench/RESULTS.md.

Per (n, K, benchmark): the median and the min/max of the measurement iterations for each backend, the
opencl/cpu ratio of the medians, and for the per-observation kernels the achieved bandwidth
GB/s = unique bytes touched / median time (GB = 1e9 bytes), with

    allocate               n (4p + 4 + 1)     x, y read (float32), z written (1 byte)
    gateGradient*          n (4p + 4)         x, y read (all three variants)
    gateStats              n (4p + 1)         x, z read
    sweepCollapsed         n (12p + 13)       2 x gateGradient + allocate
    sweepPolyaGamma        n (4p + 5) + (K-1) n (4p + 1)   allocate + (K-1) x gateStats

next to each backend's measured copy bandwidth (copyBandwidth: 2 x 256 MiB read + written per op; cpu:
blocks over the backend's threads; opencl: clEnqueueCopyBuffer on the device) and the one-thread
System.arraycopy (copyOneThread). "% copy" is the kernel's GB/s as a share of its backend's copy GB/s.

Several JSON files (e.g. one per JMH launch of bench/run-backends.sh) are merged; a later file's result for
the same benchmark and parameters replaces an earlier one.

Usage: python3 bench/summarize_backends.py bench/target/backends/*.json
"""
import json
import statistics
import sys

P = 7
COPY_BYTES = 2 * 256 * 1024 * 1024  # read + written per copy op
# unique bytes per op, as functions of (n, K)
KERNEL_BYTES = {
    "sweepCollapsed": lambda n, k: n * (12 * P + 13),
    "sweepPolyaGamma": lambda n, k: n * (4 * P + 5) + (k - 1) * n * (4 * P + 1),
    "allocate": lambda n, k: n * (4 * P + 4 + 1),
    "gateGradient": lambda n, k: n * (4 * P + 4),
    "gateGradientProposal": lambda n, k: n * (4 * P + 4),
    "gateGradientNoMetric": lambda n, k: n * (4 * P + 4),
    "gateStats": lambda n, k: n * (4 * P + 1),
}
ORDER = ["sweepCollapsed", "sweepPolyaGamma", "allocate", "gateGradient", "gateGradientProposal",
         "gateGradientNoMetric", "gateStats"]
SWEEPS = ["sweepCollapsed", "sweepPolyaGamma"]
BACKENDS = ["cpu", "opencl"]


def load(paths):
    rows = {}
    for path in paths:
        with open(path) as f:
            for r in json.load(f):
                name = r["benchmark"].rsplit(".", 1)[1]
                params = r.get("params", {})
                samples = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
                if r["primaryMetric"]["scoreUnit"] != "ms/op":
                    raise SystemExit(f"{path}: {name} is in {r['primaryMetric']['scoreUnit']}, expected ms/op")
                key = (name, params.get("backend", "-"), int(params.get("n", 0)), int(params.get("experts", 0)))
                rows[key] = {
                    "median": statistics.median(samples),
                    "min": min(samples),
                    "max": max(samples),
                    "samples": len(samples),
                }
    return rows


def gbps(num_bytes, ms):
    return num_bytes / (ms * 1e-3) / 1e9


def fmt_ms(ms):
    return f"{ms:.3g}" if ms < 10 else f"{ms:.1f}" if ms < 1000 else f"{ms:.0f}"


def cell(r):
    if r is None:
        return "—"
    return f"**{fmt_ms(r['median'])}** ({fmt_ms(r['min'])}–{fmt_ms(r['max'])}, {r['samples']})"


def main(paths):
    rows = load(paths)
    copy = {b: rows.get(("copyBandwidth", b, 0, 0)) for b in BACKENDS}
    one_thread = rows.get(("copyOneThread", "-", 0, 0))

    print("Copy bandwidth (2 x 256 MiB moved per op; GB = 1e9 bytes)\n")
    print("| copy | median ms (min–max, samples) | GB/s at the median |")
    print("|---|---:|---:|")
    labels = {"cpu": "cpu: System.arraycopy blocks over the backend's threads",
              "opencl": "opencl: clEnqueueCopyBuffer on the device"}
    for b in BACKENDS:
        if copy[b]:
            print(f"| {labels[b]} | {cell(copy[b])} | {gbps(COPY_BYTES, copy[b]['median']):.1f} |")
    if one_thread:
        print(f"| one thread: one System.arraycopy | {cell(one_thread)} | {gbps(COPY_BYTES, one_thread['median']):.1f} |")

    sizes = sorted({(n, k) for (_, _, n, k) in rows if n})
    print("\nms/op: **median** (min–max, samples); ratio = opencl median / cpu median (< 1: opencl faster); "
          "GB/s = unique bytes / median; % copy = share of that backend's copyBandwidth\n")
    print("| n | K | benchmark | cpu ms | opencl ms | opencl / cpu | cpu GB/s (% copy) | opencl GB/s (% copy) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for n, k in sizes:
        for name in ORDER:
            r = {b: rows.get((name, b, n, k)) for b in BACKENDS}
            if not any(r.values()):
                continue
            ratio = f"{r['opencl']['median'] / r['cpu']['median']:.2f}" if r["cpu"] and r["opencl"] else "—"
            bw = []
            for b in BACKENDS:
                if name in KERNEL_BYTES and r[b]:
                    g = gbps(KERNEL_BYTES[name](n, k), r[b]["median"])
                    share = f" ({100 * g / gbps(COPY_BYTES, copy[b]['median']):.2g} %)" if copy[b] else ""
                    bw.append(f"{g:.3g}{share}")
                else:
                    bw.append("—")
            label = name if name != "gateStats" else "gateStats (one gate)"
            print(f"| {n:.0e} | {k} | {label} | {cell(r['cpu'])} | {cell(r['opencl'])} | {ratio} | {bw[0]} | {bw[1]} |"
                  .replace("e+0", "e"))

    print("\n— : not run, or failed (a backend without gateGradient fails the benchmarks that need it)\n")
    for n, k in sizes:
        for sweep in SWEEPS:
            cpu, ocl = rows.get((sweep, "cpu", n, k)), rows.get((sweep, "opencl", n, k))
            if cpu and ocl:
                ratio = ocl["median"] / cpu["median"]
                verdict = "not slower" if ratio <= 1 else "slower"
                print(f"{sweep} n = {n:.0e}, K = {k}: opencl / cpu = {ratio:.2f} (opencl {verdict})".replace("e+0", "e"))
        for b in BACKENDS:
            c, p = rows.get(("sweepCollapsed", b, n, k)), rows.get(("sweepPolyaGamma", b, n, k))
            if c and p:
                print(f"{b} n = {n:.0e}, K = {k}: sweepPolyaGamma / sweepCollapsed = {p['median'] / c['median']:.2f}"
                      .replace("e+0", "e"))


if __name__ == "__main__":
    main(sys.argv[1:] or ["bench/target/backends.json"])
