#!/usr/bin/env bash
# Seconds per epoch: persite (DJL, PyTorch 2.7.1 CPU) against the reference CGCNN (github.com/txie-93/cgcnn,
# Python, PyTorch), the same structures, the same hyperparameters (F 64, M 12, r 8 Å, 3 convolutions, H 128,
# 1 hidden layer), the same batch of 64 crystals, 60/20/20 split, both on every core of this machine.
#   REF=/path/to/cgcnn-checkout PYTHON=/usr/bin/python3 bench/reference-cgcnn/run.sh [N structures, default 2000]
# Needs for the reference: Python 3 with torch, pymatgen and scikit-learn (Debian: python3-torch,
# python3-pymatgen, python3-sklearn). Run on an otherwise idle machine.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-2000}"
ref="${REF:?set REF to a checkout of github.com/txie-93/cgcnn}"
py="${PYTHON:-python3}"
work="$(mktemp -d)"
"$py" "$home/bench/reference-cgcnn/prepare.py" "$home/data/mp_magmom_tmo/structures.jsonl.gz" "$work/data" "$n"

# the reference: wall time of 3 epochs minus 1 epoch = 2 epochs with its graphs cached (its loader caches each
# structure's features after the first epoch); both runs also pay one featurisation pass and one test pass
t() { local s; s=$(date +%s.%N); (cd "$ref" && "$py" main.py --epochs "$1" -b 64 --train-ratio 0.6 --val-ratio 0.2 --test-ratio 0.2 \
  --print-freq 100000 "$work/data" > "$work/ref-$1.log" 2>&1); awk -v a="$(date +%s.%N)" -v b="$s" 'BEGIN {print a - b}'; }
t1=$(t 1); t3=$(t 3)
ref_epoch=$(awk -v a="$t3" -v b="$t1" 'BEGIN {print (a - b) / 2}')

# persite: its own per-epoch time (forward + backward over the training split, then validation)
"$home/bin/persite" train --data "$work/data/subset.jsonl" --property magmom --transform abs --unit μB \
  --out "$work/persite-model" --epochs 3 --batch 64 > "$work/persite.log" 2>&1
persite_epoch=$(grep -o '([0-9.]* s/epoch' "$work/persite.log" | tail -2 | tr -d '(' | awk '{s += $1} END {print s / NR}')
printf 'structures %d (train %d)\nreference CGCNN: %.1f s per epoch (1 epoch run %.1f s, 3 epochs %.1f s)\npersite: %.1f s per epoch (epochs 2-3)\n' \
  "$n" "$(( n * 6 / 10 ))" "$ref_epoch" "$t1" "$t3" "$persite_epoch"
echo "logs in $work"
