"""AG's News topic classification (Zhang et al., 2015) read from a local copy of its CSV files.

The data is for research and non-commercial use, so Tunelab does not ship it: ``load_ag_news`` reads
a folder holding ``test.csv``/``train.csv`` and ``classes.txt`` as the original archive lays them out.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

#: The four classes, in the order of the archive's ``classes.txt`` (class index 1-4).
AG_NEWS_CLASSES = ("World", "Sports", "Business", "Sci/Tech")


def load_ag_news(folder: str | os.PathLike[str], split: str = "test") -> pd.DataFrame:
    """AG News ``split`` ("test" or "train") as a DataFrame with ``text`` (title + ". " + description,
    as the Argilla tutorial and docs/classification.md's benchmark join them) and ``label`` (class name).

    ``folder`` holds ``<split>.csv`` (no header: class index 1-4, title, description; newlines escaped
    as a backslash and "n") and ``classes.txt``.
    """
    root = Path(folder)
    file = root / f"{split}.csv"
    if not file.is_file():
        raise FileNotFoundError(f"{file} does not exist; pass the folder holding AG News' {split}.csv")
    classes_file = root / "classes.txt"
    classes = (
        [line.strip() for line in classes_file.read_text(encoding="utf-8").splitlines() if line.strip()]
        if classes_file.is_file()
        else list(AG_NEWS_CLASSES)
    )
    texts: list[str] = []
    labels: list[str] = []
    with file.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if len(row) < 3 or not row[0].isdigit() or not 1 <= int(row[0]) <= len(classes):
                raise ValueError(
                    f"{file}, line {line}: expected class index 1-{len(classes)}, title, description"
                )
            texts.append(f"{row[1]}. {row[2]}".replace("\\n", "\n"))
            labels.append(classes[int(row[0]) - 1])
    return pd.DataFrame({"text": texts, "label": labels})
