"""A small loading progress bar: an ipywidgets bar in notebooks, a plain line on stderr elsewhere.

tqdm-like, without the dependency; updates are throttled and safe to call from a background thread.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets can display)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class ProgressBar:
    """Shows ``done / total`` for a named task; call ``update`` as work proceeds and ``close`` at the end."""

    #: Seconds between two redraws of the stderr line.
    INTERVAL = 0.5

    def __init__(self, total: int, description: str, unit: str = "items"):
        self.total = max(int(total), 1)
        self.description = description
        self.unit = unit
        self.done = 0
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._closed = False
        self._widget: Any = None
        self._started = time.monotonic()
        if in_notebook():
            self._widget = self._make_widget()
        else:
            self._draw(force=True)

    def set_description(self, description: str, total: int | None = None) -> None:
        """Starts a new stage (e.g. decoding, then uploading) on the same bar."""
        with self._lock:
            self.description = description
            if total is not None:
                self.total = max(int(total), 1)
            self.done = 0
        self._draw(force=True)

    def update(self, done: int) -> None:
        """Sets the number of finished items."""
        with self._lock:
            self.done = min(int(done), self.total)
        self._draw(force=self.done >= self.total)

    def close(self, message: str | None = None, error: bool = False) -> None:
        """Ends the bar, optionally replacing its text with ``message``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._widget is not None:
            bar, _label, counts = self._widget.children
            bar.value = self.done
            bar.bar_style = "danger" if error else "success"
            if message:
                counts.value = f"<span>{_html_escape(message)}</span>"
        else:
            self._draw(force=True)
            sys.stderr.write(f"  {message}\n" if message else "\n")
            sys.stderr.flush()

    # ------------------------------------------------------------ drawing

    def _text(self) -> str:
        elapsed = time.monotonic() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        return f"{self.done:,}/{self.total:,} {self.unit} [{elapsed:.1f} s, {rate:,.0f} {self.unit}/s]"

    def _make_widget(self) -> Any:
        import ipywidgets
        from IPython.display import display

        label = ipywidgets.HTML(value=f"<b>{_html_escape(self.description)}</b>")
        bar = ipywidgets.IntProgress(value=0, min=0, max=self.total)
        counts = ipywidgets.HTML(value=self._text())
        box = ipywidgets.HBox([bar, label, counts])
        box.children = (bar, label, counts)
        display(box)
        return box

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < self.INTERVAL:
            return
        self._last_draw = now
        if self._widget is not None:
            bar, label, counts = self._widget.children
            bar.max = self.total
            bar.value = self.done
            label.value = f"<b>{_html_escape(self.description)}</b>"
            counts.value = self._text()
            return
        percent = 100 * self.done // self.total
        sys.stderr.write(f"\r{self.description}: {percent:3d}% {self._text()}")
        sys.stderr.flush()


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
