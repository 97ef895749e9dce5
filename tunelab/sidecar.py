"""Starts, watches and stops the Node sidecar process.

One ``SidecarSupervisor`` runs per Jupyter server (started by the server
extension) or, without a server, per Python process (started by
``tunelab.discovery``). It passes the sidecar its secret on stdin, waits for
the ready line, writes the 0600 connection file, restarts the sidecar with
backoff when it dies, and cleans everything up on ``stop()``.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jupyter_core.paths import jupyter_runtime_dir

from .pretrained import model_roots
from .protocol import PROTOCOL_VERSION
from .store import data_dir

log = logging.getLogger("tunelab.sidecar")
_sidecar_log = logging.getLogger("tunelab.sidecar.process")

Transport = Literal["unix", "tcp"]

#: Unix socket paths are limited to ~104-108 bytes depending on the OS.
_MAX_SOCKET_PATH = 100
_BACKOFF_START = 0.1
_BACKOFF_CAP = 10.0
#: A sidecar that stayed up this long resets the backoff.
_STABLE_UPTIME = 30.0
_instance_counter = itertools.count()
#: The sidecar's log lines read "<time> tunelab-sidecar <level>: <message>".
_LOG_LEVEL = re.compile(r"tunelab-sidecar (debug|info|warn|error):")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}


class SidecarStartError(RuntimeError):
    """The sidecar could not be started (node or bundle missing, no ready line)."""


def find_node() -> str:
    """The node executable: ``TUNELAB_NODE`` if set, else ``node`` on PATH."""
    node = os.environ.get("TUNELAB_NODE") or shutil.which("node")
    if not node or not os.access(node, os.X_OK):
        raise SidecarStartError(
            f"Tunelab needs Node.js 20 or newer: put `node` on PATH or set TUNELAB_NODE to its path "
            f"(TUNELAB_NODE={os.environ.get('TUNELAB_NODE')!r})"
        )
    return node


def find_bundle() -> Path:
    """The sidecar bundle shipped inside the package."""
    bundle = Path(__file__).resolve().parent / "sidecar_dist" / "sidecar.js"
    if not bundle.is_file():
        raise SidecarStartError(
            f"the Tunelab sidecar bundle is missing at {bundle}; build it with `npm run build:sidecar`"
        )
    return bundle


@dataclass(frozen=True)
class _Ready:
    """What the sidecar announced on its ready line."""

    transport: Transport
    pid: int
    path: str | None = None
    host: str | None = None
    port: int | None = None


class _SidecarProcess:
    """One running sidecar process and its pipe readers."""

    def __init__(self, argv: list[str], config: dict[str, Any], ready_timeout: float):
        self.started_at = time.monotonic()
        self._ready_line: dict[str, Any] | None = None
        self._ready_event = threading.Event()
        # Own session: a Ctrl-C meant for Jupyter must not kill the sidecar behind the supervisor's back.
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
        threading.Thread(target=self._read_stdout, name="tunelab-sidecar-stdout", daemon=True).start()
        threading.Thread(target=self._read_stderr, name="tunelab-sidecar-stderr", daemon=True).start()
        assert self.proc.stdin is not None
        try:
            # The secret travels only through this pipe: never argv, env or logs.
            self.proc.stdin.write((json.dumps(config) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except OSError as err:
            self.kill()
            raise SidecarStartError(f"the sidecar exited before reading its configuration: {err}") from err
        if not self._ready_event.wait(ready_timeout) or self._ready_line is None:
            try:
                # Stdout hit EOF: the process is exiting, give it a moment to be reaped.
                code: int | None = self.proc.wait(2 if self._ready_event.is_set() else 0.01)
            except subprocess.TimeoutExpired:
                code = None
            self.kill()
            why = f"exited with code {code}" if code is not None else f"was not ready after {ready_timeout} s"
            raise SidecarStartError(f"the Tunelab sidecar {why} (see the tunelab.sidecar log)")
        self.ready = self._parse_ready(self._ready_line)

    @staticmethod
    def _parse_ready(line: dict[str, Any]) -> _Ready:
        if line.get("transport") == "tcp":
            host = str(line["host"])
            if host not in ("127.0.0.1", "::1"):
                raise SidecarStartError(f"the sidecar listens on {host}, not on loopback")
            return _Ready(transport="tcp", pid=int(line["pid"]), host=host, port=int(line["port"]))
        return _Ready(transport="unix", pid=int(line["pid"]), path=str(line["path"]))

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            text = raw.decode("utf-8", "replace").strip()
            if not self._ready_event.is_set():
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError:
                    obj = None
                if isinstance(obj, dict) and obj.get("event") == "ready":
                    self._ready_line = obj
                    self._ready_event.set()
                    continue
            if text:
                _sidecar_log.info("%s", text)
        self._ready_event.set()  # EOF: wake a waiting start so it notices the exit

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            text = raw.decode("utf-8", "replace").rstrip()
            if text:
                match = _LOG_LEVEL.search(text)
                level = _LEVELS.get(match.group(1), logging.WARNING) if match else logging.WARNING
                _sidecar_log.log(level, "%s", text)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def terminate(self, grace: float = 5.0) -> None:
        """Closes stdin (the sidecar exits on EOF), sends SIGTERM, then SIGKILL after ``grace``."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """Kills the process and reaps it."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            log.error("sidecar pid %s did not die after SIGKILL", self.proc.pid)


class SidecarSupervisor:
    """Runs one Node sidecar, restarts it when it dies, and publishes a connection file.

    Parameters
    ----------
    transport:
        ``"unix"`` (default, a socket in a fresh 0700 directory) or ``"tcp"``
        (127.0.0.1 only, for platforms without unix sockets).
    runtime_dir:
        Where the connection file goes; defaults to ``jupyter_runtime_dir()``.
    ready_timeout:
        Seconds to wait for the sidecar's ready line.
    root_dir:
        The directory user-given model paths (``modelPath``, ``model/save``) must stay inside;
        the sidecar's default is its working directory (this process's at start).
    """

    def __init__(
        self,
        transport: Transport = "unix",
        runtime_dir: str | os.PathLike[str] | None = None,
        ready_timeout: float = 30.0,
        node: str | None = None,
        bundle: str | os.PathLike[str] | None = None,
        root_dir: str | os.PathLike[str] | None = None,
    ):
        if transport not in ("unix", "tcp"):
            raise ValueError(f"transport must be 'unix' or 'tcp', not {transport!r}")
        self.transport: Transport = transport
        self.runtime_dir = Path(runtime_dir or jupyter_runtime_dir())
        self.ready_timeout = ready_timeout
        self._node = node
        self._bundle = Path(bundle) if bundle else None
        self.root_dir = Path(root_dir).resolve() if root_dir else None
        n = next(_instance_counter)
        suffix = f"{os.getpid()}" if n == 0 else f"{os.getpid()}-{n}"
        #: Path of the 0600 connection file; fixed for the supervisor's life.
        self.connection_file = self.runtime_dir / f"tunelab-sidecar-{suffix}.json"
        #: How many times the sidecar was restarted after an unexpected exit.
        self.restarted = 0
        self._lock = threading.Condition()
        self._process: _SidecarProcess | None = None
        self._info: dict[str, Any] | None = None
        self._socket_dir: Path | None = None
        self._stopping = False
        self._started = False
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._watcher: threading.Thread | None = None

    # ------------------------------------------------------------ public

    def start(self) -> dict[str, Any]:
        """Starts the sidecar and blocks until it listens; returns the connection info."""
        with self._lock:
            if self._started:
                return self.connection_info()
            self._started = True
        self.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self._spawn()
        except BaseException:
            with self._lock:
                self._started = False
            self._cleanup_files()
            raise
        atexit.register(self.stop)
        self._watcher = threading.Thread(target=self._watch, name="tunelab-sidecar-watcher", daemon=True)
        self._watcher.start()
        return self.connection_info()

    def connection_info(self) -> dict[str, Any]:
        """The current connection info (as written to the connection file), including the secret."""
        with self._lock:
            if self._info is None:
                raise SidecarStartError("the sidecar is not running")
            return dict(self._info)

    @property
    def pid(self) -> int | None:
        """Pid of the current sidecar process, if one runs."""
        with self._lock:
            return self._process.pid if self._process else None

    def add_restart_listener(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Calls ``callback(connection_info)`` (from the watcher thread) after every restart."""
        with self._lock:
            self._listeners.append(callback)

    def wait_for_restart(self, count: int, timeout: float) -> bool:
        """Blocks until ``restarted >= count``; returns False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self.restarted >= count, timeout)

    def stop(self) -> None:
        """Stops the sidecar and removes the connection file and the socket directory."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            process, self._process = self._process, None
            self._info = None
            self._lock.notify_all()
        if process is not None:
            process.terminate()
        self._cleanup_files()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(5)
        atexit.unregister(self.stop)

    # ------------------------------------------------------------ internals

    def _spawn(self) -> None:
        argv = [self._node or find_node(), str(self._bundle or find_bundle())]
        socket_dir = self._make_socket_dir() if self.transport == "unix" else None
        secret = secrets.token_hex(32)
        config: dict[str, Any] = {"secret": secret, "transport": self.transport}
        if socket_dir is not None:
            config["socketDir"] = str(socket_dir)
        if self.root_dir is not None:
            config["rootDir"] = str(self.root_dir)
        # Resolved at each start, like the sidecar would: kernels and server agree on one store.
        config["dataDir"] = str(data_dir())
        # Pretrained encoders may be read from here too (the browser can name nothing else outside rootDir).
        config["modelRoots"] = model_roots()
        try:
            process = _SidecarProcess(argv, config, self.ready_timeout)
        except BaseException:
            if socket_dir is not None:
                shutil.rmtree(socket_dir, ignore_errors=True)
            raise
        ready = process.ready
        info: dict[str, Any] = {"transport": ready.transport}
        if ready.transport == "unix":
            info["path"] = ready.path
        else:
            info["host"], info["port"] = ready.host, ready.port
        info.update(
            secret=secret,
            pid=process.pid,
            owner_pid=os.getpid(),
            protocol_version=PROTOCOL_VERSION.to_json(),
        )
        with self._lock:
            if self._stopping:
                process.terminate()
                if socket_dir is not None:
                    shutil.rmtree(socket_dir, ignore_errors=True)
                return
            old_dir, self._socket_dir = self._socket_dir, socket_dir
            self._process, self._info = process, info
            self._write_connection_file(info)
        if old_dir is not None:
            shutil.rmtree(old_dir, ignore_errors=True)
        log.info("Tunelab sidecar pid %s listening (%s)", process.pid, ready.transport)

    def _make_socket_dir(self) -> Path:
        # A fresh directory per start: a killed sidecar may leave its socket file behind.
        for base in (self.runtime_dir, Path(tempfile.gettempdir()), Path("/tmp")):
            if len(str(base)) + len("/tunelab-XXXXXXXX/sidecar.sock") < _MAX_SOCKET_PATH:
                path = Path(tempfile.mkdtemp(prefix="tunelab-", dir=base))
                os.chmod(path, 0o700)
                return path
        raise SidecarStartError("no directory short enough for a unix socket path")

    def _write_connection_file(self, info: dict[str, Any]) -> None:
        # Atomic: a reader sees the old file or the new one, never a partial write.
        tmp = self.connection_file.with_name(f".{self.connection_file.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(info, f, indent=2)
            os.replace(tmp, self.connection_file)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _cleanup_files(self) -> None:
        self.connection_file.unlink(missing_ok=True)
        with self._lock:
            socket_dir, self._socket_dir = self._socket_dir, None
        if socket_dir is not None:
            shutil.rmtree(socket_dir, ignore_errors=True)

    def _watch(self) -> None:
        delay = _BACKOFF_START
        while True:
            with self._lock:
                process = self._process
            if process is None:
                return
            code = process.proc.wait()
            uptime = time.monotonic() - process.started_at
            with self._lock:
                if self._stopping or self._process is not process:
                    return
            if uptime >= _STABLE_UPTIME:
                delay = _BACKOFF_START
            log.warning(
                "Tunelab sidecar pid %s exited with code %s after %.1f s; restarting in %.1f s",
                process.pid,
                code,
                uptime,
                delay,
            )
            while True:
                with self._lock:
                    if self._lock.wait_for(lambda: self._stopping, delay):
                        return
                delay = min(delay * 2, _BACKOFF_CAP)
                try:
                    self._spawn()
                    break
                except Exception as err:
                    log.error("restarting the Tunelab sidecar failed: %s", err)
            with self._lock:
                if self._stopping:
                    return
                self.restarted += 1
                info = dict(self._info or {})
                listeners = list(self._listeners)
                self._lock.notify_all()
            for callback in listeners:
                try:
                    callback(info)
                except Exception:
                    log.exception("a sidecar restart listener failed")
