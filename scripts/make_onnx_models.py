#!/usr/bin/python3
# \file Makes the ONNX networks worldtune tunes and checks (random weights, fixed seed), with
# Debian's python3-torch and python3-torchvision: resnet18, resnet50, mobilenet_v2 (torchvision,
# 1x3x224x224), bert_base (a BERT-base encoder: 12 layers, hidden 768, 12 heads, sequence 128, on
# input embeddings), and small networks for the tests. Beside each FILE.onnx it writes
# FILE.io.json: a random input and PyTorch's output for it, which worldtune's own outputs are
# checked against.
#
# Usage: /usr/bin/python3 scripts/make_onnx_models.py OUT_DIR [NAME...] (default: every model;
# `--list` prints the names). Large files are made, never committed.
import json
import math
import os
import sys

import torch
from torch import nn

OPSET = 14  # PyTorch 1.13's default: LayerNormalization and Gelu export decomposed


class Tiny(nn.Module):
    """Every convolution-network operator at small sizes: conv + batch norm + relu, a residual
    add, a grouped (depthwise) conv with ReLU6, dilation, max and average pooling, global average
    pooling, flatten, gemm, sigmoid gating and softmax."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
                                  nn.BatchNorm2d(8), nn.ReLU())
        self.body = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.Conv2d(8, 8, 3, padding=2, dilation=2))
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU6())
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.norm = nn.BatchNorm2d(8)  # after a pool: the export folds one after a conv
        self.blur = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.avg = nn.AvgPool2d(2, count_include_pad=False)
        self.fc = nn.Linear(16, 10)
        self.gate = nn.Linear(16, 16)

    def forward(self, x):
        y = self.stem(x)
        y = torch.relu(y + self.body(y))
        y = self.norm(self.pool(self.dw(y)))
        y = self.avg(torch.cat([y, self.blur(y)], dim=1))
        z = torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1)
        z = z * torch.sigmoid(self.gate(z))
        y = self.fc(z)
        return y + torch.softmax(y, dim=-1)  # the logits too: a softmax alone hides errors


class EncoderLayer(nn.Module):
    """One BERT encoder layer (post-norm, GELU), written out so that the export holds only
    MatMul, Add, Reshape, Transpose, Softmax and the decomposed LayerNorm and GELU."""

    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads, self.hidden = heads, hidden
        self.qkv = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(3))
        self.out = nn.Linear(hidden, hidden)
        self.norm1, self.norm2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.ffn1, self.ffn2 = nn.Linear(hidden, ffn), nn.Linear(ffn, hidden)

    def forward(self, x):
        b, s = x.shape[0], x.shape[1]
        d = self.hidden // self.heads
        q, k, v = (m(x).reshape(b, s, self.heads, d).transpose(1, 2) for m in self.qkv)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, s, self.hidden)
        x = self.norm1(x + self.out(ctx))
        return self.norm2(x + self.ffn2(nn.functional.gelu(self.ffn1(x))))


class Encoder(nn.Module):
    def __init__(self, layers, hidden, heads, ffn):
        super().__init__()
        self.layers = nn.Sequential(*(EncoderLayer(hidden, heads, ffn) for _ in range(layers)))

    def forward(self, x):
        return self.layers(x)


class Lambda(nn.Module):
    """A one-operator network (the tests' unsupported and dynamic cases)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def torchvision_model(name):
    import torchvision
    return lambda: getattr(torchvision.models, name)(weights=None), (1, 3, 224, 224)


def tiny_densenet():
    """Two dense blocks (a layer's input is the concat of every feature map before it: 6 in the
    first block's last concat) joined by a transition whose average pool PyTorch exports behind a
    Pad of zero width."""
    import torchvision
    return torchvision.models.DenseNet(growth_rate=4, block_config=(5, 2), num_init_features=8,
                                       bn_size=2, num_classes=5)


MODELS = {
    "tiny_cnn": (Tiny, (1, 3, 16, 16)),
    "tiny_encoder": (lambda: Encoder(2, 32, 4, 64), (1, 8, 32)),
    "tiny_densenet": (tiny_densenet, (1, 3, 32, 32)),
    # For the tests' refusals: an operator worldtune lacks, a softmax over another axis than the
    # last, and a batch left dynamic.
    "test_tan": (lambda: Lambda(torch.tan), (2, 3)),
    "test_softmax_axis1": (lambda: Lambda(lambda x: torch.softmax(x, dim=1)), (2, 3, 4)),
    "test_dynamic_batch": (lambda: Lambda(torch.relu), (2, 3), {"input": {0: "batch"}}),
    # An average pool that counts the padded zeros: PyTorch exports a Pad node and a pool.
    "test_pad": (lambda: Lambda(lambda x: nn.functional.avg_pool2d(x, 3, 2, 1)), (1, 2, 5, 5)),
    "resnet18": torchvision_model("resnet18"),
    "resnet50": torchvision_model("resnet50"),
    "mobilenet_v2": torchvision_model("mobilenet_v2"),
    "densenet121": torchvision_model("densenet121"),
    "bert_base": (lambda: Encoder(12, 768, 12, 3072), (1, 128, 768)),
}


def make(name, out_dir):
    factory, shape, *dynamic = MODELS[name]
    torch.manual_seed(0)
    model = factory().eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, (x,), path + ".tmp", opset_version=OPSET, input_names=["input"],
                      output_names=["output"], do_constant_folding=True,
                      dynamic_axes=dynamic[0] if dynamic else None)
    os.replace(path + ".tmp", path)
    io = {"input": {"name": "input", "shape": list(x.shape), "data": x.flatten().tolist()},
          "output": {"name": "output", "shape": list(y.shape), "data": y.flatten().tolist()},
          "torch": torch.__version__}
    with open(path[: -len(".onnx")] + ".io.json.tmp", "w") as f:
        json.dump(io, f)
    os.replace(path[: -len(".onnx")] + ".io.json.tmp", path[: -len(".onnx")] + ".io.json")
    print("wrote", path)


def main(argv):
    if argv[:1] == ["--list"]:
        print("\n".join(MODELS))
        return
    if not argv:
        sys.exit("usage: make_onnx_models.py OUT_DIR [NAME...] | --list")
    out_dir, names = argv[0], argv[1:] or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit("unknown model(s) %s; known: %s" % (", ".join(unknown), ", ".join(MODELS)))
    os.makedirs(out_dir, exist_ok=True)
    for n in names:
        make(n, out_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
