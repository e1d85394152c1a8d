"""The soak's small CI set: randomized runs of several client processes syncing through
the fault proxy, clients and gateway SIGKILLed, with exact accounting after each run
(bench/soak.py). Also: the fault proxy does what each fault says, and the accounting
does catch a lost and a duplicated write (so a green soak means something).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bench import soak
from bench.faultproxy import FAULT_KINDS, Proxy
from sync.server import db
from tests.pg import PG_URL, unavailable

SEED = 20261202
ANSWER = b'{"ok": true, "pad": "' + b"x" * 4000 + b'"}'


def _assert_clean(report: dict[str, Any]) -> None:
    assert report["failures"] == []
    assert report["lost"] == 0
    assert report["duplicated"] == 0
    assert report["notes_written"] > 0
    assert report["tasks_written"] > 0


@pytest.mark.slow
def test_soak_runs_on_sqlite_lose_and_duplicate_nothing_under_every_fault_and_kill(
    tmp_path: Path,
) -> None:
    report = soak.soak(4, SEED, base=tmp_path, cover=True)
    _assert_clean(report)
    assert report["runs"] == 4
    assert all(report["faults"][kind] > 0 for kind in FAULT_KINDS), report["faults"]
    assert all(report["kills"][kind] > 0 for kind in soak.KILL_KINDS), report["kills"]


@pytest.mark.slow
@pytest.mark.postgres
def test_a_soak_run_on_postgresql_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    try:
        soak.pg_admin(PG_URL, "SELECT 1")
    except OperationalError as exc:
        unavailable(str(exc.orig).splitlines()[0] if exc.orig else str(exc))
    report = soak.soak(1, SEED, pg_base=PG_URL, base=tmp_path, cover=True)
    _assert_clean(report)
    assert report["database"] == "postgresql"
    assert sum(report["kills"].values()) >= 3


class _Sabotaged(soak.Run):
    """Before the accounting: one note copied under a new id, one task deleted."""

    def check(self, opened: dict[str, Any]) -> None:
        engine = db.make_engine(self.db_url)
        try:
            with engine.begin() as conn:
                row = dict(
                    conn.execute(
                        text("SELECT * FROM interactions WHERE subject LIKE 'soak %' LIMIT 1")
                    )
                    .mappings()
                    .one()
                )
                row["id"] = row["id"][:-4] + "ffff"
                conn.execute(
                    text(
                        f"INSERT INTO interactions ({', '.join(row)}) "
                        f"VALUES ({', '.join(':' + k for k in row)})"
                    ),
                    row,
                )
                conn.execute(
                    text(
                        "DELETE FROM tasks WHERE id = "
                        "(SELECT id FROM tasks WHERE title LIKE 'soak %' LIMIT 1)"
                    )
                )
        finally:
            engine.dispose()
        super().check(opened)


@pytest.mark.slow
def test_the_accounting_counts_a_lost_and_a_duplicated_write(tmp_path: Path) -> None:
    template, passwords = soak.prepare(tmp_path, None)
    result = _Sabotaged(SEED, 7, tmp_path, template, passwords, None).execute()
    assert result.lost == 1
    assert result.duplicated == 1
    assert any("not on the server" in f for f in result.failures)
    assert any("on the server 2 times" in f for f in result.failures)


# --- the proxy on its own -------------------------------------------------------------


class _Upstream(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[int]:
    _Upstream.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _only(kind: str, port: int) -> Proxy:
    return Proxy(port, fault_rate=1.0, weights={kind: 1.0}, lifetime=60).start()


def test_the_proxy_passes_requests_and_answers_one_per_connection(upstream: int) -> None:
    with Proxy(upstream, fault_rate=0.0, lifetime=60).start() as proxy:
        url = f"http://127.0.0.1:{proxy.listen('a', 1)}"
        with requests.Session() as http:
            for n in range(3):
                answer = http.post(f"{url}/p{n}", json={"n": n}, timeout=5)
                assert answer.content == ANSWER
                assert answer.headers.get("Connection", "").lower() != "keep-alive"
        assert _Upstream.seen == ["/p0", "/p1", "/p2"]
        assert proxy.snapshot_counts()["pass"] == 3


@pytest.mark.parametrize("kind", ["drop", "5xx", "reset", "truncate", "delay"])
def test_each_fault_does_what_it_says(upstream: int, kind: str) -> None:
    with _only(kind, upstream) as proxy:
        url = f"http://127.0.0.1:{proxy.listen('a', 1)}/x"
        if kind == "5xx":
            assert requests.post(url, json={}, timeout=5).status_code in (502, 503)
            assert _Upstream.seen == []  # answered by the proxy itself
        elif kind == "drop":
            with pytest.raises(requests.ConnectionError):
                requests.post(url, json={}, timeout=5)
            assert _Upstream.seen == []
        elif kind == "reset":
            with pytest.raises(requests.ConnectionError) as info:
                requests.post(url, json={}, timeout=5)
            assert "reset" in str(info.value).lower()
            assert _Upstream.seen == ["/x"]  # the gateway did the work; the answer is lost
        elif kind == "truncate":
            with pytest.raises(requests.RequestException):
                requests.post(url, json={}, timeout=5)
            assert _Upstream.seen == ["/x"]
        else:
            assert requests.post(url, json={}, timeout=5).content == ANSWER
        assert proxy.snapshot_counts()[kind] == 1


def test_the_proxy_listens_on_loopback_only_and_stops_by_itself(upstream: int) -> None:
    proxy = Proxy(upstream, lifetime=0.5).start()
    port = proxy.listen("a", 1)
    proxy._thread.join(5)  # the lifetime ends it without stop()
    assert not proxy._thread.is_alive()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_an_answer_cut_off_on_its_way_is_a_lost_connection_retried(upstream: int) -> None:
    """Found by the soak: a truncated answer escaped the transport as urllib3's
    "Connection broken: IncompleteRead" (an OSError, not retried, no sync error)."""
    from sync.client import errors  # noqa: PLC0415
    from sync.client.transport import Transport  # noqa: PLC0415

    with _only("truncate", upstream) as proxy:
        transport = Transport(
            f"http://127.0.0.1:{proxy.listen('a', 1)}", retries=2, sleep=lambda _s: None
        )
        with pytest.raises(errors.ServerUnreachable) as info:
            transport.post("/x", {})
        transport.close()
    assert "IncompleteRead" not in str(info.value)
    assert "answer was arriving" in str(info.value)
    assert _Upstream.seen == ["/x", "/x", "/x"]  # tried again, as a lost connection
