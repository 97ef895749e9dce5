"""Every example notebook runs top to bottom headless, as a user would run it under nbconvert.

No Jupyter server runs here, so the kernel-side library starts and supervises its own sidecar.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
#: Headless budget per notebook on a 2-core machine.
MAX_SECONDS = 180


def test_there_are_examples() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {
        "quickstart.ipynb",
        "banking77-similarity.ipynb",
        "banking77_minilm.ipynb",
        "ag-news-active-learning.ipynb",
    } <= names


def test_quickstart_keeps_what_the_browser_tests_rely_on() -> None:
    nb = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[2].cell_type == "code"
    sources = [c.source.strip() for c in nb.cells if c.cell_type == "code"]
    assert 'name="quickstart"' in "\n".join(sources)
    assert "session" in sources  # a cell that only displays the session: its output is the labeling panel
    assert not any("session.close()" in s for s in sources)  # the panel must stay live after "Run All"


def run_notebook(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[nbformat.NotebookNode, float]:
    monkeypatch.delenv("TUNELAB_CONNECTION_FILE", raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    # The kernel imports this checkout even without `pip install -e .`.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    started = time.monotonic()
    client.execute()
    return nb, time.monotonic() - started


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def text_of(nb: nbformat.NotebookNode) -> str:
    parts = []
    for out in outputs(nb):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
        parts.append(out.get("data", {}).get("text/html", ""))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_headless(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = run_notebook(path, tmp_path, monkeypatch)
    errors = [out for out in outputs(nb) if out.get("output_type") == "error"]
    assert not errors, errors
    # The labeling widget was displayed: the session renders as a Jupyter widget in the cell.
    mimetypes = {mt for out in outputs(nb) for mt in out.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimetypes
    text = text_of(nb)
    if path.stem == "ag-news-active-learning":
        # Classification: both orders measured, the plot drawn, the classifier back in Python.
        assert "active: {10:" in text and "random: {10:" in text
        assert "image/png" in mimetypes
        assert "<tunelab.TunedClassifier single-label" in text and "head.json" in text
        assert "machine labels; auto-accept open:" in text and "reloaded predicts: [" in text
        assert seconds < MAX_SECONDS, f"{path.name} took {seconds:.0f} s headless (budget {MAX_SECONDS} s)"
        return
    # The before/after table: the untrained model and a tuned version measured on held-out data.
    assert "untrained (version 0)" in text and "tuned (version" in text
    assert "kNN accuracy" in text and "mAP@10" in text
    if path.stem == "banking77_minilm":
        # Questions while the pool embeds, and a second session served from the embedding cache.
        assert "first question with" in text and "800 of 800 items from the cache" in text
        assert "kNN accuracy with the returned model" in text and "modules.json" in text
    else:
        assert "model.safetensors" in text
    if path.stem == "quickstart" and Path("/usr/share/datasets/fashion-mnist").is_dir():
        assert "synthetic" not in text  # the real Fashion-MNIST was used
    assert seconds < MAX_SECONDS, f"{path.name} took {seconds:.0f} s headless (budget {MAX_SECONDS} s)"
