#!/usr/bin/env bash
# The whole GPU measurement of bench/RESULTS.md in one call. First what the machine has (nvidia-smi, where
# libcuda.so.1 and libnvidia-opencl.so.1 are, bmoe devices, a short demo on cuda, and the twin check: one chain
# on the cpu and on each GPU backend from the same seed, draws compared), then, most important first,
# one JMH launch per part, each with its own JSON, so a run cut short by a time limit still leaves what it
# finished:
#   1. n = 1e7, p = 7, K = 8: both sweeps and each kernel on cuda and opencl, where present   k8-1e7-gpu.json
#   2. chains per pass: the time per chain and sweep with C = 1, 2, 4, 8 chains' kernels in     chains-gpu-N.json
#      one launch (mode pass) and each in its own (mode apart), n = 1e7 (CHAINS_NS), K = 8,
#      the default sweep (frozen metric, K - 1 gate moves) on the GPU backends (bmoe.bench.ChainsPerPass,
#      samples round-robin over the configurations, not JMH)
#   3. copy bandwidth (cpu, opencl)                                                           copy.json
#   4. the same as 1 on the cpu (the baseline)                                                 k8-1e7-cpu.json
#   5. n = 1e8, p = 7, K = 8: one sweep of each kind on the GPU backends (does it fit?)        fit-1e8.json
#   6. n = 1e6, K = 4 and 8, and n = 1e7, K = 4, the same as 1 with the cpu                   rest*.json
# A backend is measured where its driver library is found (cuda: libcuda.so.1, opencl: libnvidia-opencl.so.1
# or BMOE_OPENCL=1 for another GPU); without either only the cpu parts run, and the script says so. The OpenCL
# device is the first GPU with fp64 and the CUDA device 0 unless BMOE_DEVICE says otherwise. Sweeps:
# sweepCollapsed (the default) and sweepPolyaGamma; kernels: allocate, gateGradient (3 variants), gateStats.
# In the GPU bundle (scripts/gpu-bundle) it is measure.sh:   ./run.sh ./measure.sh OUT_DIR
# Here, from the repository root:                           bench/gpu-measure.sh OUT_DIR [path/to/benchmarks.jar]
# PARTS (default: all) runs only the parts named, by their JSON names without .json, and "twin" for the twin
# check; CHAINS_NS sets part 2's n (a list). For example the chains part on PoCL at a small n, in a few minutes:
#   BMOE_OPENCL=1 PARTS=chains-gpu CHAINS_NS=20000 bench/gpu-measure.sh OUT_DIR
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
PARTS=${PARTS:-all}
CHAINS_NS=${CHAINS_NS:-10000000}
# whether part $1 is to run
want() {
    [[ " $PARTS " == *" all "* || " $PARTS " == *" $1 "* ]]
}

# where a driver library is: the linker's cache, then the usual folders (a read-only driver mount included)
find_lib() {
    local name=$1 d
    { command -v ldconfig >/dev/null && ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | grep -m1 " $name " \
        | sed 's/.*=> //' && return 0
    for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib \
             /usr/local/cuda/lib64 /usr/lib/wsl/lib $(tr : " " <<<"${LD_LIBRARY_PATH:-}"); do
        [[ -e "$d/$name" ]] && echo "$d/$name" && return 0
    done
    return 1
}
libcuda=$(find_lib libcuda.so.1 || true)
libnvcl=$(find_lib libnvidia-opencl.so.1 || true)
gpus=()
[[ -n "$libcuda" ]] && gpus+=(cuda)
[[ -n "$libnvcl" || "${BMOE_OPENCL:-0}" == 1 ]] && gpus+=(opencl)
gpu_list=$(IFS=,; echo "${gpus[*]}")
bmoe_jar=
for candidate in "$here/bmoe.jar" "$here/../target/bmoe.jar"; do
    [[ -f "$candidate" ]] && bmoe_jar=$candidate && break
done

# largest |a - b| / (1 + |a|) over the numeric cells of two draws.csv files (comment lines skipped)
compare_draws() {
    awk -F, 'FNR == NR { if ($0 !~ /^#/) { rows[FNR] = $0 }; next }
        $0 !~ /^#/ { split(rows[FNR], a, ","); for (i = 1; i <= NF; i++) {
            if (a[i] ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ && $i ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) {
                d = a[i] - $i; if (d < 0) d = -d; m = a[i] < 0 ? -a[i] : a[i]; r = d / (1 + m);
                if (r > worst) worst = r; n++ } else if (a[i] != $i) { text++ } } }
        END { printf "%d numbers, largest relative difference %.3g, %d differing text cells\n", n, worst, text }' "$1" "$2"
}
twin() {
    local jar=$1 b dir="$out/twin"
    mkdir -p "$dir"
    java -jar "$jar" simulate --preset neurips23 --n 20000 --seed 7 --out "$dir/data.csv" >/dev/null || return
    for b in cpu ${gpu_list//,/ }; do
        timeout 300 java -jar "$jar" fit --data "$dir/data.csv" -K 3 --chains 1 --warmup 200 --draws 200 --seed 3 \
            --block-size 4096 --backend "$b" --quiet --out "$dir/$b" >"$dir/$b.txt" 2>&1 \
            || { echo "  $b: fit failed: $(tail -1 "$dir/$b.txt")"; continue; }
        [[ $b == cpu ]] || echo "  cpu vs $b: $(compare_draws "$dir/cpu/draws.csv" "$dir/$b/draws.csv")"
    done
}

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc); $(lscpu 2>/dev/null | grep -m1 'Model name' | tr -s ' ')"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.memory,compute_cap --format=csv
    else
        echo "nvidia-smi: not found"
    fi
    echo "libcuda.so.1: ${libcuda:-not found (no cuda measurements)}"
    echo "libnvidia-opencl.so.1: ${libnvcl:-not found (no opencl measurements unless BMOE_OPENCL=1)}"
    echo "GPU backends measured: ${gpu_list:-none}"
    java -version 2>&1 | head -2
    if [[ -n "$bmoe_jar" ]]; then
        echo "== bmoe devices"
        java -jar "$bmoe_jar" devices 2>&1
        if [[ -n "$libcuda" ]]; then
            # seconds: says at once whether the cuda backend runs here (module load, kernels), before the benchmarks
            echo "== bmoe demo --backend cuda (the end of its output)"
            ( cd "$out" && timeout 300 java -jar "$bmoe_jar" demo --backend cuda 2>&1 | tail -5 )
        fi
        # the twin check in one minute: one chain of the default sweep on the cpu and on each GPU backend from
        # the same seed and block size; the draws may differ only in their last bits (another order of addition),
        # as CudaTwinTest and OpenClTwinTest require
        if [[ -n "$gpu_list" ]] && want twin; then
            echo "== twin: bmoe fit on cpu and on ${gpu_list} (n = 20000, K = 3, 200 + 200 sweeps, one chain)"
            twin "$bmoe_jar"
        fi
    else
        echo "bmoe.jar: not found (no device listing)"
    fi
} 2>&1 | tee "$out/machine.txt"

failed=0
jmh() {
    local name=$1
    shift
    want "$name" || return 0
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
if [[ -n "$gpu_list" ]]; then
    jmh k8-1e7-gpu "$all" -p backend="$gpu_list" -p n=10000000 -p experts=8 -wi 1 -i 3
else
    echo "gpu-measure: no GPU backend here (no libcuda.so.1, no libnvidia-opencl.so.1); only the cpu parts run" \
        | tee -a "$out/machine.txt"
fi
# part 2 is not JMH: bmoe.bench.ChainsPerPass takes its samples round-robin over every configuration (one JSON)
chains() {
    local name=chains-gpu n start=$SECONDS
    want "$name" && [[ -n "$gpu_list" ]] || return 0
    echo "== $name: C = 1, 2, 4, 8 chains per pass and apart on $gpu_list, n = $CHAINS_NS, K = 8" | tee -a "$out/machine.txt"
    rm -f "$out/$name.json"
    for n in $CHAINS_NS; do
        if java "${device[@]}" -Xmx$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) * 6 / 10 / 1048576 ))g -cp "$jar" \
                bmoe.bench.ChainsPerPass --backends "$gpu_list" --chains 1,2,4,8 --n "$n" --experts 8 --rounds 7 \
                --sweeps 2 --out "$out/$name-$n.json" >"$out/$name-$n.txt" 2>&1; then
            grep -E '^(cpu|opencl|cuda) ' "$out/$name-$n.txt"
        else
            echo "gpu-measure: $name at n = $n failed; the end of its output:"
            tail -25 "$out/$name-$n.txt"
            failed=1
        fi
    done
    echo "   ($((SECONDS - start)) s)" | tee -a "$out/machine.txt"
}
chains
jmh copy 'BackendBenchmark\.copy' -p backend="cpu${libnvcl:+,opencl}" -wi 1 -i 3
jmh k8-1e7-cpu "$all" -p backend=cpu -p n=10000000 -p experts=8 -wi 1 -i 3
if [[ -n "$gpu_list" ]]; then
    jmh fit-1e8 'BackendBenchmark\.sweep(Collapsed|PolyaGamma)$' -p backend="$gpu_list" -p n=100000000 -p experts=8 \
        -wi 1 -i 3 -jvmArgsAppend "-Xmx$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) * 6 / 10 / 1048576 ))g"
fi
jmh rest "$all" -p backend="cpu${gpu_list:+,$gpu_list}" -p n=1000000 -p experts=4,8 -wi 1 -i 3
jmh rest-1e7-k4 "$all" -p backend="cpu${gpu_list:+,$gpu_list}" -p n=10000000 -p experts=4 -wi 1 -i 3

backends_json=()
for f in "$out"/*.json; do
    [[ -f "$f" && "$(basename "$f")" != chains* ]] && backends_json+=("$f")
done
if command -v python3 >/dev/null && [[ -f "$here/summarize_backends.py" && ${#backends_json[@]} -gt 0 ]]; then
    python3 "$here/summarize_backends.py" "${backends_json[@]}" | tee "$out/summary.md"
fi
chains_json=("$out"/chains-gpu-*.json)
if command -v python3 >/dev/null && [[ -f "$here/summarize_chains.py" && -f "${chains_json[0]}" ]]; then
    python3 "$here/summarize_chains.py" "${chains_json[@]}" | tee "$out/chains-summary.md"
fi
exit $failed
