#!/usr/bin/python3
"""How many trials a long baseline run (seed 1) needs for its in-run best to match a method's
in-run best at 100 trials: the geometric mean over seeds 1-3 of the method's best cost, then over
workloads. Reads an experiment's runs folder (plain or xz-packed records); measures nothing.
In-run figures only (the highest of noisy measurements), so a diagnostic beside the experiment's
re-measured figures, not a replacement for them.

Usage: bench/trials_to_match.py RUNS_DIR METHOD [BASELINE (default xgb-1000)] [AT (default 100)]
"""
import glob
import json
import lzma
import math
import os
import sys


def costs(path):
    """Mean cost of every trial in order (inf for a failure), baseline records skipped."""
    opener = lzma.open if path.endswith('.xz') else open
    out = []
    with opener(path, 'rt') as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue  # a truncated last line
            if r.get('method') or 'costs' not in r:  # a peer's record, not a trial
                continue
            c = r['costs']
            out.append(sum(c) / len(c) if r.get('error_code', 0) == 0 and c else math.inf)
    return out


def records(stem):
    for ext in ('.jsonl', '.jsonl.xz'):
        if os.path.exists(stem + ext):
            return stem + ext
    sys.exit(f'no records for {stem}')


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    d, method = sys.argv[1], sys.argv[2]
    base = sys.argv[3] if len(sys.argv) > 3 else 'xgb-1000'
    at = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    stems = glob.glob(f'{d}/{base}_s1_*.jsonl') + glob.glob(f'{d}/{base}_s1_*.jsonl.xz')
    workloads = sorted({s.split('/')[-1][len(base) + 4:].split('.jsonl')[0] for s in stems})
    target, curve = {}, {}
    for w in workloads:
        bests = [min(costs(records(f'{d}/{method}_s{s}_{w}'))[:at]) for s in (1, 2, 3)]
        target[w] = math.exp(sum(map(math.log, bests)) / 3)
        c, best = costs(records(f'{d}/{base}_s1_{w}')), math.inf
        curve[w] = [best := min(best, x) for x in c]

    def ratio(n):  # method@at speed over baseline@n speed, geomean over workloads
        return math.exp(sum(math.log(curve[w][min(n, len(curve[w])) - 1] / target[w])
                            for w in workloads) / len(workloads))

    longest = max(len(c) for c in curve.values())
    for n in sorted({64, 100, 200, 300, 400, 500, 700, longest} & set(range(1, longest + 1))):
        print(f'{method}@{at} / {base}@{n}: {ratio(n):.3f}')
    first = next((n for n in range(1, longest + 1) if ratio(n) <= 1.0), None)
    print(f'{base} matches {method}@{at} (geomean, in-run) after {first} trials')
    for w in workloads:
        n = next((i + 1 for i, x in enumerate(curve[w]) if x <= target[w]), None)
        print(f'  {w}: {n}')


main()
