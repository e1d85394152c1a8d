"""The transport's retries (urllib3's Retry on the session) against a scripted HTTP server
on loopback: what is retried, how long it waits, and that it stops."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync.client import errors
from sync.client.transport import Transport


class Script:
    """Answers given in order (status, headers); the last one repeats."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = [(200, {})]
        self.seen: list[tuple[str, str, bytes]] = []


class Handler(BaseHTTPRequestHandler):
    script: Script

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.script.seen.append((self.command, self.path, body))
        answers = self.script.answers
        status, headers = answers.pop(0) if len(answers) > 1 else answers[0]
        payload = json.dumps({"ok": status == 200, "error": "forbidden"}).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[Script, str]]:
    script = Script()
    handler = type("ScriptedHandler", (Handler,), {"script": script})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield script, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def transport(url: str, pauses: list[float], **kwargs: object) -> Transport:
    return Transport(
        url,
        backoff_base=0.5,
        backoff_cap=4.0,
        sleep=pauses.append,
        rng=random.Random(11),
        **kwargs,  # type: ignore[arg-type]
    )


Scripted = Callable[..., tuple[Script, Transport, list[float]]]


@pytest.fixture
def scripted(server: tuple[Script, str]) -> Iterator[Scripted]:
    """The server to answer as given, and a transport to it whose pauses are recorded."""
    script, url = server
    opened: list[Transport] = []

    def make(
        *answers: tuple[int, dict[str, str]], **kwargs: object
    ) -> tuple[Script, Transport, list[float]]:
        script.answers = list(answers)
        pauses: list[float] = []
        opened.append(transport(url, pauses, **kwargs))
        return script, opened[-1], pauses

    yield make
    for each in opened:
        each.close()


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_push_is_retried_after_a_busy_or_failed_answer(scripted: Scripted, status: int) -> None:
    script, with_retries, pauses = scripted((status, {}), (status, {}), (200, {}))
    assert with_retries.post("/sync/v1/push", {"mutations": [1]}) == {
        "ok": True,
        "error": "forbidden",
    }
    # POST repeated with the same body: safe, the gateway applies a mutation id once.
    assert script.seen == [("POST", "/sync/v1/push", b'{"mutations": [1]}')] * 3
    assert len(pauses) == 2
    assert 0 <= pauses[0] <= 0.5
    assert 0 <= pauses[1] <= 1.0
    with_retries.close()


def test_retry_after_is_obeyed_up_to_the_cap(scripted: Scripted) -> None:
    script, with_retries, pauses = scripted(
        (429, {"Retry-After": "2"}),
        (503, {"Retry-After": "3600"}),
        (429, {"Retry-After": "soon"}),
        (200, {}),
    )
    with_retries.post("/sync/v1/pull", {})
    # As asked, then the cap instead of an hour, then the backoff for a header that
    # cannot be read (the third retry's range: up to 0.5 * 2**2).
    assert pauses[:2] == [2.0, 4.0]
    assert 0 <= pauses[2] <= 2.0
    assert len(script.seen) == 4
    with_retries.close()


def test_retries_stop_at_the_budget_with_the_last_failure(scripted: Scripted) -> None:
    script, with_retries, pauses = scripted((502, {}), retries=3)
    with pytest.raises(errors.ServerFailed, match="HTTP 502"):
        with_retries.post("/sync/v1/push", {})
    assert len(script.seen) == 4
    assert len(pauses) == 3
    ceilings = [0.5, 1.0, 2.0]
    assert all(0 <= p <= c for p, c in zip(pauses, ceilings, strict=True))
    with_retries.close()


def test_a_refusal_is_not_retried(scripted: Scripted) -> None:
    script, with_retries, pauses = scripted((403, {}))
    with pytest.raises(errors.Forbidden):
        with_retries.post("/sync/v1/push", {})
    assert len(script.seen) == 1
    assert pauses == []
    with_retries.close()


def test_the_reachability_probe_asks_once(scripted: Scripted) -> None:
    script, probe, pauses = scripted((503, {}))
    assert probe.reachable() is False
    assert [(m, p) for m, p, _ in script.seen] == [("GET", "/health")]
    assert pauses == []
    script.answers = [(200, {})]
    assert probe.reachable() is True
    probe.close()


def test_a_429_asking_for_longer_than_the_cap_comes_back_at_once(
    scripted: Scripted,
) -> None:
    script, with_retries, pauses = scripted((429, {"Retry-After": "900"}), (200, {}))
    with pytest.raises(errors.ServerFailed, match="HTTP 429"):
        with_retries.post("/auth/v1/login", {})
    assert len(script.seen) == 1  # not repeated: a wait that long is the user's to take
    assert pauses == []
