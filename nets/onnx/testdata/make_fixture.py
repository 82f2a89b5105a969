#!/usr/bin/env python3
"""Makes the ONNX import fixture: a small CNN with batch norm and a residual
branch, trained briefly on Fashion-MNIST in PyTorch and exported to ONNX.

Run with Debian's python3-torch (CI does not run it; its outputs are
committed):

    python3 nets/onnx/testdata/make_fixture.py

Writes, next to this script:
  fixture.onnx         the exported network (opset 13, dynamic batch)
  fixture_logits.npy   float32 [32, 10]: PyTorch's logits for the first 32
                       test images, in eval mode
  fixture.json         PyTorch's test accuracy over all 10,000 test images

Images are prepared as the project's data sets prepare them (spec section 7):
pixels / 255, then (x - 0.2860) / 0.3530.
"""
import gzip
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def images(split):
    x = idx(f"{DATA}/{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    x = (x - MEAN) / STD
    return torch.from_numpy(x).unsqueeze(1)


def labels(split):
    return torch.from_numpy(idx(f"{DATA}/{split}-labels-idx1-ubyte.gz").astype(np.int64))


class Net(nn.Module):
    """conv-bn-relu, a residual block, max pool, a strided conv with
    asymmetric-free padding, global average pool, then two linear layers."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.res1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.res1_bn = nn.BatchNorm2d(8)
        self.res2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.res2_bn = nn.BatchNorm2d(8)
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))
        y = F.relu(self.res1_bn(self.res1(x)))
        y = self.res2_bn(self.res2(y))
        x = F.relu(x + y)                       # the residual branch
        x = F.max_pool2d(x, 2)                  # 14x14
        x = F.relu(self.down(x))                # 7x7
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    train_x, train_y = images("train")[:20000], labels("train")[:20000]
    test_x, test_y = images("t10k"), labels("t10k")
    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    net.train()
    order = torch.randperm(train_x.shape[0])
    for start in range(0, train_x.shape[0], 64):
        batch = order[start:start + 64]
        opt.zero_grad()
        loss = F.cross_entropy(net(train_x[batch]), train_y[batch])
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        correct = 0
        for start in range(0, test_x.shape[0], 1000):
            logits = net(test_x[start:start + 1000])
            correct += (logits.argmax(1) == test_y[start:start + 1000]).sum().item()
        first = net(test_x[:32]).numpy().astype(np.float32)
    accuracy = correct / test_x.shape[0]
    torch.onnx.export(net, test_x[:1], os.path.join(HERE, "fixture.onnx"), opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    np.save(os.path.join(HERE, "fixture_logits.npy"), first)
    with open(os.path.join(HERE, "fixture.json"), "w") as f:
        json.dump({"accuracy": accuracy, "correct": correct, "test_images": test_x.shape[0],
                   "torch": torch.__version__}, f, indent=2)
        f.write("\n")
    print(f"accuracy {accuracy:.4f} ({correct} of {test_x.shape[0]})")


if __name__ == "__main__":
    main()
