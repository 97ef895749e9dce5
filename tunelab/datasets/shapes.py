"""A small synthetic image set (drawn with Pillow): the quickstart's fallback when Fashion-MNIST is absent."""

from __future__ import annotations

import numpy as np

SHAPE_CLASSES = ("circle", "square", "triangle", "cross", "bar")


def make_shapes(n: int = 1000, size: int = 28, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)``: uint8 n x size x size gray images of five shape classes (``SHAPE_CLASSES``)
    at random positions, sizes and brightness, with pixel noise."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPE_CLASSES), n)
    images = np.empty((n, size, size), dtype=np.uint8)
    for i, label in enumerate(labels):
        img = Image.new("L", (size, size), 0)
        draw = ImageDraw.Draw(img)
        r = rng.uniform(0.2, 0.4) * size
        cx, cy = rng.uniform(r, size - r, 2)
        fill = int(rng.integers(120, 256))
        box = (cx - r, cy - r, cx + r, cy + r)
        if label == 0:
            draw.ellipse(box, fill=fill)
        elif label == 1:
            draw.rectangle(box, fill=fill)
        elif label == 2:
            draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fill)
        elif label == 3:
            w = max(1, int(r / 3))
            draw.line([(cx - r, cy - r), (cx + r, cy + r)], fill=fill, width=w)
            draw.line([(cx - r, cy + r), (cx + r, cy - r)], fill=fill, width=w)
        else:
            draw.rectangle((cx - r, cy - r / 4, cx + r, cy + r / 4), fill=fill)
        noisy = np.asarray(img, dtype=np.int16) + rng.integers(-20, 21, (size, size))
        images[i] = np.clip(noisy, 0, 255).astype(np.uint8)
    return images, labels.astype(np.int64)
