#!/usr/bin/python3
# \file Draws random shapes of every operator family, the same number per family, for growing the
# training corpus (data/workloads/train.txt's "Random shapes" sections). Extents are log-uniform
# (odd ones included); a shape is kept when `worldtune show` accepts it and its FLOPs lie in the
# range, and never when it is already listed in one of the --exclude files (the training list, the
# validation list, the tuning benchmark's workloads).
#
# Usage: scripts/random_workloads.py --per-family N --seed S [--worldtune BIN]
#            [--min-flops F] [--max-flops F] [--exclude FILE ...] > keys.txt
import argparse
import math
import random
import re
import subprocess
import sys


def log_uniform(rng, lo, hi):
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def k_s_p(rng, kernels):
    k = rng.choice(kernels)
    return {"K": k, "S": rng.choice((1, 2)), "P": rng.randint(0, k // 2)}


def conv_common(rng, kernels, strides=(1, 2)):
    k = rng.choice(kernels)
    return {"N": 1, "H": log_uniform(rng, 7, 112), "W": log_uniform(rng, 7, 112),
            "CI": log_uniform(rng, 3, 512), "CO": log_uniform(rng, 8, 512), "K": k,
            "S": rng.choice(strides), "P": rng.randint(0, k // 2)}


def grouped(rng):
    p = conv_common(rng, (1, 3, 5))
    p["G"] = rng.choice((2, 4, 8))
    p["CI"] = p["G"] * max(1, p["CI"] // p["G"])
    p["CO"] = p["G"] * max(1, p["CO"] // p["G"])
    return p


def dilated(rng):
    p = conv_common(rng, (3, 5), strides=(1,))
    p["D"] = rng.choice((2, 3))
    return p


# One sampler per family: the parameters of its key, in the order `worldtune workloads` lists.
FAMILIES = {
    "matmul": lambda r: {"M": log_uniform(r, 16, 2048), "N": log_uniform(r, 16, 2048),
                         "K": log_uniform(r, 16, 2048)},
    "batch_matmul": lambda r: {"B": log_uniform(r, 1, 16), "M": log_uniform(r, 16, 512),
                               "N": log_uniform(r, 16, 512), "K": log_uniform(r, 16, 256)},
    "dense": lambda r: {"M": log_uniform(r, 1, 512), "N": log_uniform(r, 16, 4096),
                        "K": log_uniform(r, 16, 4096), "BIAS": r.randint(0, 1),
                        "RELU": r.randint(0, 1)},
    "conv1d_nlc": lambda r: {"N": 1, "L": log_uniform(r, 32, 1024), "CI": log_uniform(r, 8, 512),
                             "CO": log_uniform(r, 8, 512), **k_s_p(r, (1, 3, 5, 7))},
    "conv2d_nhwc": lambda r: conv_common(r, (1, 3, 5, 7)),
    "conv2d_bias_relu_nhwc": lambda r: conv_common(r, (1, 3, 5, 7)),
    "grouped_conv2d_nhwc": grouped,
    "dilated_conv2d_nhwc": dilated,
    "depthwise_conv2d_nhwc": lambda r: {"N": 1, "H": log_uniform(r, 7, 112),
                                        "W": log_uniform(r, 7, 112), "C": log_uniform(r, 8, 512),
                                        **k_s_p(r, (3, 5, 7))},
    "conv2d_transpose_nhwc": lambda r: {"N": 1, "H": log_uniform(r, 4, 32),
                                        "W": log_uniform(r, 4, 32), "CI": log_uniform(r, 8, 512),
                                        "CO": log_uniform(r, 8, 512), "K": r.choice((2, 3, 4)),
                                        "S": r.choice((1, 2)), "P": r.randint(0, 1)},
    "conv3d_ndhwc": lambda r: {"N": 1, "D": log_uniform(r, 4, 16), "H": log_uniform(r, 4, 32),
                               "W": log_uniform(r, 4, 32), "CI": log_uniform(r, 4, 64),
                               "CO": log_uniform(r, 4, 64), "K": r.choice((1, 3)), "S": 1,
                               "P": r.randint(0, 1)},
    "norm": lambda r: {"B": log_uniform(r, 1, 16), "M": log_uniform(r, 16, 512),
                       "N": log_uniform(r, 16, 512)},
    "softmax": lambda r: {"B": log_uniform(r, 1, 16), "M": log_uniform(r, 16, 512),
                          "N": log_uniform(r, 16, 512)},
    "layer_norm": lambda r: {"M": log_uniform(r, 16, 1024), "N": log_uniform(r, 16, 2048)},
    "transpose_batch_matmul": lambda r: {"B": 1, "L": log_uniform(r, 32, 512),
                                         "H": log_uniform(r, 1, 16), "D": log_uniform(r, 16, 128)},
}


def flops_of(worldtune, key):
    """The workload's FLOPs as `worldtune show` prints them; None when it refuses the key."""
    out = subprocess.run([worldtune, "show", "--workload", key], capture_output=True, text=True)
    m = re.search(r"^FLOPs: (\d+)", out.stdout, re.M)
    return int(m.group(1)) if out.returncode == 0 and m else None


def listed_keys(paths):
    keys = set()
    for path in paths:
        with open(path) as f:
            keys.update(line.strip() for line in f if line.strip() and not line.startswith("#"))
    return keys


def main():
    ap = argparse.ArgumentParser(
        description="random shapes of every operator family, for growing the training corpus")
    ap.add_argument("--per-family", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--worldtune", default="build/src/cli/worldtune")
    ap.add_argument("--min-flops", type=float, default=2e5)
    ap.add_argument("--max-flops", type=float, default=1e9)
    ap.add_argument("--exclude", nargs="*", default=["data/workloads/train.txt",
                                                     "data/workloads/validation.txt",
                                                     "bench/core_workloads.txt"])
    args = ap.parse_args()
    rng = random.Random(args.seed)
    taken = listed_keys(args.exclude)
    for family, sample in FAMILIES.items():
        kept, tries = 0, 0
        while kept < args.per_family:
            tries += 1
            if tries > 1000:
                sys.exit(f"{family}: no shape in the FLOP range after 1000 draws")
            params = sample(rng)
            key = family + ":" + ",".join(f"{k}={v}" for k, v in params.items())
            if key in taken:
                continue
            flops = flops_of(args.worldtune, key)
            if flops is None or not args.min_flops <= flops <= args.max_flops:
                continue
            print(key)
            taken.add(key)
            kept += 1


if __name__ == "__main__":
    main()
