#!/usr/bin/env bash
# The whole GPU measurement of bench/RESULTS.md in one call, most important first, one JMH launch per part,
# each with its own JSON, so a run cut short by a time limit still leaves what it finished:
#   1. copy bandwidth (cpu, opencl)                                   copy.json
#   2. n = 1e7, p = 7, K = 8: both sweeps and the kernels, cpu and opencl  (the H100 target)   k8-1e7.json
#   3. n = 1e8, p = 7, K = 8: one opencl sweep of each kind (does it fit on the card?)          fit-1e8.json
#   4. n = 1e6 and 1e7, K = 4, and n = 1e6, K = 8, the same as 2                             rest.json
# The OpenCL device is the first GPU with fp64 unless BMOE_DEVICE says otherwise. Sweeps: sweepCollapsed (the
# default) and sweepPolyaGamma; kernels: allocate, gateGradient (3 variants), gateStats. Where opencl has no
# gateGradient yet, those benchmarks fail at once in their setup (one line each, no data simulated).
# In the GPU bundle (scripts/gpu-bundle) it is measure.sh:   ./run.sh ./measure.sh OUT_DIR
# Here, from the repository root:                           bench/gpu-measure.sh OUT_DIR [path/to/benchmarks.jar]
set -uo pipefail
out=${1:?usage: gpu-measure.sh OUT_DIR [benchmarks.jar]}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar=${2:-}
if [[ -z "$jar" ]]; then
    for candidate in "$here/benchmarks.jar" "$here/target/benchmarks.jar"; do
        [[ -f "$candidate" ]] && jar=$candidate && break
    done
fi
[[ -f "$jar" ]] || { echo "gpu-measure: no benchmarks.jar (build it: mvn -q -B -f bench/pom.xml package)" >&2; exit 1; }
mkdir -p "$out"
device=(${BMOE_DEVICE:+-Dbmoe.device=$BMOE_DEVICE})

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc); $(lscpu 2>/dev/null | grep -m1 'Model name' | tr -s ' ')"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.memory --format=csv
    java -version 2>&1 | head -2
} 2>&1 | tee "$out/machine.txt"

failed=0
jmh() {
    local name=$1
    shift
    local start=$SECONDS
    echo "== $name: $*" | tee -a "$out/machine.txt"
    if java "${device[@]}" -jar "$jar" "$@" -rf json -rff "$out/$name.json" >"$out/$name.txt" 2>&1; then
        grep -E '^Benchmark|^BackendBenchmark' "$out/$name.txt"
    else
        echo "gpu-measure: $name failed; the end of its output:"
        tail -25 "$out/$name.txt"
        failed=1
    fi
    echo "   ($((SECONDS - start)) s)" | tee -a "$out/machine.txt"
}

all='BackendBenchmark\.(sweepCollapsed|sweepPolyaGamma|allocate|gateGradient|gateGradientProposal|gateGradientNoMetric|gateStats)$'
jmh copy 'BackendBenchmark\.copy' -wi 1 -i 3
jmh k8-1e7 "$all" -p n=10000000 -p experts=8 -wi 1 -i 3
jmh fit-1e8 'BackendBenchmark\.sweep(Collapsed|PolyaGamma)$' -p backend=opencl -p n=100000000 -p experts=8 -wi 1 -i 3 \
    -jvmArgsAppend "-Xmx$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) * 6 / 10 / 1048576 ))g"
jmh rest "$all" -p n=1000000 -p experts=4,8 -wi 1 -i 3
jmh rest-1e7-k4 "$all" -p n=10000000 -p experts=4 -wi 1 -i 3

if command -v python3 >/dev/null && [[ -f "$here/summarize_backends.py" ]]; then
    python3 "$here/summarize_backends.py" "$out"/*.json | tee "$out/summary.md"
fi
exit $failed
