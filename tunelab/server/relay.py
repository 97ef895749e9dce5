"""The authenticated websocket route ``/tunelab/ws``: browser ↔ sidecar relay.

Jupyter authenticates and authorizes the upgrade; the relay then opens a
socket to the sidecar, says ``tunelab/hello`` with the secret and the Jupyter
user's name (the browser never sees the secret, the sidecar never sees
Jupyter's cookies or token), and maps websocket messages to socket frames one
to one in both directions.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from ..protocol import Frame, FrameError, FrameKind, Methods, decode_message, encode_frame
from .framing import (
    MAX_WEBSOCKET_MESSAGE,
    frame_to_websocket,
    open_sidecar_stream,
    read_frame,
    websocket_to_frame,
)
from .service import SidecarService

#: Key of the ``SidecarService`` in the tornado settings.
SERVICE_SETTING = "tunelab_service"
AUTH_RESOURCE = "tunelab"
#: How long an upgrade waits for a (re)starting sidecar before giving up.
CONNECT_TIMEOUT = 15.0
#: Websocket close code for "server error"; the browser reconnects on it.
CLOSE_SIDECAR_LOST = 1011


class RelayHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """Relays one browser websocket to one sidecar connection."""

    auth_resource = AUTH_RESOURCE
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _pump: asyncio.Task[None] | None = None

    def set_default_headers(self) -> None:
        """Skip JupyterHandler's default headers, which make no sense for websockets."""

    @property
    def max_message_size(self) -> int:
        """A full binary message (64 MiB) plus its JSON header must fit."""
        return MAX_WEBSOCKET_MESSAGE

    @property
    def service(self) -> SidecarService:
        """The server's sidecar, set up by the extension."""
        return self.settings[SERVICE_SETTING]

    async def pre_get(self) -> None:
        """Authorizes the user for the ``tunelab`` resource."""
        authorized = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "execute", AUTH_RESOURCE)
        )
        if not authorized:
            raise web.HTTPError(403)

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Authenticates (403 otherwise), authorizes, then upgrades."""
        await self.pre_get()
        await super().get(*args, **kwargs)

    async def open(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Connects to the sidecar and says hello on the browser's behalf."""
        super().open()  # WebSocketMixin: keep-alive pings
        user = self.current_user
        username = (getattr(user, "username", None) or "anonymous")[:200]
        deadline = time.monotonic() + CONNECT_TIMEOUT
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            try:
                info = await self.service.wait_ready(max(0.1, deadline - time.monotonic()))
                reader, writer = await open_sidecar_stream(info)
            except (OSError, RuntimeError) as err:
                last_error = err
                await asyncio.sleep(0.1)  # the sidecar may be restarting
                continue
            try:
                await self._hello(reader, writer, info["secret"], username)
            except (OSError, asyncio.IncompleteReadError, FrameError, RuntimeError) as err:
                writer.close()
                last_error = err
                await asyncio.sleep(0.1)
                continue
            self._reader, self._writer = reader, writer
            self._pump = asyncio.ensure_future(self._pump_sidecar())
            return
        self.log.error("tunelab relay: cannot reach the sidecar: %s", last_error)
        self.close(CLOSE_SIDECAR_LOST, "tunelab sidecar unavailable")

    async def _hello(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, secret: str, username: str
    ) -> None:
        message = {
            "jsonrpc": "2.0",
            "id": "relay-hello",
            "method": Methods.HELLO,
            "params": {"secret": secret, "user": username, "clientKind": "browser"},
        }
        writer.write(encode_frame(FrameKind.TEXT, json.dumps(message).encode("utf-8")))
        await writer.drain()
        kind, body = await asyncio.wait_for(read_frame(reader), 10)
        reply = decode_message(Frame(kind, body))
        if "error" in reply:
            # A stale secret right after a restart; the caller retries with the rewritten info.
            raise RuntimeError(f"sidecar refused hello: {reply['error'].get('message')}")

    async def _pump_sidecar(self) -> None:
        assert self._reader is not None
        try:
            while True:
                kind, body = await read_frame(self._reader)
                message, binary = frame_to_websocket(kind, body)
                await self.write_message(message, binary=binary)
        except WebSocketClosedError:
            pass  # the browser left; on_close cleans up
        except (asyncio.IncompleteReadError, ConnectionError, FrameError) as err:
            self.log.warning("tunelab relay: sidecar connection lost (%s)", err)
            self.close(CLOSE_SIDECAR_LOST, "tunelab sidecar connection lost")
        except asyncio.CancelledError:
            pass
        finally:
            self._close_sidecar()

    async def on_message(self, message: str | bytes) -> None:
        """Forwards one websocket message as one socket frame."""
        writer = self._writer
        if writer is None:
            return
        try:
            writer.write(websocket_to_frame(message))
            await writer.drain()
        except ConnectionError as err:
            self.log.warning("tunelab relay: write to sidecar failed (%s)", err)
            self.close(CLOSE_SIDECAR_LOST, "tunelab sidecar connection lost")

    def on_close(self) -> None:
        """The browser left: drop the sidecar connection."""
        if self._pump is not None:
            self._pump.cancel()
        self._close_sidecar()

    def _close_sidecar(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
