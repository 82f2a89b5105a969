#!/usr/bin/python3
"""agnapprox's matching algorithm in numpy, for timing //:match against it.

Written for this project from the published description (agnapprox,
ICCAD 2022, Eq. 15/16, and its per-row `population_prediction`): for every
multiplier and sampled feature row, the row's histogram and the weight
histogram weight the 256x256 error map, then the per-row means and stds are
aggregated. Reads the catalog and trace files //:match reads (only the
subset of the format that bench/write_match_case writes) and prints each
layer's choice and the time taken.

    bench/agnapprox_reference.py CATALOG TRACES [NUM_SAMPLES]
"""
import os
import re
import sys
import time

import numpy as np


def fields(text, block):
    """The key: value pairs of each `block { ... }` in a text proto."""
    out = []
    for body in re.findall(block + r"\s*\{((?:[^{}]|\{[^{}]*\})*)\}", text):
        entry = dict(re.findall(r'(\w+):\s*"?([^"\s}]+)"?', body))
        entry["metrics"] = dict(re.findall(r'key:\s*"(\w+)"\s*value:\s*([0-9.eE+-]+)', body))
        out.append(entry)
    return out


def main():
    catalog_path, traces_path = sys.argv[1], sys.argv[2]
    num_samples = int(sys.argv[3]) if len(sys.argv) > 3 else 512
    start = time.perf_counter()
    cdir, tdir = os.path.dirname(catalog_path), os.path.dirname(traces_path)
    mults = []
    for m in fields(open(catalog_path).read(), "multiplier"):
        table = np.load(os.path.join(cdir, m["npy"])).astype(np.float64)
        a = np.arange(-128, 128)
        emap = table - np.outer(a, a)
        mults.append((m["name"], float(m["metrics"]["power"]), emap))
    rng = np.random.default_rng(0)
    for layer in fields(open(traces_path).read(), "layer"):
        x = np.load(os.path.join(tdir, layer["features_npy"])).astype(np.int64)
        w = np.load(os.path.join(tdir, layer["weights_npy"])).astype(np.int64)
        fan_in = x.shape[-1]
        x = x.reshape(-1, fan_in)
        w = w.reshape(w.shape[0], -1)
        y = x @ w.T
        max_std = np.std(y) * abs(float(layer["max_noise"]))
        rows = x[rng.choice(x.shape[0], num_samples)]
        w_dist = np.bincount(w.flatten() + 128, minlength=256) / w.size
        x_dists = [np.bincount(r + 128, minlength=256) / fan_in for r in rows]
        best = None
        for name, power, emap in mults:
            means, stds = [], []
            for x_dist in x_dists:
                px, pw = np.meshgrid(x_dist, w_dist, indexing="ij")
                mean = np.sum(emap * px * pw)
                std = np.sqrt(np.sum(((emap - mean) ** 2) * px * pw)) / np.sqrt(fan_in)
                means.append(mean)
                stds.append(std)
            means, stds = np.array(means), np.array(stds)
            n = len(means)
            std_pop = np.sqrt((np.sum(means**2 + stds**2) - np.sum(means) ** 2 / n) / n)
            predicted = fan_in * std_pop
            if predicted <= max_std and (best is None or (power, predicted, name) < best):
                best = (power, predicted, name)
        print(layer["name"], best[2] if best else None)
    print("seconds %.3f" % (time.perf_counter() - start))


if __name__ == "__main__":
    main()
