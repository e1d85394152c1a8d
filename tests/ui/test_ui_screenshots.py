"""`rm-desk --demo --screenshots DIR` renders every main view in both languages, the main
and team windows at 1366 × 768 (what fits there: test_ui_layout.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from ui.screenshots import VIEWS, WINDOW_SIZE


@pytest.mark.slow
def test_demo_screenshots_are_produced_and_not_blank(tmp_path: Path, qapp: object) -> None:
    out = tmp_path / "shots"
    result = subprocess.run(
        [sys.executable, "-c", "from rm_desk.cli import entry; entry()", "--demo",
         "--screenshots", str(out), "--demo-customers", "400"],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    for language in ("en", "zh_CN"):
        for view in VIEWS:
            path = out / language / f"{view}.png"
            assert path.exists(), f"missing {path}"
            image = QImage(str(path))
            assert image.width() >= 600
            assert image.height() >= 400
            if view not in ("login", "note"):  # the main and team windows
                assert (image.width(), image.height()) == WINDOW_SIZE, path
            # Not blank: many distinct colours over a sample grid.
            colours = {
                image.pixel(x, y)
                for x in range(0, image.width(), 17)
                for y in range(0, image.height(), 17)
            }
            assert len(colours) > 20, f"{path} looks blank ({len(colours)} colours)"
