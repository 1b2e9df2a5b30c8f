#!/usr/bin/env bash
# \file Measures N random schedules (default 200) of each workload in bench/core_workloads.txt with
# every output checked, appending records to runs/random_<seed>.jsonl and a summary per workload
# to runs/random_<seed>.summary. Resumable: workloads already summarized are skipped.
# Usage: bench/random_schedules.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200}"; seed="${2:-1}"
bin=build/src/cli/worldtune
mkdir -p runs
summary="runs/random_${seed}.summary"
touch "$summary"
grep -v '^#' bench/core_workloads.txt | while read -r key; do
  [ -z "$key" ] && continue
  if grep -qF "workload  $key" "$summary"; then echo "skip $key (done)"; continue; fi
  log="runs/random_${seed}_$(echo "$key" | tr ':=,' '___').log"
  "$bin" measure --workload "$key" --random "$n" --seed "$seed" --check all \
    --records "runs/random_${seed}.jsonl" > "$log" 2>&1 || true
  { grep -E '^(workload|target|sketches|summary|GFLOP|  +[A-Za-z]+Error|warning)' "$log"; echo; } >> "$summary"
  tail -n 4 "$log"
done
