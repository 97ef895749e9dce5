"""Finds the sidecar this process should talk to.

Under Jupyter, the server extension starts the sidecar and puts its
connection file in ``TUNELAB_CONNECTION_FILE``; kernels inherit that
variable, so the kernel and the browser reach the same sidecar. Without a
server (plain Python, nbconvert, CI), this process starts its own sidecar.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from .client import SidecarClient, read_connection_file
from .sidecar import SidecarSupervisor

log = logging.getLogger("tunelab.discovery")

CONNECTION_FILE_ENV = "TUNELAB_CONNECTION_FILE"
#: The server starts its sidecar in the background; give a kernel started right away time to see it.
_FILE_WAIT = 5.0

_lock = threading.Lock()
_client: SidecarClient | None = None
_supervisor: SidecarSupervisor | None = None


def get_client() -> SidecarClient:
    """The process-wide, connected ``SidecarClient`` (created on first use)."""
    global _client, _supervisor
    with _lock:
        if _client is not None:
            return _client
        path = os.environ.get(CONNECTION_FILE_ENV)
        if path and _owner_alive(path):
            try:
                _client = SidecarClient(path).connect(timeout=_FILE_WAIT)
                return _client
            except Exception as err:
                log.warning("the Tunelab sidecar of %s is unreachable (%s); starting a local one", path, err)
        if _supervisor is None:
            _supervisor = SidecarSupervisor()
            _supervisor.start()
            # atexit runs last-registered first: close the client before the supervisor stops the
            # sidecar, so exiting Python does not log a lost connection.
            atexit.register(shutdown)
        _client = SidecarClient(_supervisor.connection_info).connect()
        return _client


def local_supervisor() -> SidecarSupervisor | None:
    """The sidecar supervisor this process started, if it started one."""
    return _supervisor


def shutdown() -> None:
    """Closes the process-wide client and stops a sidecar this process started."""
    global _client, _supervisor
    with _lock:
        client, _client = _client, None
        supervisor, _supervisor = _supervisor, None
    if client is not None:
        client.close()
    if supervisor is not None:
        supervisor.stop()


def _owner_alive(path: str) -> bool:
    """True if the connection file exists (or appears soon) and its supervisor process lives."""
    deadline = time.monotonic() + _FILE_WAIT
    while True:
        try:
            info = read_connection_file(path)
            break
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                log.warning("%s=%s does not name a readable connection file", CONNECTION_FILE_ENV, path)
                return False
            time.sleep(0.1)
    try:
        os.kill(int(info["owner_pid"]), 0)
    except (KeyError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True
