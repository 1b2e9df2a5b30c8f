#!/usr/bin/env bash
# \file The reverse of scripts/pack_corpus.sh, to grow a shipped corpus: unpacks every split
# folder's data/corpus/<split>/*.jsonl.xz and dataset.json into runs/corpus/<split>/ (files
# already there are left alone), where `worldtune dataset --out runs/corpus/<split>` resumes
# them with the settings of their dataset.json.
# Usage: scripts/unpack_corpus.sh [SRC=data/corpus] [DST=runs/corpus]
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-data/corpus}"; dst="${2:-runs/corpus}"
for settings in "$src"/*/dataset.json; do
  [ -f "$settings" ] || continue
  split=$(basename "$(dirname "$settings")")
  mkdir -p "$dst/$split"
  [ -f "$dst/$split/dataset.json" ] || cp "$settings" "$dst/$split/dataset.json"
  for f in "$src/$split"/*.jsonl.xz; do
    out="$dst/$split/$(basename "$f" .xz)"
    [ -e "$out" ] || xz -dc "$f" > "$out"
  done
done
echo "unpacked into $dst"
