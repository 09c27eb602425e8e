#!/usr/bin/env bash
# Seconds per epoch: persite (DJL, PyTorch 2.7.1 CPU) against the reference CGCNN (github.com/txie-93/cgcnn,
# Python, PyTorch), the same structures, the same hyperparameters (F 64, M 12, r 8 Å, 3 convolutions, H 128,
# 1 hidden layer), the same batch of 64 crystals, 60/20/20 split, both on every core of this machine.
#   REF=/path/to/cgcnn-checkout PYTHON=/usr/bin/python3 bench/reference-cgcnn/run.sh [N structures, default 2000]
# Needs for the reference: Python 3 with torch, pymatgen and scikit-learn (Debian: python3-torch,
# python3-pymatgen, python3-sklearn). Run on an otherwise idle machine.
set -euo pipefail
# ONNX Runtime 1.29's telemetry off in every JVM this starts (it phones home, and kills JVMs with long command
# lines with SIGSEGV: microsoft/onnxruntime#32173); Java cannot set it for itself early enough
export ORT_DISABLE_TELEMETRY=1
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-2000}"
ref="${REF:?set REF to a checkout of github.com/txie-93/cgcnn}"
py="${PYTHON:-python3}"
work="$(mktemp -d)"
# both on every core: Debian's PyTorch otherwise starts with one intra-op thread here
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
"$py" "$home/bench/reference-cgcnn/prepare.py" "$home/data/mp_magmom_tmo/structures.jsonl.gz" "$work/data" "$n"

# the reference: 3 epochs, every batch's time printed; its loader caches each structure's features during the
# first epoch, so epochs 2 and 3 are timed: the sum of their training batch times plus their validation batches
(cd "$ref" && "$py" main.py --epochs 3 -b 64 --train-ratio 0.6 --val-ratio 0.2 --test-ratio 0.2 --print-freq 1 "$work/data" \
  > "$work/ref.log" 2>&1)
ref_epoch=$("$py" - "$work/ref.log" <<'PY'
import re, sys
train, val, epoch = {}, {}, None
for line in open(sys.argv[1]):
    m = re.match(r"Epoch: \[(\d+)\]\[\d+/\d+\]\s+Time ([\d.]+)", line)
    if m:
        epoch = int(m.group(1))
        train[epoch] = train.get(epoch, 0) + float(m.group(2))
        continue
    m = re.match(r"Test: \[(\d+)/(\d+)\]\s+Time ([\d.]+)", line)
    if m and epoch is not None and len(val.setdefault(epoch, [])) <= int(m.group(2)):
        val[epoch].append(float(m.group(3)))  # the last epoch's list also collects the final test pass: cut below
n_val = len(val[0])
print("%.2f" % (sum(train[e] + sum(val[e][:n_val]) for e in (1, 2)) / 2))
PY
)

# persite: its own per-epoch time (forward + backward over the training split, then validation)
"$home/bin/persite" train --data "$work/data/subset.jsonl" --property magmom --transform abs --unit μB \
  --out "$work/persite-model" --epochs 3 --batch 64 > "$work/persite.log" 2>&1
persite_epoch=$(grep -o '([0-9.]* s/epoch' "$work/persite.log" | tail -2 | tr -d '(' | awk '{s += $1} END {print s / NR}')
printf 'structures %d (train %d)\nreference CGCNN: %.1f s per epoch (epochs 2-3)\npersite: %.1f s per epoch (epochs 2-3)\n' \
  "$n" "$(( n * 6 / 10 ))" "$ref_epoch" "$persite_epoch"
echo "logs in $work"
