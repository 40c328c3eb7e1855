#!/usr/bin/env bash
# Builds the JMH benchmarks and runs BackendBenchmark, cpu against opencl, then prints the Markdown tables of
# bench/summarize_backends.py (also written to bench/target/backends/summary.md).
#
# One JMH launch per (n, K), so each benchmark runs on cpu and then at once on opencl: the ratios compare
# neighbours in time, which matters on a shared machine. Order: copy bandwidths; n = 1e5 and 1e6, K = 4 and
# 8, both sweeps (collapsed, Polya-Gamma) and the kernels: allocate, gateGradient (three variants), gateStats
# (JMH iterations as annotated: 2 x 1 s warm-up, 5 x 1 s measured); then n = 1e7, both sweeps only, with
# -wi 1 -i 3 (one op per iteration). About 18 minutes on 2 cores (an estimate from the earlier 11 minutes
# with four benchmarks). A backend without gateGradient fails the collapsed sweep and the gateGradient
# benchmarks at once, in one line each.
#
# Environment: NS (default "100000 1000000"), KS ("4 8"), LARGE_N (10000000; empty to skip),
# LARGE_KERNELS=1 to run the kernels at LARGE_N too, LARGE_JMH ("-wi 1 -i 3", the iterations at
# LARGE_N; set it empty when the extra arguments below set -wi or -i themselves), BMOE_DEVICE (OpenCL device; default: the first GPU with fp64, else 0),
# SKIP_BUILD=1 to reuse bench/target/benchmarks.jar. Extra arguments go to every JMH launch,
# e.g. -p backend=opencl.
set -euo pipefail
cd "$(dirname "$0")/.."
# JMH's forks inherit it: the JVM keeps its SIGSEGV handler once PoCL is loaded
. scripts/signal-chaining.sh
NS=${NS-"100000 1000000"}
KS=${KS-"4 8"}
LARGE_N=${LARGE_N-10000000}
LARGE_JMH=${LARGE_JMH-"-wi 1 -i 3"}
out=bench/target/backends
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    mvn -q -B -f bench/pom.xml package
fi
rm -rf "$out"
mkdir -p "$out"

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo ' (dirty)')"
    echo "nproc: $(nproc); $(lscpu | grep -m1 'Model name' | tr -s ' ')"
    java -version 2>&1 | head -2
    command -v clinfo >/dev/null && clinfo | grep -E -m4 'Platform Version|Device Name|Driver Version' || echo "clinfo: not installed"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

jmh() {
    local name=$1
    shift
    echo "== $name (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$out/machine.txt"
    java ${BMOE_DEVICE:+-Dbmoe.device=$BMOE_DEVICE} -jar bench/target/benchmarks.jar "$@" -rf json -rff "$out/$name.json" \
        > "$out/$name.txt" 2>&1 || { tail -40 "$out/$name.txt"; exit 1; }
    grep -E '^Benchmark|^BackendBenchmark' "$out/$name.txt" || true
}

sweeps='sweepCollapsed|sweepPolyaGamma'
kernels='allocate|gateGradient|gateGradientProposal|gateGradientNoMetric|gateStats'
jmh copy 'BackendBenchmark\.copy' "$@"
for n in $NS; do
    for k in $KS; do
        jmh "n$n-K$k" "BackendBenchmark\\.($sweeps|$kernels)\$" -p n="$n" -p experts="$k" "$@"
    done
done
if [[ -n "$LARGE_N" ]]; then
    which=$sweeps
    [[ "${LARGE_KERNELS:-0}" == 1 ]] && which="$sweeps|$kernels"
    for k in $KS; do
        # shellcheck disable=SC2086 # LARGE_JMH is a list of options
        jmh "large-n$LARGE_N-K$k" "BackendBenchmark\\.($which)\$" -p n="$LARGE_N" -p experts="$k" $LARGE_JMH "$@"
    done
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
python3 bench/summarize_backends.py "$out"/*.json | tee "$out/summary.md"
