"""Desktop app figures: unlock to book visible, profile open (click to painted),
resident memory with the book open.

The profile is built once (demo book bulk-loaded, then locked); each measurement
runs in a fresh process with a real QApplication on the offscreen platform, so
resident memory is the app's own and nothing is warm from the load.

    unlock → book visible: from the Unlock click to the book page listing every
        customer with its first window of rows painted (Argon2id included).
    profile open: from `open_customer` to the 360 page's `loaded` signal and the
        next paint, over customers chosen at random.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "bench password 42"  # noqa: S105  (a throwaway benchmark profile)
USER = "rm001"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_profile(customers: int, data_dir: Path) -> float:
    from rm_desk.domain.model import Role  # noqa: PLC0415
    from rm_desk.domain.policy import KeyringMode, Policy  # noqa: PLC0415
    from rm_desk.services import session as sessions  # noqa: PLC0415
    from rm_desk.services.demo import LOCAL_DEMO_SERVER, load_demo_book  # noqa: PLC0415

    reg = sessions.registry(data_dir, Policy(keyring=KeyringMode.OFF))
    session = sessions.create_profile(reg, USER, PASSWORD, server=LOCAL_DEMO_SERVER, role=Role.RM)
    started = time.perf_counter()
    try:
        load_demo_book(session, customers=customers, rms=1)  # scored for churn too
    finally:
        session.lock()
    return time.perf_counter() - started


def measure(data_dir: Path, profiles: int) -> dict[str, Any]:  # noqa: PLR0915
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer  # noqa: PLC0415

    from rm_desk.domain.policy import KeyringMode, Policy  # noqa: PLC0415
    from rm_desk.services import book as book_service  # noqa: PLC0415
    from rm_desk.services import session as sessions  # noqa: PLC0415
    from ui.app import DeskController, application  # noqa: PLC0415
    from ui.main_window import MainWindow  # noqa: PLC0415

    application()  # the app's own start-up: fonts, style, settled heap
    rss_start = _rss_mb()
    reg = sessions.registry(data_dir, Policy(keyring=KeyringMode.OFF))
    controller = DeskController(reg, language="en")

    def spin_until(check: Any, timeout: float = 120.0) -> None:
        deadline = time.perf_counter() + timeout
        while not check():
            if time.perf_counter() > deadline:
                raise TimeoutError("the window did not get there in time")
            loop = QEventLoop()
            QTimer.singleShot(1, loop.quit)
            loop.exec()

    login = controller.show_login(user=USER)
    spin_until(lambda: login.profiles.count() > 0)
    login.password.setText(PASSWORD)
    started = time.perf_counter()
    login.unlock_button.click()
    spin_until(lambda: isinstance(controller.main, MainWindow))
    window = controller.main
    assert window is not None
    window.sync.stop()
    model = window.book.model
    spin_until(lambda: model.rowCount() > 0 and model.row_at(0) is not None)
    window.repaint()
    unlock_to_book = time.perf_counter() - started
    listed = model.rowCount()
    rss_book = _rss_mb()

    session = controller.session
    assert session is not None
    ids = book_service.book_ids(session)
    rng = random.Random(7)
    chosen = [book_service.book_rows(session, [pk])[0].cif for pk in rng.sample(ids, profiles)]
    page = window.customer
    timings = []
    for cif in chosen:
        done: list[bool] = []
        page.loaded.connect(lambda d=done: d.append(True))
        t0 = time.perf_counter()
        window.open_customer(cif)
        spin_until(lambda d=done: bool(d))
        page.repaint()
        timings.append((time.perf_counter() - t0) * 1000)
        page.loaded.disconnect()
    rss_after = _rss_mb()
    controller.shutdown()
    timings.sort()
    return {
        "ui.unlock_to_book_seconds": round(unlock_to_book, 3),
        "ui.book_rows_listed": listed,
        "ui.profile_open_p50_ms": round(statistics.median(timings), 1),
        "ui.profile_open_p95_ms": round(timings[max(0, round(0.95 * (len(timings) - 1)))], 1),
        "ui.profile_opens_measured": len(timings),
        "ui.rss_start_mb": round(rss_start, 1),
        "ui.rss_book_open_mb": round(rss_book, 1),
        "ui.rss_after_profiles_mb": round(rss_after, 1),
    }


def bench_ui(customers: int, workdir: Path) -> dict[str, Any]:
    data_dir = workdir / "ui-profile"
    load_seconds = build_profile(customers, data_dir)
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    if out.returncode != 0:
        raise RuntimeError(f"the UI measurement failed: {out.stderr.strip()[-2000:]}")
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    figures["ui.profile_build_seconds"] = round(load_seconds, 1)
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(Path(sys.argv[2]), profiles=40)))
    else:
        print("usage: ui_bench.py --measure DATA_DIR (normally run through bench/run.py)")
        sys.exit(2)
