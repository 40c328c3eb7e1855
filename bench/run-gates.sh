#!/usr/bin/env bash
# Builds the benchmarks jar and runs bmoe.bench.GateMixing: bulk ESS per sweep and per second of --gates pg
# against --gates mala, side by side in one run (per case: the same data, chains and seed; pg first, then mala),
# on the CPU backend. Prints a Markdown report and writes it to bench/target/gates.md, with bench/target/gates.json.
#
# Cases: (a) neurips23, n = 1e4, priors gate sd 10, expert sd 10, sigma shape 2, scale 1, not standardised;
# (b) planes3, n = 1e4, default priors, standardised; (c) p = 7, K = 4 (GateMixing.P7K4), n = 1e5, default
# priors, standardised. 4 chains x (1000 warm-up + 1000 draws) per method, 2 threads, seed 11.
#
#   bench/run-gates.sh                      all three cases at full size (a long run: see bench/RESULTS.md)
#   bench/run-gates.sh --quick              n = 2000, 200 + 200 sweeps: a check that it all works (minutes)
#   bench/run-gates.sh --cases neurips23    one case; --help lists every option
#
# Environment: SKIP_BUILD=1 reuses the jar; BMOE_BUILD_DIR builds into another folder than bench/target (the
# report still goes to bench/target unless --out says otherwise); JAVA_OPTS goes to the JVM (default -Xmx6g).
set -euo pipefail
cd "$(dirname "$0")/.."
# the jar holds the OpenCL backend too; GateMixing never loads it, but keep every launcher alike
. scripts/signal-chaining.sh
build=${BMOE_BUILD_DIR:-bench/target}
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    # to stderr: stdout is the report
    mvn -q -B -f bench/pom.xml package ${BMOE_BUILD_DIR:+-Dbmoe.buildDir="$BMOE_BUILD_DIR"} >&2
fi
mkdir -p bench/target
commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (dirty)')"
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java ${JAVA_OPTS:--Xmx6g} -cp "$build/benchmarks.jar" bmoe.bench.GateMixing \
    --note "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit" \
    --note "nproc: $(nproc); $(lscpu | grep -m1 'Model name' | tr -s ' '); load before: $(cut -d' ' -f1-3 /proc/loadavg)" \
    --note "$(java -version 2>&1 | head -1)" \
    "$@"
