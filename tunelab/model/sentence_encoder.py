"""``SentenceEncoderModel``: a sentence-transformers directory (BERT family) run with numpy.

Reads the modules sentence-transformers would (``modules.json``): Transformer (a Hugging Face
``BertModel`` + its tokenizer), Pooling (mean, cls or max), Dense layers and Normalize, and encodes
texts without torch: tokens from the ``tokenizers`` library (the Rust tokenizer sentence-transformers
itself runs through transformers), the forward pass from ``bert.NumpyBert``. This is what the sidecar's
export (``writeSentenceTransformerDir``) writes, and also what stock models such as all-MiniLM-L6-v2 are.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .bert import BertConfig, NumpyBert, read_json, read_safetensors

POOLING_MODES = ("mean", "cls", "max")
# Legacy boolean keys of a Pooling config (sentence-transformers < 6) and their mode names.
_LEGACY_POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
# Dense activations by the class path sentence-transformers saves (torch.nn modules).
_DENSE_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "torch.nn.modules.linear.Identity": lambda x: x,
    "torch.nn.modules.activation.Tanh": np.tanh,
    "torch.nn.modules.activation.ReLU": lambda x: np.maximum(x, 0),
    "torch.nn.modules.activation.Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
}
# sentence-transformers' Dense default when a config names no activation.
_DEFAULT_DENSE_ACTIVATION = "torch.nn.modules.activation.Tanh"


@dataclass(frozen=True)
class _Dense:
    weight_t: np.ndarray  # [in, out]
    bias: np.ndarray | None
    activation: Callable[[np.ndarray], np.ndarray]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        y = x @ self.weight_t
        if self.bias is not None:
            y += self.bias
        return self.activation(y)


def _normalize(x: np.ndarray) -> np.ndarray:
    # torch.nn.functional.normalize: x / max(||x||, 1e-12).
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), np.float32(1e-12))


def _pooling_mode(file: Path) -> str:
    cfg = read_json(file)
    mode: Any = cfg.get("pooling_mode")
    if mode is None:
        mode = [m for key, m in _LEGACY_POOLING_KEYS.items() if cfg.get(key) is True] or ["mean"]
    modes = [mode] if isinstance(mode, str) else list(mode)
    if len(modes) != 1 or modes[0] not in POOLING_MODES:
        raise ValueError(f"{file}: pooling {modes} is not supported (one of {', '.join(POOLING_MODES)})")
    return str(modes[0])


def _pool(tokens: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    if mode == "cls":
        return tokens[:, 0]
    m = mask[:, :, None].astype(np.float32)
    if mode == "max":
        return np.where(m > 0, tokens, np.float32(-1e9)).max(axis=1)
    return (tokens * m).sum(axis=1) / np.maximum(m.sum(axis=1), np.float32(1e-9))


def _dense(directory: Path, in_features: int) -> _Dense:
    file = directory / "config.json"
    cfg = read_json(file)
    try:
        n_in, n_out = int(cfg["in_features"]), int(cfg["out_features"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{file}: in_features and out_features must be integers") from None
    if n_in != in_features:
        raise ValueError(f"{file}: in_features is {n_in}, but the previous module outputs {in_features}")
    if cfg.get("use_residual"):
        raise ValueError(f"{file}: use_residual Dense layers are not supported")
    name = str(cfg.get("activation_function") or _DEFAULT_DENSE_ACTIVATION)
    if name not in _DENSE_ACTIVATIONS:
        raise ValueError(
            f"{file}: activation_function {name!r} is not supported ({', '.join(_DENSE_ACTIVATIONS)})"
        )
    weights_file = directory / "model.safetensors"
    tensors = read_safetensors(weights_file)
    weight = tensors.get("linear.weight")
    if weight is None or weight.shape != (n_out, n_in):
        got = "missing" if weight is None else f"shape {list(weight.shape)}"
        raise ValueError(f"{weights_file}: 'linear.weight' must have shape [{n_out}, {n_in}], is {got}")
    bias = tensors.get("linear.bias") if cfg.get("bias", True) else None
    if cfg.get("bias", True) and (bias is None or bias.shape != (n_out,)):
        raise ValueError(f"{weights_file}: 'linear.bias' must have shape [{n_out}]")
    return _Dense(np.ascontiguousarray(weight.T), bias, _DENSE_ACTIVATIONS[name])


def _max_length(root: Path, config: BertConfig) -> int:
    """sentence-transformers' max_seq_length: sentence_bert_config.json, else tokenizer and model limits."""
    st = root / "sentence_bert_config.json"
    if st.is_file():
        value = read_json(st).get("max_seq_length")
        if isinstance(value, int) and value > 0:
            return min(value, config.max_position_embeddings)
    tok = root / "tokenizer_config.json"
    limit = read_json(tok).get("model_max_length") if tok.is_file() else None
    positions = config.max_position_embeddings
    return min(int(limit), positions) if isinstance(limit, (int, float)) and limit > 0 else positions


def _tokenizer(root: Path, max_length: int) -> Any:
    """A ``tokenizers.Tokenizer`` truncating to ``max_length`` tokens, special tokens included."""
    from tokenizers import Tokenizer
    from tokenizers.implementations import BertWordPieceTokenizer

    json_file, vocab_file = root / "tokenizer.json", root / "vocab.txt"
    if json_file.is_file():
        try:
            tokenizer: Any = Tokenizer.from_file(str(json_file))
        except Exception as err:  # the Rust library raises plain Exception
            raise ValueError(f"{json_file} cannot be read as a tokenizer: {err}") from None
    elif vocab_file.is_file():
        # The legacy layout, built the way transformers converts a BertTokenizer.
        cfg_file = root / "tokenizer_config.json"
        cfg = read_json(cfg_file) if cfg_file.is_file() else {}
        tokenizer = BertWordPieceTokenizer(
            str(vocab_file),
            clean_text=True,
            handle_chinese_chars=cfg.get("tokenize_chinese_chars", True) is not False,
            strip_accents=cfg.get("strip_accents"),
            lowercase=cfg.get("do_lower_case", True) is not False,
        )
    else:
        raise ValueError(f"{root} has neither tokenizer.json nor vocab.txt")
    # Settings stored in tokenizer.json are replaced, as sentence-transformers does with max_seq_length.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


class SentenceEncoderModel:
    """A BERT-family sentence-transformers model, encoding texts with numpy (no torch).

    ``encode(texts)`` gives what ``SentenceTransformer(path).encode(texts)`` gives (cosine ≥ 0.9999);
    ``save(path)`` copies the directory, which ``load_sentence_encoder`` (or sentence-transformers) reads.
    """

    def __init__(self, path: str | os.PathLike[str]):
        root = Path(path)
        if not root.is_dir():
            raise ValueError(f"model directory {root} does not exist")
        modules_file = root / "modules.json"
        if not modules_file.is_file():
            raise ValueError(f"{modules_file} is missing: {root} is not a sentence-transformers directory")
        modules = _read_modules(modules_file)
        first = modules[0]
        if not str(first.get("type", "")).endswith(".Transformer"):
            raise ValueError(
                f"{modules_file}: the first module must be a Transformer, not {first.get('type')!r}"
            )
        encoder_dir = root / str(first.get("path", ""))
        self.path = root
        self.config = BertConfig.read(encoder_dir / "config.json")
        weights_file = encoder_dir / "model.safetensors"
        self._bert = NumpyBert(self.config, read_safetensors(weights_file), weights_file)
        #: Longest token sequence fed to the encoder, special tokens included.
        self.max_length = _max_length(encoder_dir, self.config)
        st_config = encoder_dir / "sentence_bert_config.json"
        self._lowercase = st_config.is_file() and read_json(st_config).get("do_lower_case") is True
        self._tokenizer = _tokenizer(encoder_dir, self.max_length)
        self.pooling = "mean"
        self._head: list[Callable[[np.ndarray], np.ndarray]] = []
        dim = self.config.hidden_size
        for m in modules[1:]:
            kind = str(m.get("type", "")).rsplit(".", 1)[-1]
            where = root / str(m.get("path", ""))
            _check_sentence_embedding_io(where / "config.json")
            if kind == "Pooling":
                if self._head:
                    raise ValueError(f"{modules_file}: Pooling must come right after the Transformer")
                self.pooling = _pooling_mode(where / "config.json")
            elif kind == "Dense":
                layer = _dense(where, dim)
                self._head.append(layer)
                dim = layer.weight_t.shape[1]
            elif kind == "Normalize":
                self._head.append(_normalize)
            else:
                raise ValueError(
                    f"{modules_file}: module {m.get('type')!r} is not supported "
                    "(Transformer, Pooling, Dense, Normalize)"
                )
        self._dim = dim
        self.normalized = bool(self._head) and self._head[-1] is _normalize
        tunelab_json = root / "tunelab.json"
        #: ``tunelab.json`` of a Tunelab export (empty for other models).
        self.info: dict[str, Any] = read_json(tunelab_json) if tunelab_json.is_file() else {}

    # ------------------------------------------------------------ properties

    @property
    def dim(self) -> int:
        """Width of the embeddings."""
        return self._dim

    @property
    def output_dim(self) -> int:
        """Same as ``dim`` (``TunedModel``'s name)."""
        return self._dim

    @property
    def content_type(self) -> str:
        return "text"

    @property
    def model_version(self) -> int:
        """Training rounds of a Tunelab export (``tunelab.json`` metadata ``modelVersion``), else 0."""
        try:
            return int(self.info.get("metadata", {}).get("modelVersion", 0))
        except (TypeError, ValueError):
            return 0

    # ------------------------------------------------------------ use

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text, truncated to ``max_length`` (special tokens included)."""
        if self._lowercase:
            texts = [t.lower() for t in texts]
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Any, batch_size: int = 32) -> np.ndarray:
        """Embeds ``texts`` (a string, or a list / Series / any text container ``tunelab.label`` takes).

        Returns float32 ``[len(texts), dim]``, rows in input order. Texts run longest first in batches
        that also close when the next text is under half the longest, so a few long texts do not pad
        many short ones; padding is masked, so batching changes only the time, not the numbers.
        """
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        rows = self._texts(texts)
        out = np.zeros((len(rows), self._dim), dtype=np.float32)
        if not rows:
            return out
        ids = self.tokenize(rows)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        start = 0
        while start < len(order):
            longest = len(ids[order[start]])
            end = start + 1
            while end < len(order) and end - start < batch_size and 2 * len(ids[order[end]]) >= longest:
                end += 1
            batch = order[start:end]
            input_ids = np.zeros((len(batch), longest), dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=np.int64)
            for j, i in enumerate(batch):
                input_ids[j, : len(ids[i])] = ids[i]
                mask[j, : len(ids[i])] = 1
            out[batch] = self._embed(input_ids, mask)
            start = end
        return out

    def _embed(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        x = _pool(self._bert(input_ids, mask), mask, self.pooling)
        for stage in self._head:
            x = stage(x)
        return x.astype(np.float32, copy=False)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Copies the model directory to ``path`` (atomically: a temporary sibling renamed into place)."""
        target = Path(path).resolve()
        if target == self.path.resolve():
            return target
        if target.exists() and (
            not target.is_dir() or (any(target.iterdir()) and not (target / "modules.json").is_file())
        ):
            raise ValueError(f"{target} exists and is not a model directory; not replacing it")
        target.parent.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex[:8]
        tmp = target.parent / f".{target.name}.tmp-{tag}"
        old = target.parent / f".{target.name}.old-{tag}"
        try:
            shutil.copytree(self.path, tmp)
            # rename() cannot replace a non-empty directory: move the old one aside, put it back on failure.
            had_old = target.exists()
            if had_old:
                target.rename(old)
            try:
                tmp.rename(target)
            except OSError:
                if had_old:
                    old.rename(target)
                raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        return target

    def __repr__(self) -> str:
        dense = sum(isinstance(s, _Dense) for s in self._head)
        head = f" +{dense} dense" if dense else ""
        return (
            f"<tunelab.SentenceEncoderModel {self.path.name} bert {self.config.num_hidden_layers}x"
            f"{self.config.hidden_size} {self.pooling}{head} dim={self.dim} normalized={self.normalized}>"
        )

    # ------------------------------------------------------------ internals

    @staticmethod
    def _texts(items: Any) -> list[str]:
        if isinstance(items, str):
            return [items]
        if isinstance(items, (list, tuple)) and len(items) == 0:
            return []
        from ..data import prepare

        data = prepare(items, content_type="text")
        assert data.texts is not None
        return data.texts


def _check_sentence_embedding_io(file: Path) -> None:
    """Modules after pooling must read and write ``sentence_embedding`` (multi-vector models do not)."""
    cfg = read_json(file) if file.is_file() else {}
    for key in ("module_input_name", "module_output_name"):
        if cfg.get(key, "sentence_embedding") != "sentence_embedding":
            raise ValueError(f"{file}: {key} {cfg[key]!r} is not supported (only 'sentence_embedding')")


def _read_modules(file: Path) -> list[dict[str, Any]]:
    try:
        modules = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"{file} cannot be read as JSON: {err}") from None
    if not isinstance(modules, list) or not modules or not all(isinstance(m, dict) for m in modules):
        raise ValueError(f"{file} must hold a non-empty list of modules")
    return sorted(modules, key=lambda m: int(m.get("idx", 0)))


def load_sentence_encoder(path: str | os.PathLike[str]) -> SentenceEncoderModel:
    """Loads a sentence-transformers directory (BERT family) for numpy encoding."""
    return SentenceEncoderModel(path)
