#!/usr/bin/env python3
"""Makes the image-decoding fixtures: small JPEG and PNG files of the kinds a
`folder` data set holds (colour and grey JPEG, CMYK JPEG, RGB, grey,
palette and RGBA PNG), and what Debian's python3-pil decodes from each, as
the reference the C++ decoder must agree with (within one level per pixel
for JPEG, exactly for PNG).

Run with Debian's python3-pil and python3-numpy (CI does not run it; its
outputs are committed):

    /usr/bin/python3 nets/data/testdata/make_decode_fixtures.py

Writes next to this script: decode_NAME.{jpg,png} and decode_NAME.npy
(uint8 [H, W, C], PIL's pixels after convert("RGB") or, for grey images,
convert("L")).
"""
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def picture(h, w, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // max(w - 1, 1))
    g = (y * 255 // max(h - 1, 1))
    b = ((x + y) * 3) % 256
    rgb = np.stack([r, g, b], axis=2).astype(np.int32)
    rgb += rng.integers(-20, 21, size=rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def save(name, image, ext, reference_mode, **kwargs):
    path = os.path.join(HERE, f"decode_{name}.{ext}")
    image.save(path, **kwargs)
    back = Image.open(path)
    back = back.convert(reference_mode)
    a = np.asarray(back)
    if a.ndim == 2:
        a = a[:, :, None]
    np.save(os.path.join(HERE, f"decode_{name}.npy"), a.astype(np.uint8))


def main():
    rgb = Image.fromarray(picture(37, 53, 1), "RGB")
    save("rgb", rgb, "jpg", "RGB", quality=90)
    save("grey", rgb.convert("L"), "jpg", "L", quality=85)
    save("cmyk", rgb.convert("CMYK"), "jpg", "RGB", quality=90)
    save("rgb_png", rgb, "png", "RGB")
    save("grey_png", rgb.convert("L"), "png", "L")
    save("palette", rgb.convert("P", palette=Image.ADAPTIVE, colors=16), "png", "RGB")
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray((picture(37, 53, 2)[:, :, 0]), "L"))
    save("rgba", rgba, "png", "RGB")


if __name__ == "__main__":
    main()
