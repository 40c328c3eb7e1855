#!/usr/bin/env bash
# Data in (bench/RESULTS.md): simulates wide7 data (p = 7) as CSV and Parquet, then loads each into the
# sampler's float32 columns with bmoe's reader, three times, under /usr/bin/time for the resident peak;
# at n = 1e6 also with the CSV libraries bmoe could have used (one thread each, so bmoe once more with one).
# 'load' reads as fit does (the block moments computed when standardising); Parquet also with the reader computing
# them while the rows are in cache (load-fused, not what fit does) and as FLOAT columns.
# Usage: bench/run-data-in.sh [N ...]   (default: 1000000 10000000); data go to bench/target/data.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests package
mvn -q -B -f bench/pom.xml -DskipTests package
jar=bench/target/benchmarks.jar
data=bench/target/data
mkdir -p "$data"
sizes=("${@:-1000000 10000000}")
for n in ${sizes[@]}; do
    # the heap allowed: 1.5 x the float32 data (4 bytes x 8 columns per row) plus 64 MB for the JVM's own
    heap=$(( (n * 32 * 3 / 2) / 1048576 + 64 ))m
    for ext in csv parquet; do
        f="$data/wide7-$n.$ext"
        [ -f "$f" ] || /usr/bin/time -f "simulate $n $ext: %e s, peak RSS %M KB" \
            java -jar target/bmoe.jar simulate --preset wide7 --n "$n" --seed 1 --out "$f"
        for run in 1 2 3; do
            /usr/bin/time -f "  peak RSS %M KB" java -Xmx$heap -cp $jar bmoe.bench.DataIn load "$f"
        done
    done
    f="$data/wide7-$n.parquet"
    ff="$data/wide7-$n-float.parquet"
    [ -f "$ff" ] || java -Xmx$(( n * 64 / 1048576 + 512 ))m -cp $jar bmoe.bench.DataIn to-float "$f" "$ff"
    for run in 1 2 3; do
        /usr/bin/time -f "  peak RSS %M KB" java -Xmx$heap -cp $jar bmoe.bench.DataIn load-fused "$f"
        /usr/bin/time -f "  peak RSS %M KB" java -Xmx$heap -cp $jar bmoe.bench.DataIn load "$ff"
    done
    if [ "$n" -le 1000000 ]; then
        for mode in commons-csv fastcsv fastcsv-fdp; do
            /usr/bin/time -f "  peak RSS %M KB" java -Xmx2g -cp $jar bmoe.bench.DataIn $mode "$data/wide7-$n.csv"
        done
        /usr/bin/time -f "  peak RSS %M KB" java -Xmx2g -XX:ActiveProcessorCount=1 -cp $jar bmoe.bench.DataIn load \
            "$data/wide7-$n.csv"
    fi
done
