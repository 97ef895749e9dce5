"""The Tunelab Jupyter server extension.

On load it starts the sidecar in the background, exports its connection file
as ``TUNELAB_CONNECTION_FILE`` (kernels started by this server inherit it, so
kernel and browser share one sidecar) and registers the websocket relay at
``<base_url>/tunelab/ws``. It is an ``ExtensionApp`` because that is the
hook jupyter_server 2 calls at shutdown (``stop_extension``); plain module
extensions get none.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from jupyter_server.extension.application import ExtensionApp

from ..discovery import CONNECTION_FILE_ENV
from ..protocol import WEBSOCKET_ROUTE
from ..sidecar import SidecarSupervisor
from .relay import SERVICE_SETTING, RelayHandler
from .service import SidecarService

__all__ = ["TunelabExtension", "_load_jupyter_server_extension"]


class TunelabExtension(ExtensionApp):
    """Supervises the sidecar and serves the authenticated websocket relay."""

    name = "tunelab"
    description = "Tunelab: sidecar supervisor and websocket relay"
    load_other_extensions = True

    service: SidecarService | None = None

    def initialize_settings(self) -> None:
        """Starts the sidecar (in the background) and publishes its connection file."""
        _share_server_logging(self.serverapp.log)
        supervisor = SidecarSupervisor(
            runtime_dir=self.serverapp.runtime_dir, root_dir=self.serverapp.root_dir
        )
        self.service = SidecarService(supervisor)
        # Set before the sidecar is ready: kernels started from now on must find it.
        os.environ[CONNECTION_FILE_ENV] = str(supervisor.connection_file)
        self.service.start_in_background()
        self.settings[SERVICE_SETTING] = self.service

    def initialize_handlers(self) -> None:
        """Registers ``/tunelab/ws`` (the base URL is prepended by ExtensionApp)."""
        self.handlers.append((f"/{WEBSOCKET_ROUTE}", RelayHandler))

    async def stop_extension(self) -> None:
        """Stops the sidecar and removes the connection file at server shutdown."""
        if self.service is None:
            return
        await asyncio.get_running_loop().run_in_executor(None, self.service.stop)
        if os.environ.get(CONNECTION_FILE_ENV) == str(self.service.supervisor.connection_file):
            del os.environ[CONNECTION_FILE_ENV]


def _share_server_logging(server_log: logging.Logger) -> None:
    """Sends ``tunelab.*`` logs (sidecar stderr included) to the server's log."""
    logger = logging.getLogger("tunelab")
    if not logger.handlers:
        for handler in server_log.handlers:
            logger.addHandler(handler)
        logger.setLevel(server_log.level if server_log.level != logging.NOTSET else logging.INFO)
        logger.propagate = False


def _load_jupyter_server_extension(serverapp: Any) -> TunelabExtension:
    """Loads the extension into ``serverapp`` (for ``jpserver_extensions: {"tunelab.server": true}``)."""
    return TunelabExtension._load_jupyter_server_extension(serverapp)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "tunelab.server", "app": TunelabExtension}]
