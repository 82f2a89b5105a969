#!/usr/bin/env python3
"""Makes the small torchvision fixtures of the hard architectures: the graphs
torchvision 0.14 exports for efficientnet (SiLU, squeeze-excitation),
mobilenet_v3 (HardSigmoid, HardSwish), shufflenet_v2 (channel shuffle:
Shape/Gather/Reshape/Transpose), mnasnet (ReduceMean), convnext (LayerNorm
written out as ReduceMean/Sub/Pow/Sqrt/Div, GELU through Erf, Transpose,
channels-last Linear) and vit (shape arithmetic on the batch, attention's
MatMul of two activations, Softmax on the last axis), each built from
torchvision's own classes with fewer channels, blocks or layers so that the
files stay small, at 32x32 with 10 classes and random weights (no weights can
be downloaded here).

Run with Debian's python3-torch and python3-torchvision (CI does not run it;
its outputs are committed):

    /usr/bin/python3 nets/onnx/testdata/make_zoo_fixtures.py

Writes zoo/NAME.onnx (opset 13, and opset 17 for the two with LayerNorm),
zoo/NAME_input.npy (float32 [4, 3, 32, 32], seeded) and zoo/NAME_logits.npy
(PyTorch's logits for them, eval mode) next to this script.
"""
import os

import numpy as np
import torch
from torchvision.models import convnext, efficientnet, mnasnet, mobilenetv3, shufflenetv2
from torchvision.models import vision_transformer

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zoo")


def efficientnet_small():
    setting, last = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25,
                                                   depth_mult=0.25)
    return efficientnet.EfficientNet(setting, 0.2, num_classes=10, last_channel=last)


def mobilenet_v3_small():
    setting, last = mobilenetv3._mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.25)
    return mobilenetv3.MobileNetV3(setting, last, num_classes=10)


def shufflenet_small():
    return shufflenetv2.ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=10)


def mnasnet_small():
    return mnasnet.MNASNet(0.25, num_classes=10)


def convnext_small():
    blocks = [convnext.CNBlockConfig(16, 32, 1), convnext.CNBlockConfig(32, 64, 1),
              convnext.CNBlockConfig(64, None, 1)]
    return convnext.ConvNeXt(blocks, stochastic_depth_prob=0.0, num_classes=10)


def vit_small():
    return vision_transformer.VisionTransformer(image_size=32, patch_size=8, num_layers=2,
                                                num_heads=2, hidden_dim=32, mlp_dim=64,
                                                num_classes=10)


MODELS = [
    ("efficientnet_small", efficientnet_small, [13]),
    ("mobilenet_v3_small", mobilenet_v3_small, [13]),
    ("shufflenet_small", shufflenet_small, [13]),
    ("mnasnet_small", mnasnet_small, [13]),
    ("convnext_small", convnext_small, [13, 17]),
    ("vit_small", vit_small, [13, 17]),
]


def main():
    os.makedirs(HERE, exist_ok=True)
    for name, make, opsets in MODELS:
        torch.manual_seed(0)
        model = make().eval()
        # Batch norms with statistics of their own, so that they matter.
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 1.5)
        x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            logits = model(x)
        np.save(os.path.join(HERE, f"{name}_input.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(HERE, f"{name}_logits.npy"), logits.numpy().astype(np.float32))
        for opset in opsets:
            suffix = "" if opset == 13 else f"_opset{opset}"
            torch.onnx.export(model, torch.randn(1, 3, 32, 32),
                              os.path.join(HERE, f"{name}{suffix}.onnx"), opset_version=opset,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
        print(name, "exported")


if __name__ == "__main__":
    main()
