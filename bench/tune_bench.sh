#!/usr/bin/env bash
# \file Issue 3's benchmark, step 1: tunes each workload of bench/core_workloads.txt for N trials
# (default 1000) with each cost model (default "xgb random"), one records file per workload and
# model under runs/tune_<seed>/. Resumable in chunks: a killed run continues with --resume, a
# finished one (marked .done) is skipped. Step 2, the side-by-side table with the peers, is
# build/bench/compare_best (docs/benchmarks.md).
# A model named `xgb-pretrained` is `--cost-model xgb --load-model $PRETRAINED` (default
# runs/models/xgb-pretrained.json); `world` uses the shipped weights (no online fine-tuning, the
# default since 2026-12-02; `world-offline` says so explicitly), `world-online` the same with it
# (the default before), and `world-<name>` the weights runs/models/world-<name>.json (the
# ablations of bench/world_ablations.sh; `tlp-<name>` likewise). RUNS_DIR overrides the folder.
# Usage: bench/tune_bench.sh [N] [SEED] [MODELS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"; seed="${2:-1}"; models="${3:-xgb random}"
# WORLDTUNE_BIN: a copy of the binary, so that rebuilding during a long run changes nothing.
bin="${WORLDTUNE_BIN:-build/src/cli/worldtune}"
dir="${RUNS_DIR:-runs/tune_${seed}}"
pretrained="${PRETRAINED:-runs/models/xgb-pretrained.json}"
mkdir -p "$dir"
grep -v '^#' bench/core_workloads.txt | while read -r key; do
  [ -z "$key" ] && continue
  for model in $models; do
    slug="$(echo "$key" | tr ':=,' '___')"
    base="$dir/${model}_${slug}"
    if [ -f "$base.done" ]; then echo "skip $model $key (done)"; continue; fi
    resume=""
    [ -s "$base.jsonl" ] && resume="--resume"
    echo "=== $model $key $resume ($(date -u +%H:%M:%S))"
    rc=0
    model_flags=(--cost-model "$model")
    case "$model" in
      xgb-pretrained) model_flags=(--cost-model xgb --load-model "$pretrained") ;;
      world-offline) model_flags=(--cost-model world --model-option online=false) ;;
      world-online) model_flags=(--cost-model world --model-option online=true) ;;
      world-*) model_flags=(--cost-model world --load-model "runs/models/$model.json") ;;
      tlp-*) model_flags=(--cost-model tlp --load-model "runs/models/$model.json") ;;
    esac
    "$bin" tune --workload "$key" --trials "$n" "${model_flags[@]}" --seed "$seed" $resume \
      --records "$base.jsonl" < /dev/null >> "$base.out" 2>&1 || rc=$?
    # 0: done; 1: done but no valid schedule; anything else: an error, see the .out file.
    if [ "$rc" -le 1 ]; then touch "$base.done"; else echo "failed ($rc): $base.out"; fi
    grep -E '^(summary|best|time|model)' "$base.out" | tail -n 4
  done
done
