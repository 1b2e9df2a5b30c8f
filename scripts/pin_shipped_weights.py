#!/usr/bin/python3
# \file One-off migration for the change of the shipped `world` and `tlp` weights (from
# data/models/world.json and tlp.json to the files world::default_weights names): runs and
# experiment methods that started from the old shipped weights without naming a file now name
# it, so they keep their identity and stay resumable and comparable. A run's settings
# (`<records>.run.json`: `model_file`), its experiment identity (`<run>.spec.json`: `load_model`)
# and experiment configs (`methods[].load_model`) are changed only where the weights the run
# recorded (`model_digest`) are those of the old file; docs/file_formats.md has the formats.
#
# Usage: scripts/pin_shipped_weights.py [--dry-run] PATH... (run folders or experiment files, in
# the repository).
import glob
import json
import os
import sys

OLD_SHIPPED = {"world": "data/models/world.json", "tlp": "data/models/tlp.json"}


def fnv1a64(path):
    h = 14695981039346656037
    with open(path, "rb") as f:
        for b in f.read():
            h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "fnv1a64:%016x" % h


DIGESTS = {kind: fnv1a64(path) for kind, path in OLD_SHIPPED.items()}


def pretrained(options):
    if isinstance(options, list):  # an experiment's NAME=VALUE strings
        options = dict(o.split("=", 1) for o in options)
    return options.get("pretrained", True) not in (False, "false", "0", 0)


def pin(settings, file_key):
    """Names the old shipped file in `settings` where it started from it; says what it did."""
    kind = settings.get("cost_model", "")
    if kind not in OLD_SHIPPED or settings.get(file_key):
        return False, "names its weights or has none shipped"
    if not pretrained(settings.get("model_options", {})):
        return False, "starts from no weights"
    if settings.get("model_digest", DIGESTS[kind]) != DIGESTS[kind]:
        return False, "started from other weights than %s: left as it is" % OLD_SHIPPED[kind]
    settings[file_key] = OLD_SHIPPED[kind]
    return True, OLD_SHIPPED[kind]


def write(path, j, outcome, dry_run, indent=2):
    changed, why = outcome
    print("%s: %s" % (path, why))
    if dry_run or not changed:
        return
    with open(path + ".tmp", "w") as f:
        f.write(json.dumps(j, indent=indent, ensure_ascii=False) + "\n")
    os.replace(path + ".tmp", path)


def migrate_experiment(path, dry_run):
    with open(path) as f:
        j = json.load(f)
    outcomes = [pin(m, "load_model") for m in j.get("methods", [])]
    changed = any(c for c, _ in outcomes)
    write(path, j, (changed, "; ".join(w for c, w in outcomes if c) or "nothing to pin"), dry_run)


def migrate_folder(folder, dry_run):
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.run.json"), recursive=True)):
        with open(path) as f:
            j = json.load(f)
        write(path, j, pin(j, "model_file"), dry_run)
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.spec.json"), recursive=True)):
        with open(path) as f:
            j = json.load(f)
        write(path, j, pin(j["identity"], "load_model"), dry_run)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--dry-run"]
    if not args:
        sys.exit("usage: scripts/pin_shipped_weights.py [--dry-run] PATH...")
    for a in args:
        if os.path.isdir(a):
            migrate_folder(a, "--dry-run" in sys.argv[1:])
        else:
            migrate_experiment(a, "--dry-run" in sys.argv[1:])
