#!/usr/bin/env bash
# Builds the benchmarks jar and runs bmoe.bench.ChainsPerPass: the time per chain and sweep with C = 1, 2, 4, 8
# chains per pass over the data (mode pass) and the same chains each kernel call its own pass (mode apart), cpu
# and opencl in one JVM, the samples round-robin over every configuration (so a burst of load on this shared
# machine spreads over all of them), then the Markdown table of bench/summarize_chains.py (also
# bench/target/chains/summary.md).
#
# Environment: N (default 100000), K (8), CHAINS ("1,2,4,8"), BACKENDS ("cpu,opencl"), GATES (mala), ROUNDS (9),
# SWEEPS (1 per sample), BMOE_DEVICE (OpenCL device; default: the first GPU with fp64, else 0), SKIP_BUILD=1 to
# reuse bench/target/benchmarks.jar. About 10 minutes on 2 cores at the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
# the JVM keeps its SIGSEGV handler once PoCL is loaded
. scripts/signal-chaining.sh
out=bench/target/chains
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
start=$SECONDS
java -Xmx6g ${BMOE_DEVICE:+-Dbmoe.device=$BMOE_DEVICE} -cp bench/target/benchmarks.jar bmoe.bench.ChainsPerPass \
    --backends "${BACKENDS:-cpu,opencl}" --chains "${CHAINS:-1,2,4,8}" --n "${N:-100000}" --experts "${K:-8}" \
    --gates "${GATES:-mala}" --rounds "${ROUNDS:-9}" --sweeps "${SWEEPS:-1}" --out "$out/chains.json" \
    2>&1 | tee "$out/chains.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg), $((SECONDS - start)) s" | tee -a "$out/machine.txt"
python3 bench/summarize_chains.py "$out/chains.json" | tee "$out/summary.md"
