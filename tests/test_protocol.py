"""Byte codecs and message dataclasses of tunelab.protocol (no processes)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from tunelab.protocol import (
    LIMITS,
    PROTOCOL_VERSION,
    ErrorCodes,
    Frame,
    FrameDecoder,
    FrameError,
    FrameKind,
    Progress,
    Question,
    SessionConfig,
    SessionInfo,
    decode_binary_message,
    decode_message,
    encode_binary_message,
    encode_frame,
    encode_message,
)

ROOT = Path(__file__).resolve().parents[1]


def test_constants_match_the_typescript_source() -> None:
    limits = (ROOT / "src/protocol/limits.ts").read_text()
    assert "1024 * 1024" in limits and "64 * 1024 * 1024" in limits and "50_000" in limits
    assert (LIMITS.max_text_message_bytes, LIMITS.max_binary_message_bytes) == (1 << 20, 64 << 20)
    assert LIMITS.max_items_per_chunk == 50_000
    version = (ROOT / "src/protocol/version.ts").read_text()
    assert f"major: {PROTOCOL_VERSION.major}, minor: {PROTOCOL_VERSION.minor}" in version
    errors = (ROOT / "src/protocol/errors.ts").read_text()
    for code in ErrorCodes:
        assert f"{code.name}: {code.value}" in errors


def test_frame_roundtrip_split_anywhere() -> None:
    frames = [encode_frame(FrameKind.TEXT, b'{"a":1}'), encode_frame(FrameKind.BINARY, b"\x00" * 300)]
    stream = b"".join(frames)
    assert stream[:5] == b"\x01\x00\x00\x00\x07"
    for split in range(len(stream) + 1):
        decoder = FrameDecoder()
        out = list(decoder.feed(stream[:split])) + list(decoder.feed(stream[split:]))
        assert out == [Frame(FrameKind.TEXT, b'{"a":1}'), Frame(FrameKind.BINARY, b"\x00" * 300)]


def test_frame_decoder_rejects_garbage() -> None:
    with pytest.raises(FrameError, match="unknown frame kind 7"):
        list(FrameDecoder().feed(b"\x07\x00\x00\x00\x01x"))
    with pytest.raises(FrameError, match="exceeds"):
        list(FrameDecoder(max_body=10).feed(struct.pack(">BI", 1, 11)))


def test_binary_message_roundtrip_attaches_payload() -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "session/appendItems", "params": {"sessionId": "s"}}
    data = encode_binary_message(request, b"ARROW")
    (n,) = struct.unpack(">I", data[:4])
    assert json.loads(data[4 : 4 + n]) == request and data[4 + n :] == b"ARROW"
    message = decode_message(encode_message(request, b"ARROW"))
    assert message["params"]["payload"] == b"ARROW"
    response = decode_message(Frame(FrameKind.BINARY, encode_binary_message({"id": 1, "result": {}}, b"V")))
    assert response["result"]["payload"] == b"V"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x00\x01", "shorter than its 4-byte header"),
        (b"\x00\x00\x00\xff{}", "declares a 255-byte JSON header but only 2 bytes follow"),
        (b"\x00\x00\x00\x02{x", "not UTF-8 JSON"),
    ],
)
def test_binary_message_errors(data: bytes, match: str) -> None:
    with pytest.raises(FrameError, match=match):
        decode_binary_message(data)


def test_message_dataclasses_from_json() -> None:
    progress = {
        "done": 1,
        "positive": 2,
        "negative": 7,
        "ignored": 0,
        "modelVersion": 3,
        "itemCount": 10,
        "loadedItems": 10,
    }
    q = Question.from_json(
        {
            "id": "q1",
            "sessionId": "s1",
            "query": {"id": "a", "index": 0, "text": "hello"},
            "candidates": [{"id": "b", "index": 1, "text": "hi", "score": 0.5}],
            "modelVersion": 3,
        }
    )
    assert (q.query.id, q.candidates[0].id, q.candidates[0].score, q.model_version) == ("a", "b", 0.5, 3)
    config = SessionConfig(name="n", field="text", top_k=5)
    info = SessionInfo.from_json(
        {**config.to_json(), "id": "s1", "createdAt": "now", "loading": False, "progress": progress}
    )
    assert info.config == config and info.progress == Progress.from_json(progress)
    assert "done=1" in repr(info.progress) and "loaded=10/10" in repr(info.progress)


def test_backend_fields_round_trip() -> None:
    config = SessionConfig(name="n", backend="wasm")
    assert config.to_json()["backend"] == "wasm" and SessionConfig.from_json(config.to_json()) == config
    assert "backend" not in SessionConfig(name="n").to_json()
    progress = Progress.from_json(
        {
            **{
                k: 0
                for k in (
                    "done",
                    "positive",
                    "negative",
                    "ignored",
                    "modelVersion",
                    "itemCount",
                    "loadedItems",
                )
            },
            "backend": "wasm",
            "backendFallbackReason": "tensorflow: @tensorflow/tfjs-node is not installed",
        }
    )
    assert (progress.backend, progress.backend_fallback_reason) == (
        "wasm",
        "tensorflow: @tensorflow/tfjs-node is not installed",
    )
