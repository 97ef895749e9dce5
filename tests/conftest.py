"""Fixtures: a real Jupyter server with the tunelab extension, and helpers to read sidecar state."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Works both with and without `pip install -e .`.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUNDLE = ROOT / "tunelab" / "sidecar_dist" / "sidecar.js"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every sidecar of the run keeps its label store in a temp dir, never the user's."""
    previous = os.environ.get("TUNELAB_DATA_DIR")
    os.environ["TUNELAB_DATA_DIR"] = str(tmp_path_factory.mktemp("tunelab-data"))
    yield
    if previous is None:
        os.environ.pop("TUNELAB_DATA_DIR", None)
    else:
        os.environ["TUNELAB_DATA_DIR"] = previous


def require_sidecar() -> None:
    """Fails (not skips) when the sidecar bundle is missing: these tests must be able to fail."""
    if not BUNDLE.is_file():
        pytest.fail(f"sidecar bundle missing at {BUNDLE}; run `npm run build:sidecar`")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    """Polls ``predicate`` until it returns something truthy; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); check its state.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class JupyterServer:
    """A running `jupyter server` subprocess with the tunelab extension."""

    proc: subprocess.Popen[bytes]
    port: int
    token: str
    runtime_dir: Path
    log_path: Path

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/tunelab/ws"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    @property
    def connection_file(self) -> Path:
        return self.runtime_dir / f"tunelab-sidecar-{self.proc.pid}.json"

    def connection_info(self) -> dict[str, Any]:
        return json.loads(self.connection_file.read_text())

    def wait_connection_info(self, timeout: float = 30) -> dict[str, Any]:
        def read() -> dict[str, Any] | None:
            try:
                return self.connection_info()
            except (OSError, ValueError):
                return None

        return wait_for(read, timeout, f"connection file {self.connection_file}")

    def get_json(self, path: str) -> Any:
        request = urllib.request.Request(self.http_url + path, headers=self.auth_headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.http_url + path,
            data=json.dumps(body).encode(),
            headers={**self.auth_headers, "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def login(self) -> tuple[str, str]:
        """Logs in with the token like a browser does; returns (username, Cookie header)."""
        request = urllib.request.Request(self.http_url + "/api/me", headers=self.auth_headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            username = json.load(response)["identity"]["username"]
            cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
        return username, "; ".join(cookies)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _start_server(tmp_path: Path) -> JupyterServer:
    require_sidecar()
    port = free_port()
    token = secrets.token_hex(16)
    dirs = {name: tmp_path / name for name in ("runtime", "config", "data", "root")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("TUNELAB_CONNECTION_FILE", None)
    env.pop("TUNELAB_DATA_DIR", None)  # the server's store goes under its JUPYTER_DATA_DIR
    env.update(
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    log_path = tmp_path / "jupyter-server.log"
    log_file = open(log_path, "wb")  # noqa: SIM115 - the server writes to it for its whole life
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "jupyter"),
            "server",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--ServerApp.root_dir={dirs['root']}",
            f"--IdentityProvider.token={token}",
            '--ServerApp.jpserver_extensions={"tunelab": True}',
            "--allow-root",
        ],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    log_file.close()
    server = JupyterServer(proc, port, token, dirs["runtime"], log_path)

    def ready() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"jupyter server exited with {proc.returncode}:\n{server.log()}")
        try:
            server.get_json("/api/status")
            return True
        except OSError:
            return False

    wait_for(ready, 60, "the jupyter server to answer /api/status", interval=0.2)
    return server


def _stop_server(server: JupyterServer) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(5)


@pytest.fixture
def jupyter_server(tmp_path: Path) -> Iterator[JupyterServer]:
    """A fresh `jupyter server` subprocess with the tunelab extension and isolated Jupyter dirs."""
    server = _start_server(tmp_path)
    try:
        yield server
    finally:
        _stop_server(server)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """One server for a module's tests that leave it as they found it (start-up takes seconds)."""
    server = _start_server(tmp_path_factory.mktemp("shared-server"))
    try:
        yield server
    finally:
        _stop_server(server)


@pytest.fixture
def local_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Kernel-path isolation: no server's connection file, a private runtime dir, a fresh discovery."""
    from tunelab import discovery

    runtime = tmp_path / "runtime"
    monkeypatch.delenv("TUNELAB_CONNECTION_FILE", raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    # A store per test: a session name reused by another test starts empty.
    monkeypatch.setenv("TUNELAB_DATA_DIR", str(tmp_path / "tunelab-data"))
    discovery.shutdown()
    try:
        yield runtime
    finally:
        discovery.shutdown()


def shared_datasets() -> Path | None:
    """The shared datasets folder (docs: ../shared/datasets beside the project root, or $TUNELAB_DATASETS),
    looked up like bench/sidecar/labelEfficiency.ts does; None when this machine has none."""
    tried = [
        os.environ.get("TUNELAB_DATASETS"),
        str(ROOT.parent / "shared" / "datasets"),
        "/work/shared/datasets",
    ]
    for folder in filter(None, tried):
        if (Path(folder) / "README.md").is_file():
            return Path(folder)
    return None
