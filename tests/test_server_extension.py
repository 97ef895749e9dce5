"""The Jupyter server extension against a real `jupyter server` and a real sidecar."""

from __future__ import annotations

import json
import os
import signal
import stat
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import JupyterServer, pid_alive, wait_for
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tunelab.client import SidecarClient
from tunelab.protocol import ErrorCodes

pytestmark = pytest.mark.slow


def ws_connect(server: JupyterServer, headers: dict[str, str] | None = None) -> ClientConnection:
    return connect(
        server.ws_url,
        additional_headers=server.auth_headers if headers is None else headers,
        max_size=None,
        open_timeout=30,
    )


def receive_reply(ws: ClientConnection, request_id: Any, timeout: float = 10) -> dict[str, Any]:
    """Next response with ``request_id`` (or id null: errors that cannot name one); skips notifications."""
    while True:
        message = json.loads(ws.recv(timeout=timeout))
        if "method" in message:
            continue
        if message.get("id") in (request_id, None):
            return message


def rpc(ws: ClientConnection, method: str, params: dict[str, Any] | None = None, request_id: int = 1) -> Any:
    ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}))
    return receive_reply(ws, request_id)


def initialize(ws: ClientConnection) -> dict[str, Any]:
    reply = rpc(ws, "tunelab/initialize", {"protocolVersion": {"major": 1, "minor": 0}, "clientName": "test"})
    assert "result" in reply, reply
    return reply["result"]


def assert_ping(ws: ClientConnection, request_id: int = 99) -> None:
    reply = rpc(ws, "tunelab/ping", {}, request_id)
    assert isinstance(reply.get("result", {}).get("time"), (int, float)), reply


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def tcp_listeners() -> dict[str, str]:
    """inode → local address of every TCP socket in LISTEN state (0A)."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A":
                out[cols[9]] = cols[1]
    return out


def test_upgrade_without_valid_token_is_403(shared_server: JupyterServer) -> None:
    for headers in ({}, {"Authorization": "token wrong"}):
        with pytest.raises(InvalidStatus) as info:
            ws_connect(shared_server, headers)
        assert info.value.response.status_code == 403


def test_relay_says_hello_as_the_jupyter_user(shared_server: JupyterServer) -> None:
    # Cookie auth, as in a browser: the user is then the same across requests.
    me, cookie = shared_server.login()
    with ws_connect(shared_server, {"Cookie": cookie}) as ws:
        result = initialize(ws)
        assert result["user"] == me
        assert result["protocolVersion"]["major"] == 1
        assert result["limits"]["maxItemsPerChunk"] == 50_000
        assert_ping(ws)
        # The relay already authenticated this connection; a second hello from the browser gets no secret.
        info = shared_server.connection_info()
        assert info["secret"] not in json.dumps(result)


def test_browser_close_closes_the_sidecar_connection(shared_server: JupyterServer) -> None:
    pid = shared_server.wait_connection_info()["pid"]
    # Track the relay's own socket by inode: an earlier test's connection may still be closing.
    before = socket_inodes(pid)
    with ws_connect(shared_server) as ws:
        initialize(ws)
        opened = socket_inodes(pid) - before
        assert len(opened) == 1, opened
    (relay_socket,) = opened
    wait_for(lambda: relay_socket not in socket_inodes(pid), 10, "the relay to close its sidecar socket")


def test_connection_file_and_socket_permissions(shared_server: JupyterServer) -> None:
    info = shared_server.wait_connection_info()
    assert stat.S_IMODE(shared_server.connection_file.stat().st_mode) == 0o600
    assert info["owner_pid"] == shared_server.proc.pid
    assert info["transport"] == "unix" and len(info["path"]) < 100
    assert len(info["secret"]) == 64 and int(info["secret"], 16) >= 0
    socket_dir = Path(info["path"]).parent
    assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
    assert stat.S_ISSOCK(Path(info["path"]).stat().st_mode)
    assert pid_alive(info["pid"])


def test_sidecar_has_no_tcp_listener_and_hides_its_secret(shared_server: JupyterServer) -> None:
    info = shared_server.wait_connection_info()
    pid = info["pid"]
    sockets = socket_inodes(pid)
    assert sockets, "the sidecar should hold at least its unix listening socket"
    listening = {inode: addr for inode, addr in tcp_listeners().items() if inode in sockets}
    assert listening == {}, f"sidecar listens on TCP: {listening}"
    secret = info["secret"].encode()
    for proc_file in ("cmdline", "environ"):
        assert secret not in Path(f"/proc/{pid}/{proc_file}").read_bytes()
    assert secret not in shared_server.log().encode()


def test_bad_messages_get_errors_and_the_connection_stays_up(shared_server: JupyterServer) -> None:
    with ws_connect(shared_server) as ws:
        initialize(ws)
        ws.send("{this is not json")
        assert receive_reply(ws, None)["error"]["code"] == ErrorCodes.ParseError

        reply = rpc(ws, "session/get", {"sessionId": 5}, request_id=2)
        assert reply["error"]["code"] == ErrorCodes.InvalidParams
        assert reply["error"]["data"]["path"] == "/sessionId"

        reply = rpc(ws, "no/such/method", {}, request_id=3)
        assert reply["error"]["code"] == ErrorCodes.MethodNotFound

        big = json.dumps(
            {"jsonrpc": "2.0", "id": 4, "method": "tunelab/ping", "params": {"pad": "x" * (2 << 20)}}
        )
        ws.send(big)
        error = receive_reply(ws, 4)["error"]
        assert error["code"] == ErrorCodes.MessageTooLarge
        assert error["data"]["limit"] == 1 << 20 and error["data"]["size"] >= 2 << 20

        ws.send(b"\x00\x00\x00\xff{broken")
        error = receive_reply(ws, None)["error"]
        assert error["code"] == ErrorCodes.ParseError, error
        assert "kind" in error["data"]

        ws.send(json.dumps({"id": 5, "not": "json-rpc"}))
        assert receive_reply(ws, 5)["error"]["code"] == ErrorCodes.InvalidRequest

        assert_ping(ws)


def test_kernel_and_browser_share_the_servers_sidecar(shared_server: JupyterServer) -> None:
    from jupyter_client import BlockingKernelClient

    kernel = shared_server.post_json("/api/kernels", {"name": "python3"})
    client = BlockingKernelClient(
        connection_file=str(shared_server.runtime_dir / f"kernel-{kernel['id']}.json")
    )
    client.load_connection_file()
    # No heartbeat channel: its 1 s liveness check misreports a slow-starting kernel as dead.
    client.start_channels(hb=False)
    try:
        client.kernel_info()
        client.get_shell_msg(timeout=60)
        code = (
            "import os, tunelab\n"
            "s = tunelab.label(['alpha', 'beta', 'gamma', 'delta'], name='from-kernel')\n"
            "print(os.environ['TUNELAB_CONNECTION_FILE'], s.id)\n"
        )
        outputs: list[str] = []
        reply = client.execute_interactive(
            code, timeout=60, output_hook=lambda m: outputs.append(m["content"].get("text", ""))
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        connection_file, session_id = "".join(outputs).split()
        assert connection_file == str(shared_server.connection_file)
        # The kernel started no sidecar of its own.
        assert sorted(shared_server.runtime_dir.glob("tunelab-sidecar-*.json")) == [
            shared_server.connection_file
        ]
        with ws_connect(shared_server) as ws:
            initialize(ws)
            sessions = rpc(ws, "session/list", {}, request_id=2)["result"]["sessions"]
            assert [s["name"] for s in sessions if s["id"] == session_id] == ["from-kernel"]
            assert rpc(ws, "session/close", {"sessionId": session_id}, request_id=3)["result"] == {}
    finally:
        client.stop_channels()
        urllib.request.urlopen(
            urllib.request.Request(
                f"{shared_server.http_url}/api/kernels/{kernel['id']}",
                headers=shared_server.auth_headers,
                method="DELETE",
            ),
            timeout=30,
        )


def test_sidecar_kill_9_is_restarted_and_clients_reconnect(jupyter_server: JupyterServer) -> None:
    info = jupyter_server.wait_connection_info()
    client = SidecarClient(jupyter_server.connection_file).connect()
    try:
        assert client.request("tunelab/ping")["time"] > 0
        with ws_connect(jupyter_server) as ws:
            initialize(ws)
            os.kill(info["pid"], signal.SIGKILL)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=20)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011

        def restarted() -> dict[str, Any] | None:
            try:
                new = jupyter_server.connection_info()
            except (OSError, ValueError):
                return None
            return new if new["pid"] != info["pid"] else None

        new = wait_for(restarted, 30, "a restarted sidecar in the connection file")
        assert new["secret"] != info["secret"] and pid_alive(new["pid"])
        assert not pid_alive(info["pid"])

        with ws_connect(jupyter_server) as ws:
            initialize(ws)
            assert_ping(ws)

        # The kernel-side client reconnects by itself, reading the rewritten file.
        assert client.request("tunelab/ping", timeout=30)["time"] > 0
        assert client.hello_info["pid"] == new["pid"]
        assert client.reconnects >= 1
    finally:
        client.close()


def test_sigterm_of_the_server_stops_the_sidecar(jupyter_server: JupyterServer) -> None:
    info = jupyter_server.wait_connection_info()
    socket_dir = Path(info["path"]).parent
    jupyter_server.proc.send_signal(signal.SIGTERM)
    jupyter_server.proc.wait(30)
    wait_for(lambda: not pid_alive(info["pid"]), 10, "the sidecar to exit")
    assert not jupyter_server.connection_file.exists()
    assert not socket_dir.exists()


def test_sidecar_exits_when_the_server_is_killed(jupyter_server: JupyterServer) -> None:
    # No cleanup code runs on SIGKILL: the sidecar must notice its stdin closing.
    info = jupyter_server.wait_connection_info()
    jupyter_server.proc.kill()
    jupyter_server.proc.wait(10)
    wait_for(lambda: not pid_alive(info["pid"]), 10, "the orphaned sidecar to exit")
