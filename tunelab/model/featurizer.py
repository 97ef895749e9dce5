"""The sidecar's hashed text featurizer (``src/sidecar/engine/models/textFeaturizer.ts``), bit for bit.

Signed counts of word unigrams and bigrams and of character n-grams (over each word padded with
spaces) are hashed into ``buckets`` slots, scaled by ``sign(v)·log1p(|v|)`` and L2-normalised. To
match the TypeScript output exactly, this works on UTF-16 code units (JavaScript strings), hashes
with 32-bit FNV-1a plus murmur3's fmix32, keeps the float32/float64 roundings of the original, sums
the norm sequentially, and uses V8's ``Math.log1p`` values where they differ from the C library's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_MASK = 0xFFFFFFFF
#: ``/[\p{L}\p{N}]+/gu``: in Python's Unicode database ``[^\W_]`` is exactly letters and numbers.
_WORD_RE = re.compile(r"[^\W_]+")
#: Counts whose float64 ``log1p`` differs between glibc and V8 (``Math.log1p``), with V8's value.
_V8_LOG1P = {
    175: float.fromhex("0x1.4ae935b3cb89ep+2"),
    184: float.fromhex("0x1.4e1a4f518c72bp+2"),
    22550: float.fromhex("0x1.40c0cbd266aa1p+3"),
    47751: float.fromhex("0x1.58c2c65e33e2bp+3"),
}


@dataclass(frozen=True)
class TextFeaturizerConfig:
    """Mirrors ``TextFeaturizerConfig`` (stored in exported text models' metadata)."""

    buckets: int = 4096
    #: Inclusive range of char n-gram lengths; (0, 0) disables them.
    char_ngrams: tuple[int, int] = (3, 5)
    words: bool = True
    lowercase: bool = True
    seed: int = 0

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TextFeaturizerConfig:
        """Reads the camelCase form, filling the TypeScript defaults."""
        lo, hi = obj.get("charNgrams", (3, 5))
        config = cls(
            buckets=int(obj.get("buckets", 4096)),
            char_ngrams=(int(lo), int(hi)),
            words=bool(obj.get("words", True)),
            lowercase=bool(obj.get("lowercase", True)),
            seed=int(obj.get("seed", 0)),
        )
        if config.buckets < 1 or not 0 <= lo <= hi or (not config.words and hi == 0):
            raise ValueError(f"invalid text featurizer config {obj!r}")
        return config

    def to_json(self) -> dict[str, Any]:
        """The camelCase form."""
        return {
            "buckets": self.buckets,
            "charNgrams": list(self.char_ngrams),
            "words": self.words,
            "lowercase": self.lowercase,
            "seed": self.seed,
        }


class TextFeaturizer:
    """Featurizes texts exactly like the sidecar; caches feature hashes across calls."""

    def __init__(self, config: TextFeaturizerConfig):
        self.config = config
        self._cache: dict[tuple[str, int], tuple[int, float]] = {}
        self._init = (0x811C9DC5 ^ (config.seed & _MASK)) & _MASK

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """float32 features, one row per text."""
        out = np.zeros((len(texts), self.config.buckets), dtype=np.float32)
        for i, text in enumerate(texts):
            self._featurize_into(text, out[i])
        return out

    def _feature(self, units: str, prefix: int) -> tuple[int, float]:
        """(bucket, ±1) of one feature; ``units`` holds one UTF-16 code unit per character."""
        key = (units, prefix)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        h = self._init ^ prefix
        for ch in units:
            h ^= ord(ch)
            h = (h * 0x01000193) & _MASK
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & _MASK
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & _MASK
        h ^= h >> 16
        value = ((h >> 1) % self.config.buckets, 1.0 if h & 1 else -1.0)
        if len(self._cache) < 1_000_000:
            self._cache[key] = value
        return value

    def _featurize_into(self, text: str, out: np.ndarray) -> None:
        cfg = self.config
        t = text.lower() if cfg.lowercase else text
        words = [_utf16_units(w) for w in _WORD_RE.findall(t)]
        counts: dict[int, float] = {}
        lo, hi = cfg.char_ngrams
        for i, w in enumerate(words):
            if cfg.words:
                b, s = self._feature(w, 1)
                counts[b] = counts.get(b, 0.0) + s
                if i + 1 < len(words):
                    b, s = self._feature(f"{w} {words[i + 1]}", 2)
                    counts[b] = counts.get(b, 0.0) + s
            if hi > 0:
                padded = f" {w} "
                for n in range(max(1, lo), hi + 1):
                    for start in range(len(padded) - n + 1):
                        b, s = self._feature(padded[start : start + n], 3 + n)
                        counts[b] = counts.get(b, 0.0) + s
        # Float32Array semantics: counts are exact; log1p in float64, stored as float32; the norm sums
        # the float64 values in index order; the division rounds to float32 again.
        norm = 0.0
        scaled: dict[int, float] = {}
        for bucket in sorted(counts):
            v = counts[bucket]
            if v == 0:
                continue
            magnitude = abs(int(v))
            log = _V8_LOG1P.get(magnitude)
            value = math.copysign(log if log is not None else math.log1p(magnitude), v)
            scaled[bucket] = value
            norm += value * value
        if not scaled:
            return
        inv = 1.0 / math.sqrt(norm)
        index = np.fromiter(scaled.keys(), dtype=np.int64, count=len(scaled))
        values = np.fromiter(scaled.values(), dtype=np.float64, count=len(scaled))
        out[index] = (values.astype(np.float32).astype(np.float64) * inv).astype(np.float32)


def _utf16_units(word: str) -> str:
    """``word`` with characters beyond the BMP split into their UTF-16 surrogate pairs."""
    if word.isascii() or all(ord(c) < 0x10000 for c in word):
        return word
    data = word.encode("utf-16-le", "surrogatepass")
    return "".join(chr(u) for u in np.frombuffer(data, dtype="<u2"))
