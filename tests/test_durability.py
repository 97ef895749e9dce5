"""Durable labels: every acknowledged answer survives SIGKILLs of the sidecar, none is stored twice."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
from conftest import require_sidecar

import tunelab
from tunelab import discovery
from tunelab.client import SidecarConnectionLost, SidecarTimeout
from tunelab.datasets import load_banking77_sample
from tunelab.protocol import ErrorCodes

ANSWERS = 1000
#: The supervisor backs off up to 10 s between quick restarts: enough kills to matter, few for CI.
MAX_KILLS = 8


def _killer(seed: int, stop: threading.Event, kills: list[int]) -> None:
    """SIGKILLs each new sidecar at a random moment 0.05-0.8 s after it is up, MAX_KILLS times."""
    rng = random.Random(seed)
    while len(kills) < MAX_KILLS and not stop.is_set():
        supervisor = discovery.local_supervisor()
        pid = supervisor.pid if supervisor is not None else None
        if pid is None or pid in kills:
            stop.wait(0.02)
            continue
        if stop.wait(rng.uniform(0.05, 0.8)):
            return
        try:
            os.kill(pid, signal.SIGKILL)
            kills.append(pid)
        except ProcessLookupError:
            pass


def _answer_until_acknowledged(session: tunelab.Session, rng: random.Random) -> str | None:
    """Answers the next question: its answer id once acknowledged, None if it was lost unstored."""
    question = None
    for _ in range(20):
        try:
            question = session.next_question(timeout=120)
            break
        except (SidecarConnectionLost, SidecarTimeout, ConnectionError):
            time.sleep(0.05)
    assert question is not None, "no question came (the pool ran out, or the sidecar never came back)"
    relevant = [c.id for c in question.candidates if rng.random() < 0.3]
    answer_id = uuid.uuid4().hex
    for _ in range(20):
        try:
            session.answer(question, relevant=relevant, answer_id=answer_id)
            return answer_id
        except (SidecarConnectionLost, SidecarTimeout, ConnectionError):
            time.sleep(0.05)  # retry with the same id: a stored answer comes back as a duplicate
        except tunelab.SidecarError as err:
            # The question died with its sidecar before the answer was stored: ask again.
            if err.code == ErrorCodes.QuestionNotFound:
                return None
            raise
    raise AssertionError("an answer could not be delivered in 20 attempts")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_acknowledged_answer_survives_sigkill(local_runtime: Path, seed: int) -> None:
    require_sidecar()
    texts = load_banking77_sample()["text"].tolist()
    session = tunelab.label(texts, name=f"durable-{seed}", model="hashed-ngram", top_k=3, seed=seed)
    rng = random.Random(seed)
    acknowledged: list[str] = []
    stop, kills = threading.Event(), []
    killer = threading.Thread(target=_killer, args=(seed, stop, kills), daemon=True)
    killer.start()
    try:
        while len(acknowledged) < ANSWERS:
            answer_id = _answer_until_acknowledged(session, rng)
            if answer_id is not None:
                acknowledged.append(answer_id)
    finally:
        stop.set()
        killer.join()
    # Read from the store itself, read-only, as any process can.
    rows_per_answer = tunelab.labels(f"durable-{seed}").groupby("answer_id").size()
    missing = set(acknowledged) - set(rows_per_answer.index)
    print(
        f"seed {seed}: {len(kills)} SIGKILLs, {len(acknowledged)} acknowledged, {len(rows_per_answer)} stored"
    )
    assert not missing, f"{len(missing)} acknowledged answers were lost"
    # Stored once each: one row per candidate of its question, never more.
    assert (rows_per_answer == 3).all()
    assert len(set(acknowledged)) == len(acknowledged)
    assert session.progress.done == len(rows_per_answer)
    assert len(kills) == MAX_KILLS, "the test must actually kill the sidecar while answers flow"
