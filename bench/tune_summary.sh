#!/usr/bin/env bash
# \file Markdown table of the tuning runs of bench/tune_bench.sh (their last summary each): best
# GFLOP/s as recorded during tuning, the trial that found it, failures, wall time, where the time
# went, and the cost model's throughput. Re-measured side-by-side figures: build/bench/compare_best.
# Usage: bench/tune_summary.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="runs/tune_${1:-1}"
echo "| workload | model | best GFLOP/s (recorded) | found at trial | failed | wall s | search | build | run | training | states/s scored |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for out in "$dir"/*.out; do
  [ -f "${out%.out}.done" ] || continue
  model="$(basename "$out" | cut -d_ -f1)"
  awk -v model="$model" '
    /^summary/ { wall = $0; sub(/.*, /, "", wall); sub(/ s$/, "", wall) }
    /^best/ { w = $2; sub(/:$/, "", w); g = $0; sub(/ GFLOP\/s.*/, "", g); sub(/.*, /, "", g)
              t = $0; sub(/.*\(trial /, "", t); split(t, a, " "); sub(/,$/, "", a[3]); trial = a[1] "/" a[3]
              f = $0; sub(/.* of [0-9]+, /, "", f); sub(/ failed.*/, "", f) }
    /^time/ { split($0, p, /[ ,]+/)
              for (i = 1; i <= length(p); i++) {
                if (p[i] == "search") s = p[i + 1]; if (p[i] == "build") b = p[i + 1]
                if (p[i] == "run") r = p[i + 1]; if (p[i] == "training") tr = p[i + 1] } }
    /^model .*states\/s/ { sps = $0; sub(/.*scored, /, "", sps); sub(/ states\/s.*/, "", sps) }
    END { printf "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", w, model, g, trial, f, wall, s, b, r, tr, sps }
  ' "$out"
done
