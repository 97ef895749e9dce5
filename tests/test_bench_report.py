"""The benchmark page's account of when its figures were measured (bench/report/render_benchmarks.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench" / "report"))

from render_benchmarks import wall_time_line  # noqa: E402

RESULTS = {
    "label-efficiency-banking77.json": {"benchmark": "label-efficiency", "time": "2026-11-24T09:30:00Z"},
    "bert-embed.json": {"benchmark": "bert-embed", "time": "2026-11-24T08:50:00Z"},
}


def test_a_full_run_states_its_wall_time(tmp_path: Path) -> None:
    (tmp_path / "started-at").write_text("2026-11-24T08:40:00Z\n")
    line = wall_time_line(tmp_path, RESULTS)
    assert "This run took 50 min" in line
    assert "bench-throughput" not in line


def test_a_timing_rerun_is_told_apart_from_the_full_run(tmp_path: Path) -> None:
    (tmp_path / "started-at").write_text("2026-11-24T08:40:00Z\n")
    (tmp_path / "timing-started-at").write_text("2026-11-25T14:00:00Z\n")
    rerun = {**RESULTS, "bert-embed.json": {"benchmark": "bert-embed", "time": "2026-11-25T14:12:00Z"}}
    text = wall_time_line(tmp_path, rerun)
    # The full run ends with its last quality result, not with the re-run's timings.
    assert "The full run (`make bench`) took 50 min" in text
    assert "re-run since with `make bench-throughput`: 2026-11-25 14:00 to 14:12 UTC (12 min)" in text
