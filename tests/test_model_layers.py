"""The numpy forward pass and text featurizer against TF.js itself (no sidecar process).

``fixtures/tfjs_reference.ts`` builds models with the sidecar's engine and plain TF.js layers and
records their predictions; the numpy pass must reproduce them, and the featurizer bit for bit.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from tunelab.model import (
    ModelArtifacts,
    TextFeaturizer,
    TextFeaturizerConfig,
    TunedModel,
    UnsupportedLayerError,
)
from tunelab.model.graph import Graph

TEXTS = [
    "How do I reset my PASSWORD?",
    "password reset link not working 123",
    "Ünïcödé café naïve 東京 2024!",
    "\U0001d400\U0001d401 bold math \U0001d7d9\U0001d7da and emoji \U0001f600\U0001f600",
    "ΣΊΣΥΦΟΣ ΟΔΟΣ İstanbul straße",
    "snake_case-and-dashes, punctuation!!!",
    "",
    "a",
    "a a a a a a a a a a a a a a a a a a a a a a a a",
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs the TF.js reference script once for the module."""
    esbuild = ROOT / "node_modules" / "esbuild"
    if not esbuild.is_dir():
        pytest.fail("node_modules/esbuild is missing; run `npm ci` (make install does)")
    out = tmp_path_factory.mktemp("tfjs-reference")
    texts = out / "texts.json"
    texts.write_text(json.dumps(TEXTS))
    bundle = out / "reference.js"
    build = (
        "require('esbuild').buildSync({entryPoints: [process.argv[1]], outfile: process.argv[2], "
        "bundle: true, platform: 'node', format: 'cjs', logLevel: 'error'})"
    )
    script = str(ROOT / "tests" / "fixtures" / "tfjs_reference.ts")
    subprocess.run(["node", "-e", build, script, str(bundle)], cwd=ROOT, check=True, timeout=120)
    subprocess.run(["node", str(bundle), str(out), str(texts)], check=True, timeout=300, capture_output=True)
    return out


def load(reference: Path, name: str) -> tuple[TunedModel, np.ndarray, np.ndarray]:
    directory = reference / name
    shape = json.loads((directory / "x.json").read_text())
    x = np.fromfile(directory / "x.bin", dtype="<f4").reshape(shape)
    y = np.fromfile(directory / "y.bin", dtype="<f4").reshape(shape[0], -1)
    return TunedModel.load(directory), x, y


@pytest.mark.slow
def test_featurizer_is_bit_exact(reference: Path) -> None:
    ours = TextFeaturizer(TextFeaturizerConfig(buckets=1024, seed=0))(TEXTS)
    theirs = np.fromfile(reference / "features-1024.bin", dtype="<f4").reshape(len(TEXTS), 1024)
    assert ours.tobytes() == theirs.tobytes()
    config = TextFeaturizerConfig.from_json({"buckets": 512, "seed": 7, "charNgrams": [2, 4]})
    ours = TextFeaturizer(config)(TEXTS)
    theirs = np.fromfile(reference / "features-512.bin", dtype="<f4").reshape(len(TEXTS), 512)
    assert ours.tobytes() == theirs.tobytes()
    assert not ours[6].any()  # the empty text has no features


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["mlp", "cnn", "residual-mlp", "residual-cnn", "sequential", "tailored", "functional", "text"]
)
def test_numpy_forward_pass_matches_tfjs(reference: Path, name: str) -> None:
    model, x, expected = load(reference, name)
    graph = Graph(model.artifacts)
    assert graph.input_shape == x.shape[1:]
    got = graph(x).reshape(len(x), -1)
    assert np.abs(got - expected).max() < 1e-5


@pytest.mark.slow
def test_text_model_encodes_raw_text_like_tfjs(reference: Path) -> None:
    model, _, expected = load(reference, "text")
    assert model.content_type == "text"
    assert np.abs(model.encode(TEXTS) - expected).max() < 1e-5


@pytest.mark.slow
def test_unsupported_layer_names_the_layer(reference: Path) -> None:
    model, x, _ = load(reference, "unsupported")
    with pytest.raises(NotImplementedError, match="layer 'rnn' of class 'SimpleRNN'") as info:
        model.encode(x)
    assert isinstance(info.value, UnsupportedLayerError) and "session.embed" in str(info.value)


def test_weights_manifest_errors_are_clear() -> None:
    topology = {"class_name": "Sequential", "config": {"layers": []}}
    manifest = [
        {"paths": ["weights.bin"], "weights": [{"name": "d/kernel", "shape": [2, 2], "dtype": "float32"}]}
    ]
    with pytest.raises(ValueError, match="needs bytes 0-16"):
        ModelArtifacts.parse({"modelTopology": topology, "weightsManifest": manifest}, b"\x00" * 8)
    with pytest.raises(ValueError, match="holds 20 bytes; the manifest uses 16"):
        ModelArtifacts.parse({"modelTopology": topology, "weightsManifest": manifest}, b"\x00" * 20)
    with pytest.raises(ValueError, match="no modelTopology"):
        ModelArtifacts.parse("{}", b"")
