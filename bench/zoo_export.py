#!/usr/bin/env python3
"""Exports torchvision 0.14's classification models at 224x224 (random weights
from seed 0: none can be downloaded here), each with 2 seeded input images and
PyTorch's logits for them, and a small npy data set of 256x256 uint8 images
for running the whole flow. Used by bench/zoo.sh; needs Debian's python3-torch
and python3-torchvision.

    /usr/bin/python3 bench/zoo_export.py DIR [MODEL ...]
"""
import os
import sys

import numpy as np
import torch
import torchvision

ALL = ["resnet18", "resnet50", "resnext50_32x4d", "mobilenet_v2", "mobilenet_v3_small",
       "efficientnet_b0", "mnasnet1_0", "shufflenet_v2_x1_0", "squeezenet1_1",
       "densenet121", "googlenet", "regnet_x_400mf", "alexnet", "vgg11_bn", "convnext_tiny",
       "vit_b_16"]


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or ALL
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    data = os.path.join(out, "data")
    os.makedirs(data, exist_ok=True)
    for split, n in (("train", 48), ("test", 16)):
        np.save(os.path.join(data, f"{split}_images.npy"),
                rng.integers(0, 256, size=(n, 256, 256, 3), dtype=np.uint8))
        np.save(os.path.join(data, f"{split}_labels.npy"), np.arange(n) % 10)
    for name in names:
        torch.manual_seed(0)
        kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
        model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
        # vit initialises its head to zeros: all-zero logits would make the
        # comparison say nothing.
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.Linear) and m.weight.abs().max() == 0:
                    torch.nn.init.normal_(m.weight, std=0.02)
        x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            logits = model(x)
        np.save(os.path.join(out, f"{name}_input.npy"), x.numpy())
        np.save(os.path.join(out, f"{name}_logits.npy"), logits.numpy())
        torch.onnx.export(model, torch.randn(1, 3, 224, 224), os.path.join(out, f"{name}.onnx"),
                          opset_version=13, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
        print(name, flush=True)


if __name__ == "__main__":
    main()
