#!/usr/bin/env bash
# bench/RESULTS.md, "Spark": the data read by Spark's readers on the executors against --read-on-driver (bmoe's
# reader, the rows broadcast): the whole fit command (JVM and Spark start, the read, the SHA-256, 1 + 1 sweeps of
# one chain, n = 1e6 wide7 CSV, K = 4) with each reader, interleaved; and the sampling time (summary.json, the
# upload included).   bench/run-spark-read.sh [folder]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-/tmp/readbench}"
mkdir -p "$dir"
cd "$root"
[ -f "$dir/wide7.csv" ] || scripts/bmoe simulate --preset wide7 --n 1000000 --seed 1 --out "$dir/wide7.csv"
for r in 1 2; do
  for mode in spark driver; do
    extra=""; [ "$mode" = driver ] && extra="--read-on-driver"
    s=$(date +%s.%N)
    JAVA_OPTS=-Xmx6g scripts/bmoe fit --engine spark --master 'local[2]' $extra --data "$dir/wide7.csv" --experts 4 \
      --chains 1 --warmup 1 --draws 1 --init-starts 1 --init-sweeps 0 --seed 1 --out "$dir/run-$mode-$r" --force --quiet 2>/dev/null
    e=$(date +%s.%N)
    echo "rep $r $mode: $(python3 -c "print(f'{$e - $s:.1f}')") s whole command; sampling $(python3 -c "import json; print(round(json.load(open('$dir/run-$mode-$r/summary.json'))['timing']['seconds'], 1))") s"
  done
done
