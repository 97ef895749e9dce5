"""`pip install .` gives a wheel that carries the prebuilt labextension and the bundled sidecar,
and Jupyter reports both extensions enabled and OK."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_wheel_carries_labextension_and_sidecar(tmp_path: Path) -> None:
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip_wheel, "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("tunelab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    server_config = ".data/data/etc/jupyter/jupyter_server_config.d/tunelab.json"
    data = next(n.split("/")[0] for n in names if n.endswith(server_config))
    labext = f"{data}/data/share/jupyter/labextensions/tunelab"
    assert f"{labext}/package.json" in names
    assert f"{labext}/install.json" in names
    assert f"{labext}/schemas/tunelab/plugin.json" in names
    assert any(n.startswith(f"{labext}/static/remoteEntry.") for n in names)
    # The sidecar runs from the wheel with plain node: bundle, trainer worker and TF.js wasm binaries.
    assert "tunelab/sidecar_dist/sidecar.js" in names
    assert "tunelab/sidecar_dist/trainer-worker.js" in names
    assert "tunelab/sidecar_dist/encoder-process.js" in names
    assert any(n.startswith("tunelab/sidecar_dist/") and n.endswith(".wasm") for n in names)
    assert "tunelab/datasets/banking77_sample.csv" in names


def _jupyter(*args: str) -> str:
    """Output of a jupyter command, without the ANSI colours it prints OK and enabled in."""
    result = subprocess.run([str(BIN / "jupyter"), *args], check=True, capture_output=True, text=True)
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


def test_labextension_enabled_and_ok() -> None:
    lines = [line for line in _jupyter("labextension", "list").splitlines() if "tunelab" in line]
    assert lines, "tunelab is not listed by `jupyter labextension list`"
    assert any("enabled" in line and "OK" in line for line in lines), lines


def test_server_extension_enabled_and_ok() -> None:
    output = _jupyter("server", "extension", "list")
    assert re.search(r"^\s*tunelab enabled$", output, re.M), output
    assert re.search(r"^\s*tunelab \S+ OK$", output, re.M), output
