#!/usr/bin/env bash
# mcycle (bench/data/mcycle.csv), K = 3, default priors: each seed's chains (mean log-likelihood), R-hat of
# the invariant quantities, E[y | x = 12.05] and elpd_loo, with one start per chain and with the default start
# search. Usage: bench/run-mcycle.sh [seeds...]  (default 1 2 3 4 5 6). About 10 s per fit on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5 6)
scripts/bmoe devices >/dev/null 2>&1 || true # builds the jar on first use
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for init in "--init-starts 1 --init-sweeps 0" ""; do
  echo "== ${init:-default start search}"
  for seed in "${seeds[@]}"; do
    run="$tmp/run-$seed"
    # shellcheck disable=SC2086
    scripts/bmoe fit --data bench/data/mcycle.csv --y accel --experts 3 --seed "$seed" --backend cpu \
      --out "$run" $init > "$tmp/fit.txt" 2>&1
    chains=$(grep '^chain' "$tmp/fit.txt" | awk '{printf "%s ", $5}')
    e12=$(grep 'E\[y|x=(12.05)\]' "$tmp/fit.txt" | head -1 | awk '{print $2, "R-hat", $6}')
    ll=$(grep '^  log_lik' "$tmp/fit.txt" | head -1 | awk '{print "R-hat", $6}')
    elpd=$(scripts/bmoe criteria --run "$run" | awk '/^  elpd_loo/ {print $2}')
    modes=$(grep -c 'another mode' "$tmp/fit.txt" || true)
    echo "seed $seed | chains' mean log-lik $chains| log_lik $ll | E[y|x=12.05] $e12 | elpd_loo $elpd | mode warning $modes"
    rm -rf "$run"
  done
done
