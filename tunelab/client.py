"""A synchronous JSON-RPC 2.0 client for the sidecar, used by the kernel library.

It speaks socket frames over the unix socket (or 127.0.0.1 port) named in a
connection file, authenticates with ``tunelab/hello``, and reconnects by
itself when the sidecar restarts: the supervisor rewrites the connection file
with the new socket and secret, and the client re-reads it.
"""

from __future__ import annotations

import contextlib
import getpass
import itertools
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .protocol import (
    LIMITS,
    PROTOCOL_VERSION,
    ErrorCodes,
    FrameDecoder,
    FrameError,
    Methods,
    decode_message,
    encode_frame,
    encode_message,
)

log = logging.getLogger("tunelab.client")

ConnectionInfo = dict[str, Any]
NotificationCallback = Callable[[dict[str, Any]], None]

#: How long a dropped client keeps trying to reach a (restarting) sidecar.
RECONNECT_WINDOW = 20.0


class SidecarError(Exception):
    """An error response from the sidecar."""

    def __init__(self, code: int, message: str, data: dict[str, Any] | None = None):
        self.code = code
        self.message = message
        self.data = data or {}
        try:
            name = ErrorCodes(code).name
        except ValueError:
            name = "Error"
        details = "".join(
            f", {k}={self.data[k]!r}" for k in ("path", "row", "limit", "size") if k in self.data
        )
        super().__init__(f"{message} ({name} {code}{details})")

    @property
    def kind(self) -> str | None:
        """The machine-readable ``data.kind`` of the error."""
        return self.data.get("kind")


class SidecarConnectionLost(ConnectionError):
    """The connection to the sidecar dropped while a request was in flight."""


class SidecarUnavailable(ConnectionError):
    """The sidecar could not be reached (within the reconnect window)."""


class SidecarTimeout(TimeoutError):
    """The sidecar did not answer a request in time."""


def default_user() -> str:
    """The annotator's name: ``JUPYTERHUB_USER`` if set, else the login name."""
    user = os.environ.get("JUPYTERHUB_USER")
    if user:
        return user
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # getuser raises when no name is known (containers with bare uids)
        return "unknown"


def read_connection_file(path: str | os.PathLike[str]) -> ConnectionInfo:
    """Reads a connection file written by ``SidecarSupervisor``."""
    with open(path, encoding="utf-8") as f:
        info = json.load(f)
    if not isinstance(info, dict) or "secret" not in info or "transport" not in info:
        raise ValueError(f"{path} is not a Tunelab connection file")
    return info


def open_socket(info: ConnectionInfo, timeout: float = 5.0) -> socket.socket:
    """Opens a stream socket to the sidecar described by ``info``."""
    if info["transport"] == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address: Any = info["path"]
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = (info["host"], int(info["port"]))
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    sock.settimeout(None)
    return sock


@dataclass
class _Pending:
    """A request waiting for its response."""

    connection: _Connection
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class _Connection:
    """One socket plus the thread reading it."""

    def __init__(self, sock: socket.socket, on_message: Callable[[_Connection, dict[str, Any]], None]):
        self.sock = sock
        self.closed = False
        self._send_lock = threading.Lock()
        self._on_message = on_message
        self.reader = threading.Thread(target=self._read, name="tunelab-client-reader", daemon=True)
        self.on_lost: Callable[[_Connection], None] = lambda _c: None

    def start(self) -> None:
        self.reader.start()

    def send(self, message: dict[str, Any], payload: bytes | None) -> None:
        frame = encode_message(message, payload)
        data = encode_frame(frame.kind, frame.body)
        with self._send_lock:
            self.sock.sendall(data)

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def _read(self) -> None:
        decoder = FrameDecoder()
        try:
            while True:
                data = self.sock.recv(1 << 20)
                if not data:
                    break
                for frame in decoder.feed(data):
                    try:
                        message = decode_message(frame)
                    except FrameError as err:
                        log.error("dropping an undecodable message from the sidecar: %s", err)
                        continue
                    self._on_message(self, message)
        except (OSError, FrameError) as err:
            if not self.closed:
                log.debug("sidecar connection error: %s", err)
        finally:
            self.on_lost(self)


class SidecarClient:
    """Synchronous JSON-RPC client for the sidecar, with automatic reconnect.

    Parameters
    ----------
    connection:
        A connection file path, a connection-info dict, or a callable
        returning the current connection info (re-evaluated on reconnect).
    user:
        Annotator name sent in ``hello``; defaults to ``default_user()``.
    """

    def __init__(
        self,
        connection: str | os.PathLike[str] | ConnectionInfo | Callable[[], ConnectionInfo],
        user: str | None = None,
        client_kind: str = "kernel",
        client_name: str = "tunelab-python",
    ):
        if callable(connection):
            self._info_provider: Callable[[], ConnectionInfo] = connection
        elif isinstance(connection, dict):
            fixed = dict(connection)
            self._info_provider = lambda: fixed
        else:
            path = Path(connection)
            self._info_provider = lambda: read_connection_file(path)
        self.user = user or default_user()
        self.client_kind = client_kind
        self.client_name = client_name
        #: Result of ``tunelab/initialize`` on the current connection.
        self.server_info: dict[str, Any] = {}
        #: Result of ``tunelab/hello`` (``sidecarVersion``, ``pid``).
        self.hello_info: dict[str, Any] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._connect_lock = threading.Lock()
        self._conn: _Connection | None = None
        self._pending: dict[int, _Pending] = {}
        self._closed = False
        self._reconnecting = False
        self._notification_callbacks: dict[str, list[NotificationCallback]] = {}
        self._reconnect_callbacks: list[Callable[[], None]] = []
        self.reconnects = 0

    # ------------------------------------------------------------ public

    def connect(self, timeout: float = RECONNECT_WINDOW) -> SidecarClient:
        """Connects and authenticates; retries until ``timeout``. Returns ``self``."""
        self._establish(time.monotonic() + timeout)
        return self

    @property
    def connected(self) -> bool:
        """True while an authenticated connection is up."""
        with self._lock:
            return self._conn is not None

    def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        payload: bytes | None = None,
        timeout: float = 30.0,
        idempotent: bool = False,
    ) -> Any:
        """Sends a request and returns its result.

        Raises ``SidecarError`` for an error response, ``SidecarTimeout`` when
        no answer comes within ``timeout``, and ``SidecarConnectionLost`` when
        the connection drops meanwhile — unless ``idempotent``, then the
        request is sent again after the reconnect (up to three times).
        """
        # A sidecar that crashes again while restarting must not fail a request that is safe to resend.
        attempts = 4 if idempotent else 1
        for attempt in range(attempts):
            conn = self._wait_connected()
            try:
                return self._request_on(conn, method, params, payload, timeout)
            except SidecarConnectionLost:
                if attempt + 1 >= attempts:
                    raise
                log.info("retrying idempotent %s after a lost connection", method)
        raise AssertionError("unreachable")

    def on_notification(self, method: str, callback: NotificationCallback) -> Callable[[], None]:
        """Calls ``callback(params)`` for every ``method`` notification; returns an unsubscribe function."""
        with self._lock:
            self._notification_callbacks.setdefault(method, []).append(callback)

        def unsubscribe() -> None:
            with self._lock:
                callbacks = self._notification_callbacks.get(method, [])
                if callback in callbacks:
                    callbacks.remove(callback)

        return unsubscribe

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Calls ``callback()`` after each automatic reconnect (from a background thread)."""
        with self._lock:
            self._reconnect_callbacks.append(callback)

    def close(self) -> None:
        """Closes the connection; pending requests fail with ``SidecarConnectionLost``."""
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
            self._lock.notify_all()
        if conn is not None:
            conn.close()

    def __enter__(self) -> SidecarClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ connection

    def _establish(self, deadline: float) -> _Connection:
        with self._connect_lock:
            with self._lock:
                if self._closed:
                    raise SidecarUnavailable("the Tunelab client is closed")
                if self._conn is not None:
                    return self._conn
            delay = 0.05
            last_error: BaseException | None = None
            while True:
                try:
                    conn = self._handshake()
                except SidecarError as err:
                    # A stale secret fails hello until the supervisor rewrites the file; else final.
                    if err.code not in (ErrorCodes.NotAuthenticated,):
                        raise
                    last_error = err
                except (OSError, ValueError, SidecarConnectionLost, SidecarTimeout) as err:
                    last_error = err
                else:
                    with self._lock:
                        if self._closed:
                            conn.close()
                            raise SidecarUnavailable("the Tunelab client is closed")
                        self._conn = conn
                        self._lock.notify_all()
                    return conn
                if time.monotonic() + delay > deadline:
                    raise SidecarUnavailable(
                        f"cannot reach the Tunelab sidecar: {last_error}. Is the Jupyter server "
                        "(or the process that started the sidecar) still running?"
                    ) from last_error
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _handshake(self) -> _Connection:
        info = self._info_provider()
        sock = open_socket(info)
        conn = _Connection(sock, self._dispatch)
        conn.on_lost = self._connection_lost
        conn.start()
        try:
            self.hello_info = self._request_on(
                conn,
                Methods.HELLO,
                {"secret": info["secret"], "user": self.user, "clientKind": self.client_kind},
                None,
                10.0,
            )
            self.server_info = self._request_on(
                conn,
                Methods.INITIALIZE,
                {"protocolVersion": PROTOCOL_VERSION.to_json(), "clientName": self.client_name},
                None,
                10.0,
            )
        except BaseException:
            conn.close()
            raise
        return conn

    def _wait_connected(self) -> _Connection:
        with self._lock:
            if self._closed:
                raise SidecarUnavailable("the Tunelab client is closed")
            if self._conn is not None:
                return self._conn
            if self._reconnecting:
                # A reconnect is under way in the background; wait for it rather than race it.
                self._lock.wait_for(
                    lambda: self._conn is not None or self._closed or not self._reconnecting,
                    RECONNECT_WINDOW + 5,
                )
            if self._conn is not None:
                return self._conn
        return self._establish(time.monotonic() + RECONNECT_WINDOW)

    def _connection_lost(self, conn: _Connection) -> None:
        with self._lock:
            was_current = self._conn is conn
            if was_current:
                self._conn = None
                self._reconnecting = not self._closed and not conn.closed
            lost = [(i, p) for i, p in self._pending.items() if p.connection is conn]
            for i, _ in lost:
                del self._pending[i]
            closed = self._closed
        for _, pending in lost:
            pending.error = SidecarConnectionLost(
                "the connection to the Tunelab sidecar was lost before it answered "
                "(the sidecar probably restarted); the request may or may not have been applied"
            )
            pending.done.set()
        if not was_current or closed or conn.closed:
            return
        log.warning("lost the connection to the Tunelab sidecar; reconnecting")
        try:
            self._establish(time.monotonic() + RECONNECT_WINDOW)
        except Exception as err:
            log.error("could not reconnect to the Tunelab sidecar: %s", err)
            return
        finally:
            with self._lock:
                self._reconnecting = False
                self._lock.notify_all()
        self.reconnects += 1
        with self._lock:
            callbacks = list(self._reconnect_callbacks)
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("a Tunelab reconnect callback failed")

    # ------------------------------------------------------------ messages

    def _request_on(
        self,
        conn: _Connection,
        method: str,
        params: dict[str, Any] | None,
        payload: bytes | None,
        timeout: float,
    ) -> Any:
        request_id = next(self._ids)
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
        if payload is not None and len(payload) > LIMITS.max_binary_message_bytes:
            raise ValueError(f"{method} payload of {len(payload)} bytes exceeds the binary message limit")
        pending = _Pending(connection=conn)
        with self._lock:
            self._pending[request_id] = pending
        try:
            conn.send(message, payload)
        except OSError as err:
            with self._lock:
                self._pending.pop(request_id, None)
            raise SidecarConnectionLost(f"could not send {method} to the Tunelab sidecar: {err}") from err
        if not pending.done.wait(timeout):
            with self._lock:
                self._pending.pop(request_id, None)
            raise SidecarTimeout(f"the Tunelab sidecar did not answer {method} within {timeout} s")
        if pending.error is not None:
            raise pending.error
        return pending.result

    def _dispatch(self, conn: _Connection, message: dict[str, Any]) -> None:
        if "method" in message:
            if "id" in message:
                # The sidecar sends no requests to clients today; say so instead of leaving it waiting.
                error = {
                    "code": ErrorCodes.MethodNotFound,
                    "message": "the kernel client handles no requests",
                }
                conn.send({"jsonrpc": "2.0", "id": message["id"], "error": error}, None)
                return
            with self._lock:
                callbacks = list(self._notification_callbacks.get(message["method"], ()))
            for callback in callbacks:
                try:
                    callback(message.get("params") or {})
                except Exception:
                    log.exception("a Tunelab notification callback failed")
            return
        with self._lock:
            pending = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
        if pending is None:
            if message.get("error"):
                log.warning("Tunelab sidecar error without a waiting request: %s", message["error"])
            return
        if "error" in message:
            err = message["error"] or {}
            pending.error = SidecarError(
                int(err.get("code", ErrorCodes.InternalError)), str(err.get("message", "")), err.get("data")
            )
        else:
            pending.result = message.get("result")
        pending.done.set()
