#!/usr/bin/env bash
# \file Issue 9's tuning benchmark: N trials (default 64) on each workload of
# bench/core_workloads.txt with the pretrained xgb model (runs/models/xgb-pretrained.json, trained
# on every data/corpus/train* folder first when missing), xgb from scratch and random, for seeds
# 1..S (default 3), one folder per seed under runs/pretrained_<N>/; then every best is re-measured side by side,
# all seeds and models of a workload in one process and the same interleaved rounds
# (build/bench/compare_best, no peers), and the geometric means are printed. Resumable: rerun the
# same command after a kill. MODELS (default "xgb-pretrained xgb random") picks the models, named
# as bench/tune_bench.sh names them (world, world-offline, world-<ablation>).
# Usage: [MODELS="world xgb-pretrained xgb random"] bench/pretrained_bench.sh [N] [SEEDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-64}"; seeds="${2:-3}"; rounds="${3:-5}"
models="${MODELS:-xgb-pretrained xgb random}"
root="runs/pretrained_${n}"
bin="${WORLDTUNE_BIN:-build/src/cli/worldtune}"
model="${PRETRAINED:-runs/models/xgb-pretrained.json}"
if [ ! -f "$model" ]; then
  mkdir -p "$(dirname "$model")"
  corpora=()
  for d in data/corpus/train*/; do corpora+=(--corpus "${d%/}"); done
  "$bin" train "${corpora[@]}" --out "$model"
fi
export PRETRAINED="$model"
dirs=()
for seed in $(seq 1 "$seeds"); do
  RUNS_DIR="$root/seed_$seed" bench/tune_bench.sh "$n" "$seed" "$models"
  dirs+=("$root/seed_$seed")
done
echo "=== side by side ($(date -u +%H:%M:%S), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2))"
build/bench/compare_best "$(IFS=,; echo "${dirs[*]}")" "$rounds" "$(echo $models | tr ' ' ,)" "" none \
  | tee "$root/compare.md"
