#!/usr/bin/env bash
# Prediction throughput, side by side in one run: the reference CGCNN pipeline (github.com/txie-93/cgcnn:
# pymatgen parsing, get_all_neighbors, PyTorch forward) against persite in-process (`persite predict DIR`) and
# through the server (`persite serve` + `persite predict --server DIR` on the same machine).
#   REF=/path/to/cgcnn-checkout PYTHON=/usr/bin/python3 bench/reference-cgcnn/run-predict.sh [COPIES, default 40]
# The persite workload is data/mp_magmom_tmo/sample_500 (500 Materials Project oxides, 16,187 atoms) as JSON Lines,
# COPIES times (40: 20,000 structures, 647,480 atoms); the reference reads the same 500 structures once as CIFs
# (its per-structure cache is never hit), so both are compared in atoms/s. Both on every core (THREADS, default
# nproc). JVM start and model load are inside persite's times. Run on an otherwise idle machine.
set -euo pipefail
export ORT_DISABLE_TELEMETRY=1
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
copies="${1:-40}"
ref="${REF:?set REF to a checkout of github.com/txie-93/cgcnn}"
py="${PYTHON:-python3}"
threads="${THREADS:-$(nproc)}"
port="${PORT:-50171}"
work="$(mktemp -d)"
sample="$home/data/mp_magmom_tmo/sample_500"

# the reference's input layout: the CIFs, id_prop.csv (any target) and atom_init.json
mkdir -p "$work/ref"
cp "$sample"/cif/*.cif "$work/ref/"
cp "$home/data/cgcnn_reference/atom_init.json" "$work/ref/"
for f in "$sample"/cif/*.cif; do b="$(basename "$f" .cif)"; echo "$b,0"; done > "$work/ref/id_prop.csv"
mkdir -p "$work/in"
for i in $(seq -w 1 "$copies"); do cp "$sample/sample_500.jsonl" "$work/in/part-$i.jsonl"; done
atoms=$(( $(python3 -c "import json,sys; print(sum(len(json.loads(l)['species']) for l in open(sys.argv[1])))" "$sample/sample_500.jsonl") * copies ))

OMP_NUM_THREADS="$threads" "$py" "$home/bench/reference-cgcnn/predict.py" "$ref" "$work/ref" --threads "$threads" | tee "$work/ref.txt"
ref_rate=$(grep -o '[0-9]* atoms/s' "$work/ref.txt" | awk '{print $1}')

t0=$(date +%s.%N)
"$home/bin/persite" predict "$work/in" --out "$work/inprocess.csv" 2> "$work/inprocess.err"
t1=$(date +%s.%N)
in_rate=$(awk -v a="$atoms" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.0f", a / (t1 - t0)}')

"$home/bin/persite" serve --host 127.0.0.1 --port "$port" --metrics-port "$(( port + 1 ))" > "$work/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do grep -q 'persite serving gRPC' "$work/server.log" 2>/dev/null && break; sleep 0.5; done
jvm=$(pgrep -P "$server" java | head -1)
cpu() { awk '{print $14 + $15}' "/proc/$jvm/stat"; }  # the server JVM's user + system clock ticks
"$home/bin/persite" predict --server "127.0.0.1:$port" "$work/in" --out /dev/null 2> /dev/null  # warm-up: the server serves the workload once first, as a long-running server has
t0=$(date +%s.%N)
c0=$(cpu)
"$home/bin/persite" predict --server "127.0.0.1:$port" "$work/in" --out "$work/server.csv" 2> "$work/server.err"
c1=$(cpu)
t1=$(date +%s.%N)
us_per_atom=$(awk -v c="$(( c1 - c0 ))" -v hz="$(getconf CLK_TCK)" -v a="$atoms" 'BEGIN {printf "%.1f", c / hz * 1e6 / a}')
srv_rate=$(awk -v a="$atoms" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.0f", a / (t1 - t0)}')

rows=$(( $(wc -l < "$work/inprocess.csv") - 1 ))
[ "$rows" -eq "$atoms" ] || echo "warning: in-process wrote $rows site rows, expected $atoms" >&2
printf 'machine: %s cores, %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'workload: %d structures, %d atoms\n' "$(( 500 * copies ))" "$atoms"
printf 'reference CGCNN pipeline: %d atoms/s\n' "$ref_rate"
printf 'persite predict DIR (in-process): %d atoms/s, %.1fx the reference\n' "$in_rate" "$(awk -v a="$in_rate" -v b="$ref_rate" 'BEGIN {print a / b}')"
printf 'persite serve + predict --server: %d atoms/s, %.1fx the reference\n' "$srv_rate" "$(awk -v a="$srv_rate" -v b="$ref_rate" 'BEGIN {print a / b}')"
printf 'server CPU: %s us per atom (the server JVM alone, user + system)\n' "$us_per_atom"
echo "logs in $work"
