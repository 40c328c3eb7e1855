#!/usr/bin/env bash
# Builds the JMH benchmarks and runs all of SweepBenchmark in one JVM launch (one fork each), so the ratios
# in bench/RESULTS.md come from the same run (BackendBenchmark has its own script, bench/run-backends.sh).
# Extra arguments go to JMH (e.g. -p n=100000 for a quick look).
# Then prints per-benchmark sample statistics from the JSON (needs python3).
set -euo pipefail
cd "$(dirname "$0")/.."
# JMH's forks inherit it: the JVM keeps its SIGSEGV handler once PoCL is loaded
. scripts/signal-chaining.sh
mvn -q -B -f bench/pom.xml package
java -jar bench/target/benchmarks.jar SweepBenchmark -rf json -rff bench/target/results.json "$@" | tee bench/target/results.txt
if command -v python3 >/dev/null; then
    python3 bench/summarize.py bench/target/results.json
fi
