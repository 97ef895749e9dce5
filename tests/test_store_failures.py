"""A label store that cannot be written or read: a clear error in Python, the sidecar stays up, nothing
acknowledged is lost, and labeling goes on once the cause is gone."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_sidecar

import tunelab
from tunelab import discovery
from tunelab.protocol import ErrorCodes

VERBS = ("reset", "block", "replace", "top up")
TEXTS = [f"{verb} my {thing}" for verb in VERBS for thing in ("card", "pin", "account")]


def _sidecar_pid() -> int:
    supervisor = discovery.local_supervisor()
    assert supervisor is not None and supervisor.pid is not None, "no local sidecar runs"
    return supervisor.pid


def _store_error(call) -> tunelab.SidecarError:
    with pytest.raises(tunelab.SidecarError) as caught:
        call()
    assert caught.value.code == ErrorCodes.StoreUnavailable, caught.value
    return caught.value


def test_a_corrupt_store_is_named_and_the_sidecar_recovers_once_it_is_moved_away(
    local_runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_sidecar()
    data = tmp_path / "corrupt-data"
    data.mkdir()
    store = data / "labels.sqlite3"
    store.write_bytes(b"this is not an SQLite database, it was overwritten by accident\n" * 64)
    monkeypatch.setenv("TUNELAB_DATA_DIR", str(data))

    error = _store_error(lambda: tunelab.label(TEXTS, name="support", model="hashed-ngram", top_k=3))
    assert error.data is not None and error.data.get("kind") == "store_corrupt"
    assert str(store) in str(error), "the message names the damaged file"
    # Python's read-only access says the same, clearly, rather than a bare sqlite3 error.
    with pytest.raises(RuntimeError, match=r"cannot read the Tunelab label store .*labels\.sqlite3: file is"):
        tunelab.labels("support")
    pid = _sidecar_pid()

    # The user moves the file aside: the same sidecar opens a new store, no restart needed.
    store.rename(data / "labels.damaged")
    session = tunelab.label(TEXTS, name="support", model="hashed-ngram", top_k=3)
    question = session.next_question()
    assert question is not None
    session.answer(question, relevant=[question.candidates[0].id])
    assert _sidecar_pid() == pid
    assert tunelab.labels("support")["answer_id"].nunique() == 1


def test_a_store_location_that_cannot_be_created_is_a_clear_error(
    local_runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_sidecar()
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data directory's parent should be")
    monkeypatch.setenv("TUNELAB_DATA_DIR", str(blocker / "tunelab"))

    error = _store_error(lambda: tunelab.label(TEXTS, name="support", model="hashed-ngram", top_k=3))
    assert error.data is not None and error.data.get("kind") == "store_unavailable"
    assert str(blocker / "tunelab") in str(error)
    pid = _sidecar_pid()
    # The sidecar still answers, and says the same again (it retries the store on every call).
    assert "time" in discovery.get_client().request("tunelab/ping", {})
    _store_error(lambda: tunelab.label(TEXTS, name="support", model="hashed-ngram", top_k=3))
    assert _sidecar_pid() == pid


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs: a disk that really fills up (needs root; the CI machine runs as root)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Writes a file until the disk is full."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while os.write(fd, b"\0" * size) == size:
                    pass
            except OSError:
                pass  # ENOSPC: go on with smaller writes to leave no byte free
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_refuses_answers_clearly_and_keeps_every_acknowledged_one(
    local_runtime: Path, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_sidecar()
    monkeypatch.setenv("TUNELAB_DATA_DIR", str(small_disk / "tunelab"))
    session = tunelab.label(TEXTS, name="support", model="hashed-ngram", top_k=3, query_order="sequential")
    acknowledged: list[str] = []
    for _ in range(3):
        question = session.next_question()
        assert question is not None
        answer_id = uuid.uuid4().hex
        session.answer(question, relevant=[question.candidates[0].id], answer_id=answer_id)
        acknowledged.append(answer_id)
    pid = _sidecar_pid()

    filler = _fill(small_disk)
    # Answers until one is refused: the WAL may still have room for a few small commits.
    refused = None
    for _ in range(200):
        question = session.next_question()
        assert question is not None
        answer_id = uuid.uuid4().hex
        try:
            session.answer(question, relevant=[], answer_id=answer_id)
        except tunelab.SidecarError as err:
            assert err.code == ErrorCodes.StoreUnavailable, err
            refused = (question, answer_id, err)
            break
        acknowledged.append(answer_id)
    assert refused is not None, "the full disk never refused an answer"
    question, answer_id, err = refused
    assert err.data is not None and err.data.get("kind") == "store_unavailable"
    assert "full" in str(err).lower(), err
    assert session.progress.done == len(acknowledged), "a refused answer must not count"
    assert _sidecar_pid() == pid

    # Room again: the same answer (same id) goes through, once.
    filler.unlink()
    session.answer(question, relevant=[], answer_id=answer_id)
    acknowledged.append(answer_id)
    stored = tunelab.labels("support")
    assert sorted(stored["answer_id"].unique()) == sorted(acknowledged)
    assert _sidecar_pid() == pid
