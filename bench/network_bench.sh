#!/bin/sh
# \file A network side by side with PyTorch on this machine (issue 12's acceptance): tunes all of
# its tasks under one budget (resumable: run again with a larger budget and it goes on from the
# records), compiles the result, times it with `worldtune run-model` (its output checked against
# PyTorch's), and times PyTorch eager and TorchScript + optimize_for_inference with the same
# thread count (scripts/torch_latency.py). Prints one summary line per run.
#
# Usage: bench/network_bench.sh MODEL TRIALS [THREADS] [COST_MODEL]
#   MODEL: a name of scripts/make_onnx_models.py (resnet50, mobilenet_v2, bert_base, ...)
#   THREADS: default all cores; COST_MODEL: default xgb
# Outputs under runs/net/: MODEL.jsonl (records), MODEL.tune.log, MODEL_lib/ (the compiled
# network), MODEL.bench.log (the summary lines).
set -e
cd "$(dirname "$0")/.."
model=$1
trials=$2
threads=${3:-$(nproc)}
cost_model=${4:-xgb}
[ -n "$model" ] && [ -n "$trials" ] || { echo "usage: $0 MODEL TRIALS [THREADS] [COST_MODEL]" >&2; exit 2; }
bin=build/src/cli/worldtune
onnx=runs/onnx/$model.onnx
dir=runs/net
mkdir -p "$dir"
[ -f "$onnx" ] || /usr/bin/python3 scripts/make_onnx_models.py runs/onnx "$model"
records=$dir/$model.jsonl
resume=
[ -s "$records" ] && resume=--resume
"$bin" tune --model "$onnx" --trials "$trials" --cost-model "$cost_model" --records "$records" \
  $resume >> "$dir/$model.tune.log" 2>&1
# Tuning time: the sum of the invocations' own times.
# Invocations that measured nothing (a replay of the recorded run) do not count.
tune_s=$(grep '^summary' "$dir/$model.tune.log" |
  awk '{restored = substr($4, 2); if ($2 != restored) s += $(NF-1)} END {printf "%.0f", s}')
estimate=$(grep '^network   ' "$dir/$model.tune.log" | tail -1 | awk '{print $2}')
"$bin" compile --model "$onnx" --records "$records" --out "$dir/${model}_lib" --force \
  --check-io "runs/onnx/$model.io.json" > "$dir/$model.compile.log" 2>&1
tuned=$(grep '^tuned ' "$dir/$model.compile.log" | awk '{print $2 "/" $4}')
# Three rounds, ours and PyTorch's interleaved; the medians of the three rounds' medians.
median3() { sort -n | sed -n 2p; }
: > "$dir/$model.rounds"
for round in 1 2 3; do
  ours=$("$bin" run-model --dir "$dir/${model}_lib" --check-io "runs/onnx/$model.io.json" \
    --runs 50 --threads "$threads")
  torch=$(/usr/bin/python3 scripts/torch_latency.py "$model" --threads "$threads" --runs 50)
  echo "$ours" | sed -n 's/.*: \([0-9.]*\) ms median.*/ours \1/p' >> "$dir/$model.rounds"
  echo "$torch" | sed -n 's/.*"eager_ms": \([0-9.]*\).*/eager \1/p' >> "$dir/$model.rounds"
  echo "$torch" | sed -n 's/.*"jit_opt_ms": \([0-9.]*\).*/opt \1/p' >> "$dir/$model.rounds"
done
ours_ms=$(awk '$1 == "ours" {print $2}' "$dir/$model.rounds" | median3)
eager=$(awk '$1 == "eager" {print $2}' "$dir/$model.rounds" | median3)
opt=$(awk '$1 == "opt" {print $2}' "$dir/$model.rounds" | median3)
check=$(echo "$ours" | sed -n 's/.*max abs difference \([^,]*\),.*: \([a-zA-Z]*\)$/\1 \2/p')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
line=$(printf '%s | %s trials (%s s tuning, %s tasks tuned, %s model) | worldtune %s ms (estimate %s ms, check %s) | PyTorch eager %.3f ms, jit+optimize_for_inference %.3f ms | %s threads | %s | %s' \
  "$model" "$(wc -l < "$records")" "$tune_s" "$tuned" "$cost_model" "$ours_ms" "$estimate" "$check" \
  "$eager" "$opt" "$threads" "$cpu" "$(date -u +%Y-%m-%dT%H:%MZ)")
echo "$line" | tee -a "$dir/$model.bench.log"
