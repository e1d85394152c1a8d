"""bench/report.py: the results table says met / not met as the targets say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report

FIGURES = {
    "scale": "small",
    "customers": 10_000,
    "memory_security": True,
    "machine": {
        "cpus": 2,
        "python": "3.11.2",
        "platform": "Linux-test",
        "load_average_start": [3.5, 2.0, 1.0],
        "load_average_end": [9.1, 4.0, 2.0],
    },
    "store.search_p95_ms": 14.99,  # just under its ceiling
    "store.sqlcipher_ratio": 1.87,  # over its ceiling
    "sync.first_sync_rows_per_s": 39_999,  # under its floor
    "gateway.pulls_per_s": 500,  # exactly on its floor
    "ui.rss_book_open_mb": 350.0,  # exactly on its ceiling
    "targets": {
        "store.search_p95_ms": "<= 15.0",
        "store.sqlcipher_ratio": "<= 1.15",
        "sync.first_sync_rows_per_s": ">= 40000",
        "gateway.pulls_per_s": ">= 500",
        "ui.rss_book_open_mb": "<= 350.0",
        "churn.rescore_all_seconds": "<= 3.0",  # not run
    },
    # The JSON's own verdicts are ignored: the report works them out.
    "within_target": {"store.sqlcipher_ratio": True, "store.search_p95_ms": False},
}


def test_each_figure_is_met_or_not_as_its_target_says(tmp_path: Path) -> None:
    source = tmp_path / "OUT.json"
    source.write_text(json.dumps(FIGURES))
    out = tmp_path / "RESULTS.md"
    assert report.main([str(source), "--out", str(out)]) == 0
    table = {
        cells[0]: cells[1:]
        for line in out.read_text().splitlines()
        if line.startswith("| ") and not line.startswith("| figure")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    assert table["type-ahead search, p95"] == ["§4 type-ahead search", "14.99 ms", "≤ 15 ms", "met"]
    assert table["SQLCipher over plain SQLite, same workload"][1:] == ["1.87 ×", "≤ 1.15 ×",
                                                                       "**not met**"]  # fmt: skip
    assert table["first sync, end to end"][1:] == [
        "39,999 rows/s",
        "≥ 40,000 rows/s",
        "**not met**",
    ]
    assert table["gateway, 200 clients, delta pulls"][-1] == "met"
    assert table["resident memory, book open"][-1] == "met"
    assert table["rescore churn for the whole book"][1:] == ["not measured", "≤ 3 s", "—"]
    text = out.read_text()
    assert "10,000 customers (scale `small`" in text
    assert (
        "2 CPUs, Linux-test, Python 3.11.2; load average 3.5 / 2.0 / 1.0 at the start, "
        "9.1 / 4.0 / 2.0 at the end" in text
    )


def test_an_unknown_comparison_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown comparison"):
        report.met(1.0, "< 2")
