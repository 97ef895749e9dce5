"""Fashion-MNIST (Zalando, MIT licence) read from Debian's ``dataset-fashion-mnist`` package.

The package installs the original IDX files under ``/usr/share/datasets/fashion-mnist``; they are
read with numpy and gzip, nothing is downloaded.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

DEFAULT_PATH = Path("/usr/share/datasets/fashion-mnist")
CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_FILES = {"train": "train", "test": "t10k", "t10k": "t10k"}


def fashion_mnist_available(path: str | os.PathLike[str] = DEFAULT_PATH) -> bool:
    """True if the four IDX files are there."""
    root = Path(path)
    return all(
        (root / f"{p}-{k}-ubyte.gz").is_file()
        for p in ("train", "t10k")
        for k in ("images-idx3", "labels-idx1")
    )


def load_fashion_mnist(
    split: str = "train", n: int | None = None, path: str | os.PathLike[str] = DEFAULT_PATH
) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)``: uint8 N x 28 x 28 and int64 class indexes (names in ``CLASSES``).

    ``split`` is ``"train"`` (60,000) or ``"test"`` (10,000); ``n`` keeps the first ``n``.
    Raises ``FileNotFoundError`` with the install command when the files are missing.
    """
    if split not in _FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = Path(path)
    prefix = _FILES[split]
    images_path = root / f"{prefix}-images-idx3-ubyte.gz"
    labels_path = root / f"{prefix}-labels-idx1-ubyte.gz"
    if not images_path.is_file() or not labels_path.is_file():
        raise FileNotFoundError(
            f"Fashion-MNIST is not at {root}; install it with `apt-get install dataset-fashion-mnist`"
        )
    images = _read_idx(images_path, n)
    labels = _read_idx(labels_path, n).astype(np.int64)
    return images, labels


def _read_idx(path: Path, n: int | None) -> np.ndarray:
    """Reads an IDX file: magic (0, 0, dtype 0x08 = uint8, rank), big-endian u32 dims, then data."""
    with gzip.open(path, "rb") as f:
        header = f.read(4)
        if len(header) != 4 or header[:2] != b"\x00\x00" or header[2] != 0x08:
            raise ValueError(f"{path} is not a uint8 IDX file")
        rank = header[3]
        dims = [int(d) for d in np.frombuffer(f.read(4 * rank), dtype=">u4")]
        count = dims[0] if n is None else min(n, dims[0])
        size = int(np.prod(dims[1:], dtype=np.int64)) if rank > 1 else 1
        data = np.frombuffer(f.read(count * size), dtype=np.uint8)
    return data.reshape(count, *dims[1:])
