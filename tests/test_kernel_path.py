"""The Python API without a Jupyter server: tunelab starts and supervises its own sidecar."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest
from conftest import pid_alive, require_sidecar, wait_for

import tunelab
from tunelab import discovery
from tunelab.client import SidecarClient, SidecarUnavailable
from tunelab.sidecar import SidecarSupervisor

TEXTS = [
    "how do I reset my password",
    "password reset link not working",
    "cannot log in after changing password",
    "shipping takes too long",
    "where is my parcel",
    "package delivery delayed",
    "refund for a damaged item",
    "how to return a product",
    "the app crashes on start",
    "app freezes when opening settings",
    "change the email on my account",
    "update billing address",
]


@pytest.mark.slow
def test_label_answer_undo_roundtrip(local_runtime: Path) -> None:
    require_sidecar()
    session = tunelab.label(TEXTS, name="kernel-path")
    supervisor = discovery.local_supervisor()
    assert supervisor is not None and supervisor.connection_file.parent == local_runtime
    assert stat.S_IMODE(supervisor.connection_file.stat().st_mode) == 0o600

    q = session.next_question()
    assert q is not None and q.session_id == session.id
    assert q.query.id == q.query.index and TEXTS[q.query.index] == q.query.text
    assert 1 <= len(q.candidates) <= 9 and q.query.id not in [c.id for c in q.candidates]
    relevant = [c.id for c in q.candidates[:2]]
    progress = session.answer(q, relevant=relevant)
    assert progress.done == 1
    assert progress.positive == 2
    assert progress.negative == len(q.candidates) - 2
    assert session.progress == progress

    with pytest.raises(ValueError, match="not one of this question's candidates"):
        session.answer(q, relevant=[q.query.id])

    progress = session.undo()
    assert (progress.done, progress.positive, progress.negative) == (0, 0, 0)

    q2 = session.next_question()
    assert q2 is not None
    assert session.answer(q2, ignore=True).ignored == 1

    bundle = session._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == session.widget.model_id
    assert session.widget.session_id == session.id and session.widget.session_name == "kernel-path"
    session.close()


@pytest.mark.slow
def test_id_field_values_come_back_on_questions(local_runtime: Path) -> None:
    require_sidecar()
    rows = [{"body": t, "key": f"k{i}"} for i, t in enumerate(TEXTS)]
    session = tunelab.label(rows, field="body", id_field="key", top_k=3)
    q = session.next_question()
    assert q is not None and len(q.candidates) == 3
    for item in (q.query, *q.candidates):
        assert item.id == f"k{item.index}" and item.text == TEXTS[item.index]
    assert session.answer(q, relevant=[q.candidates[0].id]).positive == 1


@pytest.mark.slow
def test_session_survives_a_sidecar_restart(local_runtime: Path) -> None:
    require_sidecar()
    session = tunelab.label(TEXTS)
    supervisor = discovery.local_supervisor()
    assert supervisor is not None
    old_pid, old_id = supervisor.pid, session.id
    assert old_pid is not None
    first = session.next_question()
    session.answer(first, relevant=[first.candidates[0].id])
    os.kill(old_pid, signal.SIGKILL)
    assert supervisor.wait_for_restart(1, timeout=30)
    q = session.next_question()  # the new sidecar restores the session from its store
    assert q is not None and session.id == old_id and q.session_id == session.id
    assert q.query.index != first.query.index
    assert (session.progress.item_count, session.progress.done) == (len(TEXTS), 1)
    assert not pid_alive(old_pid)


@pytest.mark.parametrize(
    ("data", "kwargs", "match"),
    [
        ([], {}, "data is empty"),
        ([{"text": "a"}, {"txt": "b"}], {}, "row 1 has no field 'text'"),
        ([{"text": "a", "k": 7}, {"text": "b", "k": 7}], {"id_field": "k"}, "duplicate id 7 in rows 0 and 1"),
    ],
)
def test_label_rejects_bad_data_before_starting_anything(
    local_runtime: Path, data: list, kwargs: dict, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        tunelab.label(data, **kwargs)
    assert discovery.local_supervisor() is None


@pytest.mark.slow
def test_supervisor_tcp_transport_binds_loopback_only(tmp_path: Path) -> None:
    require_sidecar()
    supervisor = SidecarSupervisor(transport="tcp", runtime_dir=tmp_path)
    info = supervisor.start()
    try:
        assert info["transport"] == "tcp" and info["host"] == "127.0.0.1"
        port_hex = f"{info['port']:04X}"
        listeners = [
            line.split()[1]
            for table in ("/proc/net/tcp", "/proc/net/tcp6")
            for line in Path(table).read_text().splitlines()[1:]
            if line.split()[3] == "0A" and line.split()[1].endswith(":" + port_hex)
        ]
        assert listeners == ["0100007F:" + port_hex]
        with SidecarClient(supervisor.connection_file).connect() as client:
            assert client.request("tunelab/ping")["time"] > 0
        with pytest.raises(SidecarUnavailable, match="NotAuthenticated"):
            SidecarClient({**info, "secret": "0" * 64}).connect(timeout=1)
    finally:
        supervisor.stop()
    assert not supervisor.connection_file.exists()
    wait_for(lambda: not pid_alive(info["pid"]), 10, "the sidecar to exit")


def test_supervisor_reports_a_missing_node_or_a_crashing_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tunelab.sidecar import SidecarStartError

    monkeypatch.setenv("TUNELAB_NODE", str(tmp_path / "no-such-node"))
    with pytest.raises(SidecarStartError, match=r"needs Node\.js"):
        SidecarSupervisor(runtime_dir=tmp_path).start()
    monkeypatch.delenv("TUNELAB_NODE")
    crashing = tmp_path / "crash.js"
    crashing.write_text("process.exit(3)\n")
    supervisor = SidecarSupervisor(runtime_dir=tmp_path, bundle=crashing)
    with pytest.raises(SidecarStartError, match="exited with code 3"):
        supervisor.start()
    assert not supervisor.connection_file.exists()
    assert list(tmp_path.glob("tunelab-*")) == []
