"""Byte codecs and message dataclasses of tunelab.protocol (no processes)."""

from __future__ import annotations

import dataclasses
import json
import re
import struct
from pathlib import Path

import pytest

from tunelab.protocol import (
    _MODEL_OPTIONS,
    CERTAINTY_OFF,
    LIMITS,
    PROTOCOL_VERSION,
    TRAINING_OPTIONS,
    AnswerRecord,
    ClassifierHead,
    ErrorCodes,
    Frame,
    FrameDecoder,
    FrameError,
    FrameKind,
    MachineLabelRecord,
    Methods,
    Prediction,
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


# ---------------------------------------------------------------- the 1.4 mirror against messages.ts

MESSAGES_TS = (ROOT / "src/protocol/messages.ts").read_text()


def ts_object_keys(name: str) -> set[str]:
    """Top-level member names of ``export const <name> = Type.Object({...})`` in messages.ts."""
    match = re.search(rf"^export const {name} = Type\.Object\(\{{\n(.*?)^\}}\);", MESSAGES_TS, re.S | re.M)
    assert match, f"{name} not found in messages.ts"
    return set(re.findall(r"^  (\w+): ", match.group(1), re.M))


def ts_nested_object_keys(member: str) -> set[str]:
    """Member names of the ``Type.Object`` given as ``<member>: Type.Optional(Type.Object({...}))``."""
    match = re.search(
        rf"^(\s+){member}: Type\.Optional\(\n\s+Type\.Object\(\{{\n(.*?)\n\s+\}}\)", MESSAGES_TS, re.S | re.M
    )
    assert match, f"{member} not found in messages.ts"
    indent = len(match.group(1)) + 4
    return set(re.findall(rf"^ {{{indent}}}(\w+): ", match.group(2), re.M))


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def python_wire_names(cls: type) -> set[str]:
    return {camel(f.name) for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", [Progress, Question, Prediction, AnswerRecord, MachineLabelRecord])
def test_dataclasses_have_every_member_of_the_typescript_schema(cls: type) -> None:
    # Field names are the wire names in snake_case, so a member added to the schema fails here.
    assert python_wire_names(cls) == ts_object_keys(cls.__name__)


def test_session_config_and_options_cover_the_typescript_schema() -> None:
    ts = ts_object_keys("SessionConfig") | ts_object_keys("TrainingOptions")
    mirrored = {"name", "task", "model", "contentType", "field", "topK", "tailor"}
    mirrored |= set(TRAINING_OPTIONS.values()) | set(_MODEL_OPTIONS.values())
    assert mirrored == ts
    assert {"labels", "multiLabel", "certaintyThreshold", "uncertainty", "diversityWeight"} <= mirrored


def test_classifier_head_mirrors_the_export_schema() -> None:
    assert python_wire_names(ClassifierHead) == ts_nested_object_keys("classifierHead")
    assert "'tunelab-classifier-head/1'" in MESSAGES_TS


def test_every_request_method_is_named() -> None:
    ts_methods = set(re.findall(r"request\(\s*'([\w/]+)'", MESSAGES_TS))
    python = {v for k, v in vars(Methods).items() if k.isupper()}
    assert ts_methods <= python, sorted(ts_methods - python)
    for method in (
        "session/machineLabels",
        "machineLabel/confirm",
        "machineLabel/reject",
        "session/train",
        "session/setLabels",
        "model/predict",
    ):
        assert method in python


def test_classification_messages_from_json() -> None:
    q = Question.from_json(
        {
            "id": "q1",
            "sessionId": "s1",
            "query": {"id": 3, "index": 3, "text": "Stocks fall"},
            "candidates": [],
            "modelVersion": 2,
            "choices": ["World", "Business"],
            "prediction": {"labels": ["Business"], "scores": [0.2, 0.8], "certainty": 0.8, "modelVersion": 2},
        }
    )
    assert q.choices == ("World", "Business") and q.candidates == ()
    assert q.prediction == Prediction(("Business",), (0.2, 0.8), 0.8, 2) and q.review is None
    unpredicted = Question.from_json({**_question_json(), "choices": ["a", "b"], "prediction": None})
    assert unpredicted.prediction is None
    record = AnswerRecord.from_json(
        {
            "answerId": "a",
            "questionId": "q",
            "queryId": 3,
            "queryIndex": 3,
            "candidateIds": [],
            "relevantIds": [],
            "ignored": False,
            "modelVersion": 1,
            "annotator": "me",
            "time": "2026-01-01T00:00:00Z",
            "undone": False,
            "labels": ["Sports"],
            "acceptedPrediction": True,
            "excluded": False,
        }
    )
    assert (record.labels, record.accepted_prediction, record.excluded) == (("Sports",), True, False)
    machine = MachineLabelRecord.from_json(
        {"itemId": "x", "index": 7, "text": "t", "labels": ["World"], "score": 0.95, "modelVersion": 4}
    )
    assert (machine.item_id, machine.index, machine.labels, machine.score) == ("x", 7, ("World",), 0.95)
    progress = Progress.from_json(
        {
            **dict.fromkeys(
                ("done", "positive", "negative", "ignored", "modelVersion", "itemCount", "loadedItems"), 0
            ),
            "machineLabels": 5,
            "autoAcceptOpen": False,
            "excluded": 2,
            "sinceUpdate": 3,
        }
    )
    assert (progress.machine_labels, progress.auto_accept_open, progress.excluded, progress.since_update) == (
        5,
        False,
        2,
        3,
    )


def _question_json() -> dict:
    return {"id": "q", "sessionId": "s", "query": {"id": 0, "index": 0}, "candidates": [], "modelVersion": 0}


def test_classification_config_round_trips_and_sends_null_for_auto_accept_off() -> None:
    config = SessionConfig(
        name="n",
        task="classification",
        labels=("World", "Sports"),
        multi_label=False,
        certainty_threshold=0.9,
        uncertainty="entropy",
        diversity_weight=0.2,
    )
    wire = config.to_json()
    assert (wire["task"], wire["labels"], wire["multiLabel"], wire["certaintyThreshold"]) == (
        "classification",
        ["World", "Sports"],
        False,
        0.9,
    )
    assert (wire["uncertainty"], wire["diversityWeight"]) == ("entropy", 0.2)
    assert SessionConfig.from_json(wire) == config
    off = SessionConfig(name="n", task="classification", labels=("a", "b"), certainty_threshold=CERTAINTY_OFF)
    assert "certaintyThreshold" in off.to_json() and off.to_json()["certaintyThreshold"] is None
    assert SessionConfig.from_json(off.to_json()) == off
    assert "certaintyThreshold" not in SessionConfig(name="n").to_json()


def test_classifier_head_round_trip_and_shape_errors() -> None:
    wire = {
        "format": "tunelab-classifier-head/1",
        "labels": ["a", "b"],
        "numClasses": 2,
        "dim": 3,
        "modelVersion": 1,
        "kernel": [[1, 0], [0, 1], [0, 0]],
        "bias": [0, 0],
        "labelled": [True, False],
        "mix": [0.5, 0.5],
        "multiLabel": False,
    }
    head = ClassifierHead.from_json(wire)
    assert head.to_json() == {**wire, "kernel": [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], "bias": [0.0, 0.0]}
    with pytest.raises(ValueError, match="kernel must be 3 rows of 2 values"):
        ClassifierHead.from_json({**wire, "kernel": [[1, 0], [0, 1]]})
    with pytest.raises(ValueError, match="mix has 1 entries, numClasses is 2"):
        ClassifierHead.from_json({**wire, "mix": [0.5]})
    with pytest.raises(ValueError, match="format 'other/1'"):
        ClassifierHead.from_json({**wire, "format": "other/1"})
