#!/usr/bin/env bash
# Chains in the same Spark jobs (bench/RESULTS.md, "Spark"): the same 4-chain fit on --engine spark --master
# local[2] with --chains-per-pass 1, 2 and 4 (a job per call; 2 chains' calls a job; all 4 a job), the three
# interleaved in each repetition so that the machine's load falls on all of them alike. The draws are the same
# (SparkFitTest checks it); the script prints each fit's sampling time (summary.json: timing.seconds) and the
# per-chain sweep time, seconds / (chains x sweeps per chain).
#   bench/run-spark-chains.sh [n] [repetitions] [out folder] [block size]
# (block size: --block-size, default 16384, one block a partition: a smaller one gives more tasks a job)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-50000}"
reps="${2:-3}"
out="${3:-$(mktemp -d)}"
block="${4:-16384}"
bmoe="$root/scripts/bmoe"
mkdir -p "$out"
"$bmoe" simulate --preset planes3 --n "$n" --seed 1 --out "$out/data.csv"
chains=4; warmup=30; draws=30
for r in $(seq 1 "$reps"); do
  for c in 1 2 4; do
    run="$out/run-$r-$c"
    "$bmoe" fit --engine spark --master 'local[2]' --data "$out/data.csv" --experts 3 --chains $chains \
      --warmup $warmup --draws $draws --init-starts 1 --init-sweeps 0 --seed 1 --chains-per-pass "$c" --block-size "$block" \
      --out "$run" --force --quiet 2>/dev/null
    python3 - "$run/summary.json" "$r" "$c" "$chains" "$((warmup + draws))" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["timing"]["seconds"]
r, c, chains, sweeps = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
print(f"rep {r} chains-per-pass {c}: {s:.2f} s, {1000 * s / (chains * sweeps):.1f} ms a chain-sweep")
PY
  done
done | tee "$out/times.txt"
python3 - "$out/times.txt" <<'PY'
import re, statistics, sys
times = {}
for line in open(sys.argv[1]):
    m = re.match(r"rep \d+ chains-per-pass (\d+): .* ([0-9.]+) ms a chain-sweep", line)
    if m:
        times.setdefault(int(m.group(1)), []).append(float(m.group(2)))
base = statistics.median(times[1])
for c in sorted(times):
    med = statistics.median(times[c])
    print(f"chains-per-pass {c}: median {med:.1f} ms a chain-sweep ({min(times[c]):.1f}-{max(times[c]):.1f}, "
          f"{len(times[c])} fits), {med / base:.2f} x chains-per-pass 1")
PY
