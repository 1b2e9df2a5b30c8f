#!/usr/bin/env bash
# \file Packs corpus folders made by `worldtune dataset` (every folder of runs/corpus holding a
# dataset.json: train, validation, train-xeon, ...) into the shipped corpus:
# data/corpus/<split>/<workload>.jsonl.xz (xz -9, complete lines only, so a corpus still being
# measured packs cleanly) and data/corpus/manifest.json (workloads, counts, machines, settings,
# the worldtune commit). Every worldtune command reads the .xz files as they
# are. Usage: scripts/pack_corpus.sh [SRC=runs/corpus] [DST=data/corpus]
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-runs/corpus}"; dst="${2:-data/corpus}"
for settings in "$src"/*/dataset.json; do
  [ -f "$settings" ] || continue
  split=$(basename "$(dirname "$settings")")
  mkdir -p "$dst/$split"
  cp "$settings" "$dst/$split/dataset.json"
  for f in "$src/$split"/*.jsonl; do
    [ -s "$f" ] || continue
    out="$dst/$split/$(basename "$f").xz"
    # Up to the last newline: a line being written is left for the next pack.
    /usr/bin/python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(d[:d.rfind(b"\n")+1])' "$f" \
      | xz -9 -T1 -c > "$out.tmp"
    mv "$out.tmp" "$out"
  done
done
/usr/bin/python3 - "$dst" "$(git rev-parse HEAD)" <<'PY'
import glob, json, lzma, os, sys, datetime
dst, commit = sys.argv[1], sys.argv[2]
manifest = {"format": "worldtune-corpus-manifest-1", "worldtune_commit": commit,
            "packed_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "splits": {}}
for split in sorted(os.listdir(dst)):
    if not os.path.isfile(os.path.join(dst, split, "dataset.json")):
        continue
    files = sorted(glob.glob(os.path.join(dst, split, "*.jsonl.xz")))
    if not files:
        continue
    workloads, machines = {}, {}
    for f in files:
        n = ok = 0
        key = None
        for line in lzma.open(f, "rt"):
            r = json.loads(line)
            key = r["workload"]
            n += 1
            ok += r["error_code"] == 0
            m = r.get("machine") or {}
            mk = "%s | family %s model %s | %s cores | %s" % (
                m.get("cpu", "unknown"), m.get("family"), m.get("model"), m.get("cores"), r["target"])
            machines[mk] = machines.get(mk, 0) + 1
        workloads[key] = {"file": os.path.basename(f), "records": n, "succeeded": ok}
    settings = json.load(open(os.path.join(dst, split, "dataset.json")))
    manifest["splits"][split] = {
        "workloads": len(workloads),
        "records": sum(w["records"] for w in workloads.values()),
        "succeeded": sum(w["succeeded"] for w in workloads.values()),
        "bytes_xz": sum(os.path.getsize(f) for f in files),
        "settings": settings, "machines": machines, "per_workload": workloads}
json.dump(manifest, open(os.path.join(dst, "manifest.json"), "w"), indent=1)
for s, v in manifest["splits"].items():
    print("%s: %d workloads, %d records (%d succeeded), %.1f MB xz" %
          (s, v["workloads"], v["records"], v["succeeded"], v["bytes_xz"] / 1e6))
PY
