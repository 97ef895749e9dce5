"""PyTorch baseline for bench/engine/bertTrain.ts: all-MiniLM-L6-v2 training steps per second.

The same step as the sidecar's, per training mode: InfoNCE with in-batch negatives (scale 20, as
sentence-transformers' MultipleNegativesRankingLoss) over `--batch` (anchor, positive) pairs of
Banking77 texts (2·batch distinct texts a step), Adam 1e-4. Modes: `adapter` (a 384→384 linear head
+ L2 normalisation over precomputed embeddings, the encoder frozen), `top-2` (the encoder's top two
layers train; the lower ones run without gradients), `full` (every weight). Steps per second over
`--steps` steps after one warm-up step, with one thread (what the wasm backend has) and PyTorch's
default threads.

Usage: python bench/baselines/torch_train_minilm.py [--batch 16] [--steps 5] [--texts 64] [--smoke]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "fixtures"))
from bert_reference import banking_texts, minilm_path

SCALE = 20.0


def mnrl(anchors: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    scores = SCALE * anchors @ positives.T
    return F.cross_entropy(scores, torch.arange(len(anchors)))


def steps_per_second(model, texts: list[str], mode: str, batch: int, steps: int) -> float:
    from sentence_transformers import SentenceTransformer

    assert isinstance(model, SentenceTransformer)
    bert = model[0].auto_model
    if mode == "adapter":
        with torch.no_grad():
            cached = model.encode(texts, batch_size=32, convert_to_tensor=True)
        head = torch.nn.Linear(cached.shape[1], cached.shape[1])
        params = list(head.parameters())

        def embed(rows: list[int]) -> torch.Tensor:
            return F.normalize(head(cached[rows]), dim=-1)
    else:
        top = {
            f"encoder.layer.{i}."
            for i in range(bert.config.num_hidden_layers - 2, bert.config.num_hidden_layers)
        }
        for name, p in bert.named_parameters():
            p.requires_grad = mode == "full" or any(name.startswith(t) for t in top)
        params = [p for p in model.parameters() if p.requires_grad]

        def embed(rows: list[int]) -> torch.Tensor:
            features = model.tokenize([texts[r] for r in rows])
            return F.normalize(model(features)["sentence_embedding"], dim=-1)

    optimizer = torch.optim.Adam(params, lr=1e-4)
    model.train()

    def step(k: int) -> None:
        # 2·batch distinct texts a step, as the sidecar's shuffled (anchor, positive) pairs.
        start = (k * 2 * batch) % (len(texts) - 2 * batch + 1)
        emb = embed(list(range(start, start + 2 * batch)))
        loss = mnrl(emb[:batch], emb[batch:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step(0)
    t0 = time.perf_counter()
    for k in range(1, steps + 1):
        step(k)
    return steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--texts", type=int, default=64)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    steps = 1 if args.smoke else args.steps
    from sentence_transformers import SentenceTransformer

    texts = banking_texts(args.texts)
    default_threads = torch.get_num_threads()
    out: dict[str, object] = {"model": str(minilm_path()), "batch": args.batch, "steps": steps}
    # A smoke run checks the script works: one thread setting is enough.
    for threads in [1] if args.smoke else sorted({1, default_threads}):
        torch.set_num_threads(threads)
        for mode in ("adapter", "top-2", "full"):
            model = SentenceTransformer(str(minilm_path()), device="cpu")
            out[f"torch_{mode}_threads_{threads}"] = steps_per_second(model, texts, mode, args.batch, steps)
    out["torch_default_threads"] = default_threads
    print(json.dumps(out))


if __name__ == "__main__":
    main()
