#!/usr/bin/python3
# \file PyTorch's latency on a network of scripts/make_onnx_models.py (same architecture and
# random weights, batch as made): eager, and TorchScript after torch.jit.optimize_for_inference
# (freezing, conv + batch norm folding, oneDNN where it applies), with a given thread count.
# The peers of `worldtune run-model` in bench/network_bench.sh.
#
# Usage: /usr/bin/python3 scripts/torch_latency.py NAME [--threads N] [--runs N]
# Prints one JSON line: {"model", "threads", "runs", "eager_ms", "jit_opt_ms", "torch"} (medians).
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_onnx_models import MODELS  # noqa: E402


def median_ms(fn, x, runs):
    for _ in range(max(3, runs // 5)):
        fn(x)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("name", choices=sorted(MODELS))
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--runs", type=int, default=50)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    factory, shape, *_ = MODELS[a.name]
    torch.manual_seed(0)
    model = factory().eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        eager = median_ms(model, x, a.runs)
        opt = torch.jit.optimize_for_inference(torch.jit.trace(model, x))
        jit_opt = median_ms(opt, x, a.runs)
    print(json.dumps({"model": a.name, "threads": a.threads, "runs": a.runs, "eager_ms": eager,
                      "jit_opt_ms": jit_opt, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
