"""Small real datasets bundled with Tunelab, so examples and demos run offline.

``banking77_sample.csv`` is a class-balanced sample (20 texts for each of the 77 intents,
drawn with a fixed seed) of the Banking77 training set by PolyAI (Casanueva et al., 2020,
"Efficient Intent Detection with Dual Sentence Encoders"), licensed CC BY 4.0.

``load_ag_news`` reads AG News from a local copy (not shipped: its terms are research-only).

``load_fashion_mnist`` reads Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package;
``make_shapes`` draws a small synthetic image set for machines without it.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from .ag_news import AG_NEWS_CLASSES, load_ag_news
from .fashion_mnist import CLASSES as FASHION_MNIST_CLASSES
from .fashion_mnist import fashion_mnist_available, load_fashion_mnist
from .shapes import SHAPE_CLASSES, make_shapes

__all__ = [
    "AG_NEWS_CLASSES",
    "FASHION_MNIST_CLASSES",
    "SHAPE_CLASSES",
    "fashion_mnist_available",
    "load_ag_news",
    "load_banking77_sample",
    "load_fashion_mnist",
    "make_shapes",
]


def load_banking77_sample(n: int | None = None) -> pd.DataFrame:
    """Return the bundled Banking77 sample as a DataFrame with ``text`` and ``category`` columns.

    ``n`` keeps the first ``n`` rows (the file is already shuffled, so any prefix mixes intents).
    """
    with resources.files(__package__).joinpath("banking77_sample.csv").open("r", encoding="utf-8") as f:
        frame = pd.read_csv(f)
    return frame if n is None else frame.head(n).reset_index(drop=True)
