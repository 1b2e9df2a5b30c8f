#!/usr/bin/env bash
# \file Issue 10's ranking comparison and ablations: trains (when missing) the world model, its
# ablations and the tlp baseline on every data/corpus/train* folder, then scores each with
# `eval-model` on data/corpus/validation, beside the pretrained xgb (bench/pretrained_bench.sh
# trains it) and random. Models go to runs/models/<name>.json, logs to runs/models/<name>.log;
# rerun after a kill to continue. The 64-trial side of the ablations is
#   MODELS="world world-offline world-notransition world-noaux world-nohw" bench/pretrained_bench.sh
# Usage: bench/world_ablations.sh [NAMES...]   (default: all below)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${WORLDTUNE_BIN:-build/src/cli/worldtune}"
declare -A flags=(
  [world]="--model world"
  [world-notransition]="--model world --model-option transition=false"
  [world-noaux]="--model world --model-option aux=0"
  [world-nohw]="--model world --model-option hardware=false"
  [tlp]="--model tlp"
)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(world tlp world-notransition world-noaux world-nohw)
corpora=()
for d in data/corpus/train*/; do corpora+=(--corpus "${d%/}"); done
mkdir -p runs/models
for name in "${names[@]}"; do
  out="runs/models/$name.json"
  [ -f "$out" ] && continue
  echo "=== train $name ($(date -u +%H:%M:%S))"
  # shellcheck disable=SC2086
  "$bin" train ${flags[$name]} "${corpora[@]}" --out "$out" > "runs/models/$name.log" 2>&1
  tail -n 1 "runs/models/$name.log"
done
echo "| model | pairwise | top-1 | top-5 | Spearman |"
echo "|---|---|---|---|---|"
for m in random runs/models/xgb-pretrained.json "${names[@]/#/runs/models/}"; do
  [ "$m" != random ] && [ "${m%.json}" = "$m" ] && m="$m.json"
  [ "$m" != random ] && [ ! -f "$m" ] && continue
  line="$("$bin" eval-model --model "$m" --corpus data/corpus/validation | grep '^mean over')"
  echo "$line" | awk -v m="$(basename "$m" .json)" '{printf "| %s | %s | %s | %s | %s |\n", m, $(NF-3), $(NF-2), $(NF-1), $NF}'
done
