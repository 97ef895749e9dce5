"""Socket-frame helpers for the relay, on asyncio streams (no tornado here)."""

from __future__ import annotations

import asyncio
from typing import Any

from ..protocol import FRAME_HEADER, LIMITS, FrameError, FrameKind, encode_frame

#: Largest websocket message the relay accepts: a full binary message plus slack for its JSON header.
MAX_WEBSOCKET_MESSAGE = LIMITS.max_binary_message_bytes + 1024 * 1024
#: A sidecar frame longer than this means a corrupt stream, not a big message.
MAX_SIDECAR_FRAME = MAX_WEBSOCKET_MESSAGE


def websocket_to_frame(message: str | bytes) -> bytes:
    """Maps one websocket message to one socket frame: text → kind 1, binary → kind 2."""
    if isinstance(message, str):
        return encode_frame(FrameKind.TEXT, message.encode("utf-8"))
    return encode_frame(FrameKind.BINARY, bytes(message))


def frame_to_websocket(kind: FrameKind, body: bytes) -> tuple[str | bytes, bool]:
    """Maps one socket frame to ``(websocket message, binary?)``."""
    if kind == FrameKind.TEXT:
        return body.decode("utf-8", "replace"), False
    return body, True


async def read_frame(reader: asyncio.StreamReader) -> tuple[FrameKind, bytes]:
    """Reads one frame; raises ``asyncio.IncompleteReadError`` at EOF and ``FrameError`` on garbage."""
    kind, length = FRAME_HEADER.unpack(await reader.readexactly(FRAME_HEADER.size))
    if kind not in (FrameKind.TEXT, FrameKind.BINARY):
        raise FrameError(f"unknown frame kind {kind} from the sidecar")
    if length > MAX_SIDECAR_FRAME:
        raise FrameError(f"sidecar frame of {length} bytes exceeds {MAX_SIDECAR_FRAME}")
    return FrameKind(kind), await reader.readexactly(length)


async def open_sidecar_stream(info: dict[str, Any]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Opens an asyncio stream to the sidecar named by a connection-info dict."""
    if info["transport"] == "unix":
        return await asyncio.open_unix_connection(info["path"])
    return await asyncio.open_connection(info["host"], int(info["port"]))
