#!/usr/bin/python3
# \file One-off migration of run folders written before runs recorded `model_digest` (the hash of
# the weights a model starts from; docs/file_formats.md "Run settings"): adds it to each
# `<records>.run.json` (tune) and `<run>.spec.json` (experiment identity) whose run started from
# weights. The weights are taken as they were in git when the run measured its first record (the
# last commit of the weights file before that time; for a run older than the file's first commit,
# that first commit, as weights were committed with the runs that used them), so a run tuned with
# weights replaced since gets the old digest and is seen as another run, never silently as this.
#
# Usage: scripts/add_model_digests.py FOLDER... (in the repository; --dry-run only prints).
import glob
import json
import lzma
import os
import subprocess
import sys

SHIPPED = {"world": "data/models/world.json", "tlp": "data/models/tlp.json"}


def fnv1a64(data):
    h = 14695981039346656037
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "fnv1a64:%016x" % h


def repo_path(path):
    """A model path as the repository names it (runs elsewhere may hold absolute paths)."""
    if os.path.isabs(path) and "/data/models/" in path:
        return "data/models/" + path.split("/data/models/", 1)[1]
    return path


def weights_of(cost_model, model_file, options):
    if model_file:
        return repo_path(model_file)
    pretrained = options.get("pretrained", True) not in (False, "false", "0", 0)
    return SHIPPED.get(cost_model, "") if pretrained else ""


def first_timestamp(records):
    opener = lzma.open if records.endswith(".xz") else open
    with opener(records, "rt") as f:
        stamps = [json.loads(line)["timestamp"] for line in f if line.strip()]
    return min(stamps) if stamps else None


def git_lines(*args):
    out = subprocess.run(["git"] + list(args), capture_output=True, text=True, check=True).stdout
    return out.split()


def digest_at(path, timestamp):
    """The digest of `path` as committed last before `timestamp`, or else as first committed
    (weights trained, used by runs, then committed with them); None when git never held it."""
    before = git_lines("log", "-1", "--before=@%d" % timestamp, "--format=%H", "--", path)
    commits = before or git_lines("log", "--reverse", "--format=%H", "--", path)[:1]
    if not commits:
        return None, ""
    blob = subprocess.run(["git", "show", "%s:%s" % (commits[0], path)], capture_output=True,
                          check=True).stdout
    return fnv1a64(blob), "" if before else " (first committed, after the run)"


def records_of(stem):
    for ext in (".jsonl", ".jsonl.xz"):
        if os.path.exists(stem + ext):
            return stem + ext
    return None


def options_dict(options):
    if isinstance(options, dict):
        return options
    return dict(o.split("=", 1) for o in options)  # the experiment's NAME=VALUE strings


def migrate(settings, stem):
    """Adds the digest to `settings` (a run's settings or identity); says what it did or why not."""
    if "model_digest" in settings:
        return False, "has one"
    weights = weights_of(settings.get("cost_model", ""),
                         settings.get("model_file", settings.get("load_model", "")),
                         options_dict(settings.get("model_options", {})))
    if not weights:
        return False, "starts from no weights"
    records = records_of(stem)
    stamp = first_timestamp(records) if records else None
    if stamp is None:
        return False, "no records to date it: left as it is"
    digest, how = digest_at(weights, stamp)
    if digest is None:
        return False, "%s was never in git: left as it is" % weights
    settings["model_digest"] = digest
    return True, "%s %s%s" % (weights, digest, how)


def main(folders, dry_run):
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "**", "*.run.json"), recursive=True)):
            with open(path) as f:
                j = json.load(f)
            write(path, j, migrate(j, path[: -len(".jsonl.run.json")]), dry_run)
        for path in sorted(glob.glob(os.path.join(folder, "**", "*.spec.json"), recursive=True)):
            with open(path) as f:
                j = json.load(f)
            write(path, j, migrate(j["identity"], path[: -len(".spec.json")]), dry_run)


def write(path, j, outcome, dry_run):
    changed, why = outcome
    print("%s: %s" % (path, why))
    if dry_run or not changed:
        return
    with open(path + ".tmp", "w") as f:
        f.write(json.dumps(j, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--dry-run"]
    if not args:
        sys.exit("usage: scripts/add_model_digests.py [--dry-run] FOLDER...")
    main(args, "--dry-run" in sys.argv[1:])
