"""Tunelab: human-in-the-loop fine-tuning of embedding models inside JupyterLab."""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "0.1.0.dev0"

from .client import SidecarClient, SidecarConnectionLost, SidecarError
from .protocol import Candidate, Item, Progress, Question, SessionInfo

# pyarrow and pandas load on first use: the Jupyter server imports this package at start.
_LAZY = {
    "label": "session",
    "Session": "session",
    "DataError": "data",
    "fit": "fitting",
    "Tailor": "options",
    "TunedModel": "model",
    "TunedClassifier": "model",
    "SentenceEncoderModel": "model",
    "load_sentence_encoder": "model",
    "labels": "store",
    "datasets": "store",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'tunelab' has no attribute {name!r}")


__all__ = [
    "Candidate",
    "DataError",
    "Item",
    "Progress",
    "Question",
    "SentenceEncoderModel",
    "Session",
    "SessionInfo",
    "SidecarClient",
    "SidecarConnectionLost",
    "SidecarError",
    "Tailor",
    "TunedClassifier",
    "TunedModel",
    "__version__",
    "datasets",
    "fit",
    "label",
    "labels",
    "load_sentence_encoder",
]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt front-end extension."""
    return [{"src": "labextension", "dest": "tunelab"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The Jupyter server extension: sidecar supervisor plus the authenticated websocket relay."""
    from .server import TunelabExtension

    return [{"module": "tunelab.server", "app": TunelabExtension}]
