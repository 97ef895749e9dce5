"""The server extension's sidecar: started in the background, awaited by handlers."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from ..sidecar import SidecarStartError, SidecarSupervisor

log = logging.getLogger("tunelab.server")


class SidecarService:
    """Owns the Jupyter server's ``SidecarSupervisor``.

    ``start_in_background`` returns at once so the server's start is not
    delayed; ``wait_ready`` lets handlers wait for the sidecar.
    """

    def __init__(self, supervisor: SidecarSupervisor):
        self.supervisor = supervisor
        self._done = threading.Event()
        self._error: BaseException | None = None

    def start_in_background(self) -> None:
        """Starts the sidecar from a thread."""
        threading.Thread(target=self._start, name="tunelab-sidecar-start", daemon=True).start()

    def _start(self) -> None:
        try:
            self.supervisor.start()
            log.info("Tunelab sidecar ready; connection file %s", self.supervisor.connection_file)
        except BaseException as err:
            self._error = err
            log.error("the Tunelab sidecar did not start: %s", err)
        finally:
            self._done.set()

    async def wait_ready(self, timeout: float) -> dict[str, Any]:
        """The sidecar's connection info, once it listens; raises on failure or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if self._done.is_set():
                if self._error is not None:
                    raise SidecarStartError(f"the Tunelab sidecar did not start: {self._error}")
                try:
                    return self.supervisor.connection_info()
                except SidecarStartError:
                    pass  # stopped or between restarts
            if time.monotonic() > deadline:
                raise SidecarStartError(f"the Tunelab sidecar was not ready within {timeout} s")
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        """Stops the sidecar (waits for a start in progress first)."""
        self._done.wait(5)
        self.supervisor.stop()
