#!/usr/bin/env python3
"""Seeds for //tests/fuzz:onnx_fuzzer: small PyTorch-exported ONNX models
that reach every op the importer supports. Run with Debian's python3-torch;
the .onnx files are committed (CI needs no Python).

    python3 tests/fuzz/make_onnx_seeds.py
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "onnx_fuzzer")


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 4, 3, padding=1, groups=1, dilation=1)
        self.b = nn.Conv2d(4, 4, 3, padding=2, groups=2, dilation=2, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        x = F.relu6(self.a(x))
        x = torch.cat([self.bn(self.b(x)) + x, x * 0.5], 1)
        x = F.avg_pool2d(F.max_pool2d(x, 2), 2)
        x = F.dropout(torch.flatten(x, 1), training=False)
        return F.softmax(self.fc(x), 1)


class Pooled(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(1, 3, 5, stride=2)
        self.l = nn.Linear(3, 10, bias=False)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(F.relu(self.c(x)), 1).flatten(1)
        return self.l(x)


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    x = torch.randn(1, 1, 28, 28)
    for name, net, opset in (("small_opset13", Small(), 13), ("small_opset9", Small(), 9),
                             ("pooled_opset11", Pooled(), 11)):
        net.eval()
        torch.onnx.export(net, x, os.path.join(OUT, name + ".onnx"), opset_version=opset,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)


if __name__ == "__main__":
    main()
