#!/usr/bin/env bash
# mcycle (bench/data/mcycle.csv), K = 3, default priors: each seed's chains (mean log-likelihood), R-hat of
# the invariant quantities, E[y | x = 12.05] and elpd_loo, with one start per chain and with the default start
# search. Usage: bench/run-mcycle.sh [seeds...]  (default 1 2 3 4 5 6). About 10 s per fit on 2 cores.
# JOINT_STEPS=L passes --joint-steps L to every fit (default: fit's own default, auto); INITS=default runs only
# the default start search.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5 6)
scripts/bmoe devices >/dev/null 2>&1 || true # builds the jar on first use
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
joint=()
[ -n "${JOINT_STEPS:-}" ] && joint=(--joint-steps "$JOINT_STEPS")
inits=("--init-starts 1 --init-sweeps 0" "")
[ "${INITS:-}" = default ] && inits=("")
for init in "${inits[@]}"; do
  echo "== ${init:-default start search}"
  for seed in "${seeds[@]}"; do
    run="$tmp/run-$seed"
    # shellcheck disable=SC2086
    scripts/bmoe fit --data bench/data/mcycle.csv --y accel --experts 3 --seed "$seed" --backend cpu \
      --out "$run" $init "${joint[@]}" > "$tmp/fit.txt" 2>&1
    chains=$(grep '^chain' "$tmp/fit.txt" | awk '{printf "%s ", $5}')
    e12=$(grep 'E\[y|x=(12.05)\]' "$tmp/fit.txt" | head -1 | awk '{print $2, "R-hat", $6}')
    ll=$(grep '^  log_lik' "$tmp/fit.txt" | head -1 | awk '{print "R-hat", $6}')
    e25=$(grep 'E\[y|x=(25.18)\]' "$tmp/fit.txt" | head -1 | awk '{print "R-hat", $6, "bulk ESS", $7}')
    worst=$(grep -E '^  (E\[y|log_lik)' "$tmp/fit.txt" | head -4 | awk '{print $6}' | sort -g | tail -1)
    elpd=$(scripts/bmoe criteria --run "$run" | awk '/^  elpd_loo/ {print $2}')
    modes=$(grep -c 'another mode' "$tmp/fit.txt" || true)
    echo "seed $seed | chains' mean log-lik $chains| log_lik $ll | E[y|x=12.05] $e12 | E[y|x=25.18] $e25 | max invariant R-hat $worst | elpd_loo $elpd | mode warning $modes"
    rm -rf "$run"
  done
done
