"""Image content → one uint8 array N x H x W x C (row-major HWC pixels), all of one size.

Rows may be PIL images, image file paths (``str`` or ``Path``), encoded image ``bytes``, Hugging
Face's undecoded ``{"bytes", "path"}`` dicts, or arrays (HxW or HxWxC). Pixels become uint8: uint8
and bool as they are, other integers must lie in 0-255, floats in [0, 1] are scaled by 255 (any
other float range is an error: the scaling would be a guess). Every image is converted to the
first image's channel count (gray 1, gray+alpha 2, RGB 3, RGBA 4) and resized (bilinear) to
``image_size`` or else to the first image's height and width.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .detect import is_pil_image
from .errors import DataError

ProgressCallback = Callable[[int], None]

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
_GRAY_MODES = {"1", "L", "I", "I;16", "I;16B", "I;16L", "I;16N", "F", "P;1"}


def to_images(
    content: Sequence[Any] | np.ndarray,
    field: str | None,
    image_size: tuple[int, int] | None = None,
    on_progress: ProgressCallback | None = None,
    channels: int | None = None,
) -> np.ndarray:
    """Decodes, converts and resizes every image; raises ``DataError`` naming the row (and path).

    ``channels`` forces the channel count (default: the first image's).
    """
    if image_size is not None:
        image_size = _check_size(image_size)
    if isinstance(content, np.ndarray) and content.ndim in (3, 4) and content.dtype.kind in "biuf":
        images = _from_array(content, image_size)
        if channels is not None and images.shape[3] != channels:
            images = np.stack([_fit(image, images.shape[1:3], channels) for image in images])
        return images
    where = (lambda i: f"field {field!r} of row {i}") if field is not None else (lambda i: f"row {i}")
    n = len(content)
    out: np.ndarray | None = None
    for i, value in enumerate(content):
        array = _decode(value, i, where)
        if out is None:
            channels = channels or array.shape[2]
            height, width = image_size or array.shape[:2]
            out = np.empty((n, height, width, channels), dtype=np.uint8)
        out[i] = _fit(array, out.shape[1:3], channels)
        if on_progress is not None and (i % 256 == 255 or i == n - 1):
            on_progress(i + 1)
    if out is None:
        raise DataError("data is empty: tunelab.label needs at least one item")
    return out


def _check_size(size: Any) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"image_size must be (height, width), not {size!r}") from None
    if not (1 <= height <= 4096 and 1 <= width <= 4096):
        raise ValueError(f"image_size {size!r} is out of range (1-4096 pixels each way)")
    return height, width


def _from_array(images: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if not 1 <= images.shape[3] <= 4:
        raise DataError(
            f"images of shape {images.shape[1:]} have {images.shape[3]} channels; expected 1 (gray), "
            "2 (gray+alpha), 3 (RGB) or 4 (RGBA) in the last axis (channels_last)"
        )
    pixels = _to_uint8(images, lambda i: f"row {i}")
    if size is None or tuple(pixels.shape[1:3]) == size:
        return np.ascontiguousarray(pixels)
    return np.stack([_resize(p, size) for p in pixels])


def _to_uint8(array: np.ndarray, where: Callable[[int], str], row: int | None = None) -> np.ndarray:
    """Pixel values → uint8; ``row`` is the row of a single image (None: axis 0 is the rows)."""
    kind = array.dtype.kind

    def bad_row(mask: np.ndarray) -> int:
        if row is not None:
            return row
        return int(np.argmax(mask.reshape(len(mask), -1).any(axis=1)))

    if array.dtype == np.uint8:
        return array
    if kind == "b":
        return array.astype(np.uint8) * 255
    if kind in "iu":
        outside = (array < 0) | (array > 255)
        if outside.any():
            i = bad_row(outside)
            raise DataError(f"{where(i)} has integer pixels outside 0-255; pass uint8 images", row=i)
        return array.astype(np.uint8)
    if kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            i = bad_row(bad)
            raise DataError(f"{where(i)} has NaN or infinite pixels", row=i)
        outside = (array < 0) | (array > 1)
        if outside.any():
            i = bad_row(outside)
            values = array if row is not None else array[i]
            raise DataError(
                f"{where(i)} has float pixels in [{values.min():g}, {values.max():g}]; float images must "
                "lie in [0, 1] (they are scaled by 255) — rescale them or pass uint8",
                row=i,
            )
        return np.rint(array * 255.0).astype(np.uint8)
    raise DataError(f"images must hold numbers, not {array.dtype}")


def _decode(value: Any, i: int, where: Callable[[int], str]) -> np.ndarray:
    """One row → uint8 HxWxC."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(value, Mapping) and ("bytes" in value or "path" in value):
        value = value.get("bytes") or value.get("path")
    if isinstance(value, (str, Path, os.PathLike, bytes, bytearray)):
        source = io.BytesIO(bytes(value)) if isinstance(value, (bytes, bytearray)) else value
        label = "image bytes" if isinstance(value, (bytes, bytearray)) else f"image file {os.fspath(value)!r}"
        try:
            with Image.open(source) as img:
                img.load()
                return _pil_to_array(img)
        except FileNotFoundError:
            raise DataError(f"{where(i)}: {label} does not exist", row=i) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
            raise DataError(f"{where(i)}: {label} cannot be decoded as an image ({err})", row=i) from None
    if is_pil_image(value):
        return _pil_to_array(value)
    if value is None or isinstance(value, (int, float, complex)):
        raise DataError(f"{where(i)} is {type(value).__name__}, expected an image", row=i)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{where(i)} is not an image ({err})", row=i) from None
    if array.dtype.kind not in "biuf" or array.ndim not in (2, 3):
        raise DataError(
            f"{where(i)} is {type(value).__name__} of shape {array.shape} and type {array.dtype}; "
            "expected an image (HxW or HxWxC numbers, a PIL image or a path)",
            row=i,
        )
    if array.ndim == 2:
        array = array[..., np.newaxis]
    if not 1 <= array.shape[2] <= 4:
        raise DataError(f"{where(i)} has {array.shape[2]} channels; expected 1-4 (channels_last)", row=i)
    return _to_uint8(array, where, row=i)


def _pil_to_array(img: Any) -> np.ndarray:
    bands = img.getbands()
    if img.mode in _GRAY_MODES or bands == ("L",) or bands == ("I",) or bands == ("F",):
        img = img.convert("L")
    elif img.mode == "LA":
        pass
    elif img.mode != "RGBA" and "A" not in bands:
        img = img.convert("RGB")
    elif img.mode != "RGBA":
        img = img.convert("RGBA")
    array = np.asarray(img, dtype=np.uint8)
    return array[..., np.newaxis] if array.ndim == 2 else array


def _fit(array: np.ndarray, size: tuple[int, int], channels: int) -> np.ndarray:
    """Converts to ``channels`` and resizes to ``size`` (height, width)."""
    if array.shape[2] != channels:
        from PIL import Image

        img = Image.fromarray(array[..., 0] if array.shape[2] == 1 else array, _MODES[array.shape[2]])
        converted = np.asarray(img.convert(_MODES[channels]), dtype=np.uint8)
        array = converted[..., np.newaxis] if converted.ndim == 2 else converted
    if tuple(array.shape[:2]) != tuple(size):
        array = _resize(array, size)
    return array


def _resize(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    channels = array.shape[2]
    img = Image.fromarray(array[..., 0] if channels == 1 else array, _MODES[channels])
    resized = np.asarray(img.resize((size[1], size[0]), Image.Resampling.BILINEAR), dtype=np.uint8)
    return resized[..., np.newaxis] if resized.ndim == 2 else resized
