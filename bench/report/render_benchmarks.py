"""Turns the benchmarks' JSON results into docs/benchmarks.md, docs/benchmarks.json and PNG plots.

Usage: python bench/report/render_benchmarks.py <results dir> <output dir>

Every figure in the page comes from the JSON files in <results dir> (written by the benchmarks through
bench/common/benchRun.ts); nothing is typed by hand. A result missing from the directory is reported as not
run, so a partial run still renders. `make bench` renders into docs/, `make bench-smoke` into a temp dir.
"""

from __future__ import annotations

import json
import statistics
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on CI machines
import matplotlib.pyplot as plt

Json = dict[str, Any]


def load_results(results: Path) -> dict[str, Json]:
    """Every `*.json` in the directory written by a benchmark (it carries a `benchmark` name)."""
    found: dict[str, Json] = {}
    for path in sorted(results.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "benchmark" in data:
            found[path.stem] = data
    return found


def mean_sd(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def save_plot(fig: Any, ax: Any, png: Path) -> None:
    """The plots' common finish: grid, legend, written as PNG and closed."""
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ label efficiency


Curves = dict[str, dict[int, dict[str, tuple[float, float]]]]


def efficiency_curves(result: Json) -> Curves:
    """method → answers → metric → (mean, sd) over seeds."""
    by_method: dict[str, dict[int, dict[str, list[float]]]] = {}
    for run in result.get("runs", []):
        method = run.get("method") or run.get("order", "?")
        for point in run["points"]:
            slot = by_method.setdefault(method, {}).setdefault(int(point["answers"]), {})
            for metric in ("knn", "map"):
                slot.setdefault(metric, []).append(float(point[metric]))
    return {
        method: {n: {m: mean_sd(v) for m, v in metrics.items()} for n, metrics in sorted(points.items())}
        for method, points in by_method.items()
    }


def efficiency_by_dataset(results: dict[str, Json]) -> dict[str, list[Json]]:
    """dataset → its label-efficiency results (Tunelab's methods first, then the Python baseline)."""
    grouped: dict[str, list[Json]] = {}
    for name, result in results.items():
        if result["benchmark"].startswith("label-efficiency"):
            grouped.setdefault(result.get("dataset", name), []).append(result)
    for group in grouped.values():
        group.sort(key=lambda r: "setfit" in r["benchmark"])
    return grouped


def cell(curves: Curves, method: str, n: int, metric: str) -> str:
    m = curves[method].get(n, {}).get(metric)
    return "—" if m is None else f"{m[0]:.3f} ± {m[1]:.3f}"


def efficiency_plot(curves: Curves, title: str, png: Path) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for method, points in curves.items():
        xs = list(points)
        ys = [points[n]["knn"][0] for n in xs]
        sd = [points[n]["knn"][1] for n in xs]
        (line,) = ax.plot(xs, ys, marker="o", label=method)
        low = [y - s for y, s in zip(ys, sd, strict=True)]
        high = [y + s for y, s in zip(ys, sd, strict=True)]
        ax.fill_between(xs, low, high, alpha=0.12, color=line.get_color())
        if 0 in points:
            ax.axhline(points[0]["knn"][0], linestyle=":", linewidth=1, color=line.get_color())
    # Budgets grow roughly geometrically (0, 10, 25, …, 200): a symlog axis spaces them evenly.
    budgets = sorted({n for points in curves.values() for n in points})
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xticks(budgets, [str(n) for n in budgets])
    ax.minorticks_off()
    ax.set_xlim(0, budgets[-1] * 1.1)
    ax.set_xlabel("answered questions")
    ax.set_ylabel("held-out kNN accuracy")
    ax.set_title(title[:80], fontsize=9)
    save_plot(fig, ax, png)


def label_efficiency_section(results: dict[str, Json], out: Path) -> str:
    parts = ["## 1. Label efficiency", ""]
    grouped = efficiency_by_dataset(results)
    if not grouped:
        return "\n".join([*parts, "Not run in this report.", ""])
    parts.append(
        "A simulated annotator marks a candidate relevant when it has the query's class. After each budget "
        "of answers the model embeds a held-out split; kNN accuracy (k = 10) and mAP@10 of held-out items "
        "retrieving pool items. Mean ± standard deviation over seeds; every method starts from the same draw "
        "and the same model, so its 0-answer row is the frozen base model (dotted lines in the plots)."
    )
    for dataset, group in grouped.items():
        curves: Curves = {}
        methods: dict[str, str] = {}
        for result in group:
            curves.update(efficiency_curves(result))
            methods.update(result.get("methods", {}))
        first = group[0]
        parts += ["", f"### {first.get('data', dataset)}", ""]
        for result in group:
            minutes = sum(r.get("seconds", 0) for r in result.get("runs", [])) / 60
            parts.append(
                f"- Model `{result.get('model', '?')}`, seeds: {result.get('seeds', '?')}, "
                f"{minutes:.0f} min: "
                + "; ".join(f"**{m}** {methods.get(m, '')}" for m in efficiency_curves(result))
            )
        budgets = sorted({n for points in curves.values() for n in points})
        for metric, label in (("knn", "kNN accuracy"), ("map", "mAP@10")):
            rows = [[str(n), *[cell(curves, m, n, metric) for m in curves]] for n in budgets]
            parts += ["", f"{label}:", "", table(["answers", *curves], rows)]
        png = out / f"benchmarks-label-efficiency-{dataset}.png"
        efficiency_plot(curves, str(first.get("data", dataset)), png)
        parts += ["", f"![label efficiency on {dataset}]({png.name})", ""]
    return "\n".join(parts)


def efficiency_behind(results: dict[str, Json]) -> list[str]:
    """Where a baseline beats Tunelab's active method at the largest budget both reached."""
    lines = []
    for dataset, group in efficiency_by_dataset(results).items():
        curves: Curves = {}
        for result in group:
            curves.update(efficiency_curves(result))
        active = curves.get("active")
        if not active:
            continue
        for method, points in curves.items():
            shared = sorted(set(points) & set(active))
            if method == "active" or not shared:
                continue
            n = shared[-1]
            ours, theirs = active[n]["knn"][0], points[n]["knn"][0]
            if theirs > ours:
                lines.append(
                    f"- Label efficiency on {dataset}: after {n} answers **{method}** reaches kNN "
                    f"{theirs:.3f}, Tunelab's active method {ours:.3f}."
                )
    return lines


# ------------------------------------------------------------------ classification


def classification_curves(result: Json) -> dict[str, dict[int, list[Json]]]:
    """method → labels → the seeds' points."""
    curves: dict[str, dict[int, list[Json]]] = {}
    for run in result.get("runs", []):
        for point in run["points"]:
            curves.setdefault(run["method"], {}).setdefault(int(point["labels"]), []).append(point)
    return curves


def classification_section(results: dict[str, Json], out: Path) -> str:
    parts = ["## 5. Classification", ""]
    found = [r for r in results.values() if r["benchmark"].startswith("classification-session")]
    if not found:
        return "\n".join([*parts, "Not run in this report.", ""])
    parts.append(
        'Classification sessions (`task="classification"`, bench/sidecar/classificationEfficiency.ts): a '
        "simulated annotator gives each asked item its true class, a round of `updateEvery` items at a time; "
        "after each budget the session's `model/predict` labels a held-out split. Mean ± standard deviation "
        "over seeds. Machine labels: pool items the certainty threshold auto-accepted at that point, and the "
        "share of them that were right (auto-accept stays off until confident predictions proved right)."
    )
    for result in found:
        curves = classification_curves(result)
        dataset = result.get("dataset", "?")
        minutes = sum(r.get("seconds", 0) for r in result.get("runs", [])) / 60
        parts += [
            "",
            f"### {result.get('data', dataset)}",
            "",
            f"- Model `{result.get('model', '?')}`, updateEvery {result.get('updateEvery', '?')}, seeds: "
            f"{result.get('seeds', '?')}, {minutes:.0f} min, chance {result.get('chance', 0):.2f}: "
            + "; ".join(f"**{m}** {d}" for m, d in result.get("methods", {}).items()),
            "",
        ]
        budgets = sorted({n for points in curves.values() for n in points})
        rows = []
        for n in budgets:
            row = [str(n)]
            for method in curves:
                points = curves[method].get(n, [])
                if not points:
                    row += ["—", "—"]
                    continue
                acc = mean_sd([p["accuracy"] for p in points])
                machine = sum(p["machineLabels"] for p in points)
                right = sum(p["machineCorrect"] for p in points)
                row += [
                    f"{acc[0]:.3f} ± {acc[1]:.3f}",
                    f"{machine / len(points):.0f}" + (f" ({right / machine:.0%} right)" if machine else ""),
                ]
            rows.append(row)
        header = ["labels"]
        for method in curves:
            header += [f"{method} accuracy", f"{method} machine labels"]
        parts += [table(header, rows), ""]
        png = out / f"benchmarks-classification-{dataset}.png"
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        for method, points in curves.items():
            xs = sorted(points)
            stats = [mean_sd([p["accuracy"] for p in points[n]]) for n in xs]
            (line,) = ax.plot(xs, [m for m, _ in stats], marker="o", label=method)
            ax.fill_between(
                xs, [m - s for m, s in stats], [m + s for m, s in stats], alpha=0.12, color=line.get_color()
            )
        ax.axhline(result.get("chance", 0), linestyle=":", linewidth=1, color="grey", label="chance")
        ax.set_xscale("log")
        ax.set_xticks(budgets, [str(n) for n in budgets])
        ax.minorticks_off()
        ax.set_xlabel("labels")
        ax.set_ylabel("held-out accuracy")
        ax.set_title(str(result.get("data", dataset))[:80], fontsize=9)
        save_plot(fig, ax, png)
        parts += [f"![classification on {dataset}]({png.name})", ""]
    return "\n".join(parts)


def classification_behind(results: dict[str, Json]) -> list[str]:
    """Where random queries beat active ones at the largest budget."""
    lines = []
    for result in results.values():
        if not result["benchmark"].startswith("classification-session"):
            continue
        curves = classification_curves(result)
        active, rand = curves.get("active", {}), curves.get("random", {})
        shared = sorted(set(active) & set(rand))
        if not shared:
            continue
        n = shared[-1]
        ours = mean_sd([p["accuracy"] for p in active[n]])[0]
        theirs = mean_sd([p["accuracy"] for p in rand[n]])[0]
        if theirs > ours:
            lines.append(
                f"- Classification on {result.get('dataset')}: after {n} labels random queries reach "
                f"accuracy {theirs:.3f}, Tunelab's active choice {ours:.3f}."
            )
    return lines


# ------------------------------------------------------------------ latency and memory


def latency_section(results: Json | None, out: Path) -> tuple[str, str]:
    latency = ["## 2. Interactive latency", ""]
    memory = ["## 4. Memory", ""]
    if results is None:
        return "\n".join([*latency, "Not run in this report.", ""]), "\n".join([*memory, "Not run.", ""])
    pools = results["pools"]
    latency += [
        f"Through the real socket path ({results['vectors']}). Baseline: {results['baseline']}; "
        "the ratio column divides by its median, measured during the same run's think time.",
        "",
        table(
            [
                "pool items",
                "submit → next p50 ms",
                "p95 ms",
                "p99 ms",
                "p50 / baseline scan",
                "answer → model live p50 ms",
            ],
            [
                [
                    f"{p['items']:,}",
                    fmt(p["submitToNextQuestion"]["p50"]),
                    fmt(p["submitToNextQuestion"]["p95"]),
                    fmt(p["submitToNextQuestion"]["p99"]),
                    fmt(p["submitToNextQuestion"]["p50OverBaselineScan"], 2),
                    fmt(p["answerToModelLive"]["p50"], 0),
                ]
                for p in pools
            ],
        ),
        "",
    ]
    png = out / "benchmarks-latency.png"
    fig, ax = plt.subplots(figsize=(6, 3.4))
    sizes = [p["items"] for p in pools]
    for key in ("p50", "p95", "p99"):
        ax.plot(
            sizes, [p["submitToNextQuestion"][key] for p in pools], marker="o", label=f"submit → next {key}"
        )
    ax.set_xscale("log")
    ax.set_xlabel("pool items")
    ax.set_ylabel("ms")
    save_plot(fig, ax, png)
    latency += [f"![latency]({png.name})", ""]
    memory += [
        "Resident memory of the sidecar process (its trainer worker included) once each pool is embedded.",
        "",
        table(
            ["pool items", "resident MiB", "over idle sidecar"],
            [
                [
                    f"{p['items']:,}",
                    fmt(p.get("residentMiB")),
                    fmt(p["residentMiB"] / results["idleResidentMiB"], 2)
                    if p.get("residentMiB") and results.get("idleResidentMiB")
                    else "—",
                ]
                for p in pools
            ],
        ),
        "",
        f"Idle sidecar: {fmt(results.get('idleResidentMiB'))} MiB.",
        "",
    ]
    return "\n".join(latency), "\n".join(memory)


# ------------------------------------------------------------------ throughput


def native_note(result: Json) -> list[str]:
    """Why the native ``tensorflow`` backend is missing from a table (``make native`` not run or failed)."""
    native = result.get("native")
    if not native or native.get("available"):
        return []
    return [f"Native `tensorflow` backend not measured: {native.get('reason', 'unknown reason')}", ""]


def embedding_lines(bert: Json | None) -> list[str]:
    if bert is None:
        return ["Pool embedding (all-MiniLM-L6-v2): not run in this report.", ""]
    torch_keys = sorted(
        {"torch_threads_1", max((k for k in bert if k.startswith("torch_threads_")), key=_threads)},
        key=_threads,
    )
    by_backend: dict[str, float] = bert.get("textsPerSecondByBackend") or {
        bert["backend"]: bert["tfjsTextsPerSecond"]
    }
    header = ["encoder", "texts/s", *(f"over PyTorch {_threads(k)} thread(s)" for k in torch_keys)]
    rows = [
        [f"Tunelab, TF.js `{name}`", fmt(rate), *(fmt(rate / bert[k], 2) for k in torch_keys)]
        for name, rate in by_backend.items()
    ]
    rows += [
        [
            f"sentence-transformers, PyTorch CPU, {_threads(k)} thread(s)",
            fmt(bert[k]),
            *("—" for _ in torch_keys),
        ]
        for k in torch_keys
    ]
    return [
        f"Pool embedding, the engine alone in one process: {bert['what']}, {bert['texts']} texts, same run.",
        "",
        table(header, rows),
        "",
        *native_note(bert),
        *pool_embedding_lines(bert.get("sidecarPool")),
    ]


def pool_embedding_lines(pool: Json | None) -> list[str]:
    """bench/engine/bertEmbed.ts's sidecarPool: the path a session's pool takes, against PyTorch."""
    if not pool:
        return []
    torch_keys = sorted((k for k in pool if k.startswith("torch_threads_")), key=_threads)
    plan = pool["plan"]
    header = ["encoder", "texts/s", *(f"over PyTorch {_threads(k)} thread(s)" for k in torch_keys)]
    rows = [
        [
            f"Tunelab sidecar, `{name}`, {plan['streams']} encoder process(es) of "
            f"{plan['intraOpThreads']} thread(s)",
            fmt(rate),
            *(fmt(rate / pool[k], 2) for k in torch_keys),
        ]
        for name, rate in pool["textsPerSecondByBackend"].items()
    ]
    rows += [
        [
            f"sentence-transformers, PyTorch CPU, {_threads(k)} thread(s)",
            fmt(pool[k]),
            *("—" for _ in torch_keys),
        ]
        for k in torch_keys
    ]
    memory = "; ".join(
        f"`{name}` " + " + ".join(fmt(m) for m in mib) + " MiB"
        for name, mib in pool.get("encoderMemoryMiB", {}).items()
        if mib
    )
    return [
        f"Pool embedding as a session gets it: {pool['what']}, {pool['texts']} Banking77 texts, same run. "
        "Best of the rounds on each side, after a warm-up.",
        "",
        table(header, rows),
        "",
        *(
            [
                f"Memory of the encoder processes (proportional set size: the library pages they share "
                f"are split between them): {memory}.",
                "",
            ]
            if memory
            else []
        ),
    ]


def _threads(key: str) -> int:
    return int(key.rsplit("_", 1)[1])


def over_torch(steps: Json, torch_rate: float) -> str:
    """Tunelab's training steps/s over PyTorch's: patched wasm, and native tensorflow when measured."""
    text = fmt(steps["patched"] / torch_rate, 2) + " (Tunelab wasm / PyTorch)"
    if "tensorflow" in steps:
        text += ", " + fmt(steps["tensorflow"] / torch_rate, 2) + " (tensorflow / PyTorch)"
    return text


TRAINING_MODES = (
    ("adapter", "adapter (linear head, encoder frozen)"),
    ("top-2", "top 2 layers"),
    ("full", "full fine-tune"),
)


def training_mode_lines(train: Json | None) -> list[str]:
    """bench/engine/bertTrain.ts: MiniLM steps/s per training mode against PyTorch; tolerant of gaps."""
    if train is None:
        return ["Encoder training modes (all-MiniLM-L6-v2): not run in this report.", ""]
    by_backend = {f"TF.js `{train.get('backend', '?')}`": train.get("tfjsStepsPerSecond") or {}}
    if train.get("tensorflowStepsPerSecond"):
        by_backend["native `tensorflow`"] = train["tensorflowStepsPerSecond"]
    torch = train.get("torch") or {}
    threads = torch.get("torch_default_threads")
    rows = []
    for backend, tfjs in by_backend.items():
        for mode, label in TRAINING_MODES:
            ours = tfjs.get(mode)
            one = torch.get(f"torch_{mode}_threads_1")
            many = torch.get(f"torch_{mode}_threads_{threads}") if threads else None
            rows.append(
                [
                    f"{label}, {backend}",
                    fmt(ours, 3),
                    fmt(one, 3),
                    fmt(ours / one, 2) if ours and one else "—",
                    fmt(many, 3),
                    fmt(ours / many, 2) if ours and many else "—",
                ]
            )
    return [
        f"Encoder training: {train.get('what', '')}, {train.get('batchPairs', '?')} pairs "
        f"({train.get('textsPerStep', '?')} texts) a step, Tunelab's trainer against "
        "sentence-transformers/PyTorch CPU doing the same step, same run.",
        "",
        table(
            [
                "mode",
                "Tunelab steps/s",
                "PyTorch 1 thread",
                "Tunelab / PyTorch 1",
                f"PyTorch {threads or '?'} threads",
                f"Tunelab / PyTorch {threads or '?'}",
            ],
            rows,
        ),
        "",
        *native_note(train),
    ]


def training_modes_behind(train: Json | None) -> list[str]:
    """Training modes slower than PyTorch on its default threads, per backend measured."""
    if train is None:
        return []
    torch = train.get("torch") or {}
    threads = torch.get("torch_default_threads")
    lines = []
    for key, backend in (
        ("tfjsStepsPerSecond", train.get("backend", "?")),
        ("tensorflowStepsPerSecond", "tensorflow"),
    ):
        for mode, label in TRAINING_MODES:
            ours, theirs = (train.get(key) or {}).get(mode), torch.get(f"torch_{mode}_threads_{threads}")
            if ours and theirs and ours < theirs:
                ratio = ours / theirs
                lines.append(
                    f"- MiniLM training, {label} on `{backend}`: {ratio:.2f}x PyTorch on {threads} threads."
                )
    return lines


def throughput_section(
    engine: Json | None, store: Json | None, torch: Json | None, bert: Json | None, train: Json | None = None
) -> str:
    parts = ["## 3. Throughput", ""]
    if engine is not None:
        steps = engine["stepsPerSecond"]
        parts += [
            f"Training: {engine['what']} on `{engine['backend']}`. Baseline: {engine['baseline']}.",
            "",
            table(
                ["variant", "steps/s", "ratio"],
                [
                    ["wasm, stock kernels", fmt(steps["unpatched"], 2), "1.00"],
                    [
                        "wasm, Tunelab's transposing kernels",
                        fmt(steps["patched"], 2),
                        fmt(engine["patchedOverUnpatched"], 2),
                    ],
                ]
                + (
                    [
                        [
                            "native `tensorflow` (make native)",
                            fmt(steps["tensorflow"], 2),
                            fmt(steps["tensorflow"] / steps["unpatched"], 2),
                        ]
                    ]
                    if "tensorflow" in steps
                    else []
                )
                + (
                    [
                        [
                            f"PyTorch CPU, {torch['threads']} threads (default)",
                            fmt(torch["stepsPerSecond"], 2),
                            over_torch(steps, torch["stepsPerSecond"]),
                        ],
                        [
                            "PyTorch CPU, 1 thread (as wasm)",
                            fmt(torch["stepsPerSecondOneThread"], 2),
                            over_torch(steps, torch["stepsPerSecondOneThread"]),
                        ],
                    ]
                    if torch
                    else []
                ),
            ),
            "",
        ]
        parts += native_note(engine)
        if torch is None:
            parts += ["PyTorch was not measured in this run, so there is no ratio against it yet.", ""]
    else:
        parts += ["Training throughput: not run in this report.", ""]
    parts += embedding_lines(bert)
    parts += training_mode_lines(train)
    if store is not None:
        one, batched = store["onePerTransaction"], store["batched"]
        parts += [
            f"Label store: {store['what']}. Baseline: {store['baseline']['what']} "
            f"({fmt(store['baseline']['perSecond'], 0)}/s).",
            "",
            table(
                ["writes", "answers/s", "over baseline"],
                [
                    [
                        "one answer per transaction (labeling)",
                        fmt(one["answersPerSecond"], 0),
                        fmt(one["overBaseline"], 2),
                    ],
                    [
                        f"batches of {batched['batchSize']} (import)",
                        fmt(batched["answersPerSecond"], 0),
                        fmt(batched["overBaseline"], 2),
                    ],
                ],
            ),
            "",
        ]
    return "\n".join(parts)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


#: What `make bench-throughput` re-runs (the Makefile's timing_benchmarks).
TIMING_BENCHMARKS = {
    "engine-throughput",
    "bert-embed",
    "bert-train",
    "torch-throughput",
    "store-throughput",
    "latency",
}


def wall_time_line(results_dir: Path, results: dict[str, Json]) -> str:
    """How long the run took: from `started-at` (written by the Makefile) to the last result written; when
    `make bench-throughput` has re-run the timing benchmarks since (`timing-started-at`), both parts."""
    stamp = results_dir / "started-at"
    if not stamp.is_file():
        return ""
    started = parse_time(stamp.read_text())
    rerun_stamp = results_dir / "timing-started-at"
    rerun = parse_time(rerun_stamp.read_text()) if rerun_stamp.is_file() else None
    if rerun is not None and rerun <= started:
        rerun = None

    def finished(timing: bool | None) -> datetime | None:
        times = [
            parse_time(r["time"])
            for r in results.values()
            if isinstance(r.get("time"), str)
            and (timing is None or (r.get("benchmark") in TIMING_BENCHMARKS) == timing)
        ]
        return max(times) if times else None

    full_end = finished(None if rerun is None else False)
    if full_end is None:
        return ""
    minutes = (full_end - started).total_seconds() / 60
    line = (
        f"This run took {minutes:.0f} min of wall time on this machine "
        f"({started:%Y-%m-%d %H:%M} to {full_end:%H:%M} UTC: from the first benchmark starting to the last "
        "result, install and build not counted).\n"
    )
    rerun_end = finished(True) if rerun is not None else None
    if rerun is None or rerun_end is None:
        return line
    return line.replace("This run", "The full run (`make bench`)", 1) + (
        f"\nThe timing benchmarks (latency, throughput, pool embedding, training modes, memory) were re-run "
        f"since with `make bench-throughput`: {rerun:%Y-%m-%d %H:%M} to {rerun_end:%H:%M} UTC "
        f"({(rerun_end - rerun).total_seconds() / 60:.0f} min). Their figures are from that run; label "
        "efficiency and classification are from the full run.\n"
    )


def machine_lines(results: dict[str, Json]) -> str:
    # The Node benchmarks' machine record is the complete one (bench/common/benchRun.ts).
    machine = next((r["machine"] for r in results.values() if "node" in r.get("machine", {})), {})
    backends = sorted(
        {str(r.get("backend")) for r in results.values() if r.get("backend")}
        | {"tensorflow" for r in results.values() if (r.get("native") or {}).get("available")}
    )
    return "\n".join(
        [
            "## Machine",
            "",
            table(
                ["cpu", "cores", "memory GiB", "node", "platform", "TF.js backends"],
                [
                    [
                        str(machine.get("cpu", "?")),
                        str(machine.get("cores", "?")),
                        str(machine.get("memoryGiB", "?")),
                        str(machine.get("node", "?")),
                        str(machine.get("platform", "?")),
                        ", ".join(backends) or "?",
                    ]
                ],
            ),
            "",
        ]
    )


#: Response times under this feel instant (the usual 0.1 s limit).
INSTANT_MS = 100


def behind_section(by_bench: dict[str, Json], results: dict[str, Json]) -> str:
    """Every comparison with a PyTorch tool that Tunelab loses, and how busy the machine was."""
    lines = ["## Where Tunelab is behind", ""]
    lines += efficiency_behind(results)
    lines += classification_behind(results)
    engine, torch, bert = (by_bench.get(k) for k in ("engine-throughput", "torch-throughput", "bert-embed"))
    if engine and torch:
        for key, what in (
            ("stepsPerSecondOneThread", "1 thread"),
            ("stepsPerSecond", f"{torch['threads']} threads"),
        ):
            ratio = engine["stepsPerSecond"]["patched"] / torch[key]
            if ratio < 1:
                lines.append(f"- Training steps/s: {ratio:.2f}x PyTorch on {what} (wasm runs on one core).")
    if engine and torch and "tensorflow" in engine["stepsPerSecond"]:
        for key, what in (
            ("stepsPerSecondOneThread", "1 thread"),
            ("stepsPerSecond", f"{torch['threads']} threads"),
        ):
            ratio = engine["stepsPerSecond"]["tensorflow"] / torch[key]
            if ratio < 1:
                lines.append(f"- Training steps/s on native `tensorflow`: {ratio:.2f}x PyTorch on {what}.")
    if bert:
        by_backend = bert.get("textsPerSecondByBackend") or {bert["backend"]: bert["tfjsTextsPerSecond"]}
        best = {name: rate for name, rate in by_backend.items() if "stock" not in name}
        for key in sorted((k for k in bert if k.startswith("torch_threads_")), key=_threads):
            for name, rate in best.items():
                ratio = rate / bert[key]
                if ratio < 1:
                    lines.append(
                        f"- MiniLM embedding by the engine alone (one process) on `{name}`: {ratio:.2f}x "
                        "sentence-transformers "
                        f"on {_threads(key)} thread(s)."
                    )
        pool = bert.get("sidecarPool") or {}
        for key in sorted((k for k in pool if k.startswith("torch_threads_")), key=_threads):
            for name, rate in pool["textsPerSecondByBackend"].items():
                ratio = rate / pool[key]
                if ratio < 1:
                    lines.append(
                        f"- Sidecar pool embedding on `{name}`: {ratio:.2f}x sentence-transformers "
                        f"on {_threads(key)} thread(s)."
                    )
    lines += training_modes_behind(by_bench.get("bert-train"))
    latency = by_bench.get("latency")
    if latency:
        for pool in latency["pools"]:
            submit = pool["submitToNextQuestion"]
            if submit["p99"] > INSTANT_MS:
                lines.append(
                    f"- At {pool['items']:,} items the slowest submit → next (p99 {fmt(submit['p99'])} ms) "
                    f"is over {INSTANT_MS} ms, the limit for feeling instant."
                )
    if len(lines) == 2:
        lines.append("- Nothing measured in this run.")
    loads = {
        name: r.get("loadAverage1m") for name, r in by_bench.items() if r.get("loadAverage1m") is not None
    }
    if loads:
        busiest = max(loads.values())
        cores = int(machine_cores(by_bench)) if machine_cores(by_bench).isdigit() else 1
        lines += [
            "",
            "Load average (1 min) when each benchmark finished: "
            + ", ".join(f"{name} {value:.1f}" for name, value in sorted(loads.items()))
            + (
                f". Above {cores} the machine was busy with other work, which slows both sides of a ratio."
                if busiest > cores
                else "."
            ),
        ]
    return "\n".join([*lines, ""])


def machine_cores(by_bench: dict[str, Json]) -> str:
    return str(next((r["machine"].get("cores") for r in by_bench.values() if "machine" in r), "?"))


def render(results_dir: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    results = load_results(results_dir)
    by_bench = {r["benchmark"]: r for r in results.values()}
    smoke = any(r.get("smoke") for r in results.values())
    latency, memory = latency_section(by_bench.get("latency"), out)
    page = "\n".join(
        [
            "# Benchmarks",
            "",
            "Generated by `make bench` (bench/report/render_benchmarks.py) from the JSON in "
            "[benchmarks.json](benchmarks.json); do not edit by hand. Figures are from the machine below, "
            "in the run(s) stated under it; read them as ratios against the baseline measured in the same "
            "run.",
            "",
            *(["**Smoke run: tiny sizes, figures are not meaningful.**", ""] if smoke else []),
            machine_lines(results),
            wall_time_line(results_dir, results),
            label_efficiency_section(results, out),
            latency,
            throughput_section(
                by_bench.get("engine-throughput"),
                by_bench.get("store-throughput"),
                by_bench.get("torch-throughput"),
                by_bench.get("bert-embed"),
                by_bench.get("bert-train"),
            ),
            memory,
            classification_section(results, out),
            behind_section(by_bench, results),
        ]
    )
    (out / "benchmarks.json").write_text(json.dumps({"smoke": smoke, "results": results}, indent=2) + "\n")
    page_file = out / "benchmarks.md"
    page_file.write_text(page.rstrip() + "\n")
    return page_file


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    results_dir, out = Path(argv[1]), Path(argv[2])
    if not results_dir.is_dir():
        print(f"no results directory {results_dir}", file=sys.stderr)
        return 2
    print(f"wrote {render(results_dir, out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
