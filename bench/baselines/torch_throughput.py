"""PyTorch baseline for bench/engine/engine-bench.ts: the same training step, measured the same way.

MLP 384 → 512 (ReLU) → 256 → L2 normalisation, InfoNCE with in-batch negatives (scale 20, as
multipleNegativesRankingLoss), batch 256, Adam 1e-3, fixed random inputs; steps per second over
`--seconds` after three warm-up steps. Measured twice: with PyTorch's default threads (every core, as
users run it) and with one thread (what the wasm backend has).

Usage: python bench/baselines/torch_throughput.py [--seconds 5] [--smoke] [--out file.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
import torch.nn.functional as F

BATCH = 256


def steps_per_second(seconds: float) -> float:
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(384, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    anchors = torch.randn(BATCH, 384)
    positives = anchors + 0.3 * torch.randn(BATCH, 384)
    labels = torch.arange(BATCH)

    def step() -> None:
        optimizer.zero_grad()
        a = F.normalize(model(anchors), dim=-1)
        p = F.normalize(model(positives), dim=-1)
        loss = F.cross_entropy(a @ p.T * 20.0, labels)
        loss.backward()
        optimizer.step()
        loss.item()

    for _ in range(3):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent.parent / "results" / "torch-throughput.json"
    )
    args = parser.parse_args()
    seconds = args.seconds if args.seconds is not None else (0.5 if args.smoke else 5.0)
    default_threads = torch.get_num_threads()
    rate = steps_per_second(seconds)
    torch.set_num_threads(1)
    one_thread = steps_per_second(seconds)
    torch.set_num_threads(default_threads)
    result = {
        "benchmark": "torch-throughput",
        "smoke": args.smoke,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "time": datetime.now(timezone.utc).isoformat(),
        "loadAverage1m": round(os.getloadavg()[0], 2),
        "what": f"PyTorch {torch.__version__} CPU, InfoNCE steps/s, MLP 384→512→256, batch {BATCH}, Adam",
        "seconds": seconds,
        "threads": default_threads,
        "stepsPerSecond": round(rate, 2),
        "stepsPerSecondOneThread": round(one_thread, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"torch-throughput: {rate:.2f} steps/s ({one_thread:.2f} on one thread); wrote {args.out}")


if __name__ == "__main__":
    main()
