#!/bin/sh
# \file A network side by side with PyTorch on this machine (issue 12's acceptance): tunes all of
# its tasks under one budget (resumable: run again with a larger budget and it goes on from the
# records), compiles the result, times it with `worldtune run-model` (its output checked against
# PyTorch's), and times PyTorch eager and TorchScript + optimize_for_inference with the same
# thread count (scripts/torch_latency.py). Prints one summary line per run.
#
# Usage: [NAME=N] [TUNE_FLAGS=...] [ROUNDS=R] bench/network_bench.sh MODEL TRIALS [THREADS] [COST_MODEL]
#   MODEL: a name of scripts/make_onnx_models.py (resnet50, mobilenet_v2, bert_base, ...)
#   THREADS: default all cores; COST_MODEL: default xgb
#   NAME: the outputs' name (default MODEL), so that one model can be tuned in several ways
#   TUNE_FLAGS: more `worldtune tune` flags, e.g. --cache-flush (measure each kernel with cold
#     caches, as TVM recommends for networks: in the network, weights come from memory)
#   ROUNDS: interleaved timing rounds (default 3; odd)
# Outputs under runs/net/: NAME.jsonl (records), NAME.tune.log, NAME_lib/ (the compiled
# network), NAME.bench.log (the summary lines), NAME.rounds (each round's figures).
set -e
cd "$(dirname "$0")/.."
model=$1
trials=$2
threads=${3:-$(nproc)}
cost_model=${4:-xgb}
name=${NAME:-$model}
rounds=${ROUNDS:-3}
[ -n "$model" ] && [ -n "$trials" ] || { echo "usage: $0 MODEL TRIALS [THREADS] [COST_MODEL]" >&2; exit 2; }
bin=build/src/cli/worldtune
onnx=runs/onnx/$model.onnx
dir=runs/net
mkdir -p "$dir"
[ -f "$onnx" ] || /usr/bin/python3 scripts/make_onnx_models.py runs/onnx "$model"
records=$dir/$name.jsonl
resume=
[ -s "$records" ] && resume=--resume
"$bin" tune --model "$onnx" --trials "$trials" --cost-model "$cost_model" --records "$records" \
  $resume $TUNE_FLAGS >> "$dir/$name.tune.log" 2>&1
# Tuning time: the sum of the invocations' own times.
# Invocations that measured nothing (a replay of the recorded run) do not count.
tune_s=$(grep '^summary' "$dir/$name.tune.log" |
  awk '{restored = substr($4, 2); if ($2 != restored) s += $(NF-1)} END {printf "%.0f", s}')
estimate=$(grep '^network   ' "$dir/$name.tune.log" | tail -1 | awk '{print $2}')
"$bin" compile --model "$onnx" --records "$records" --out "$dir/${name}_lib" --force \
  --check-io "runs/onnx/$model.io.json" > "$dir/$name.compile.log" 2>&1
tuned=$(grep '^tuned ' "$dir/$name.compile.log" | awk '{print $2 "/" $4}')
# Rounds of ours and PyTorch's, interleaved; the medians of the rounds' medians.
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: > "$dir/$name.rounds"
for round in $(seq "$rounds"); do
  ours=$("$bin" run-model --dir "$dir/${name}_lib" --check-io "runs/onnx/$model.io.json" \
    --runs 50 --threads "$threads")
  torch=$(/usr/bin/python3 scripts/torch_latency.py "$model" --threads "$threads" --runs 50)
  echo "$ours" | sed -n 's/.*: \([0-9.]*\) ms median.*/ours \1/p' >> "$dir/$name.rounds"
  echo "$torch" | sed -n 's/.*"eager_ms": \([0-9.]*\).*/eager \1/p' >> "$dir/$name.rounds"
  echo "$torch" | sed -n 's/.*"jit_opt_ms": \([0-9.]*\).*/opt \1/p' >> "$dir/$name.rounds"
done
ours_ms=$(awk '$1 == "ours" {print $2}' "$dir/$name.rounds" | median)
eager=$(awk '$1 == "eager" {print $2}' "$dir/$name.rounds" | median)
opt=$(awk '$1 == "opt" {print $2}' "$dir/$name.rounds" | median)
check=$(echo "$ours" | sed -n 's/.*max abs difference \([^,]*\),.*: \([a-zA-Z]*\)$/\1 \2/p')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
line=$(printf '%s | %s trials (%s s tuning, %s tasks tuned, %s model%s) | worldtune %s ms (estimate %s ms, check %s) | PyTorch eager %.3f ms, jit+optimize_for_inference %.3f ms | %s threads, %s rounds | %s | %s' \
  "$name" "$(wc -l < "$records")" "$tune_s" "$tuned" "$cost_model" "${TUNE_FLAGS:+ $TUNE_FLAGS}" "$ours_ms" "$estimate" "$check" \
  "$eager" "$opt" "$threads" "$rounds" "$cpu" "$(date -u +%Y-%m-%dT%H:%MZ)")
echo "$line" | tee -a "$dir/$name.bench.log"
