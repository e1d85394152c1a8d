"""A loopback HTTP fault proxy for the soak runner and the tests.

One asyncio event loop in a background thread serves any number of *listeners*,
each on its own 127.0.0.1 port (one per simulated client, so a fault or a kill can
be aimed at one client). Every accepted connection carries exactly one request: the
proxy reads the request head (and a `Content-Length` body), rewrites it with
`Connection: close` and forwards it to the upstream gateway, so the HTTP client opens
a new connection for its next request and every request gets its own fault draw.

Faults, drawn per connection from the listener's seeded RNG while faults are on:

* ``pass``     forward both ways untouched;
* ``delay``    hold the request 50-400 ms, then forward;
* ``drop``     close the connection before forwarding anything (the gateway never
  sees the request);
* ``reset``    forward the request, wait for the whole answer (the gateway has done
  the work), then send a TCP RST (SO_LINGER 0) instead of the answer;
* ``truncate`` forward the request, then forward only a random prefix of the answer
  and close;
* ``5xx``      answer 502 or 503 itself, without forwarding.

A hook (`Proxy.hook`) sees every request first and may turn it into a *kill*: the
runner uses it to SIGKILL a client after the gateway answered its push or pull
(the client never sees the answer), in the middle of its snapshot stream, or to
SIGKILL the gateway while it holds a push transaction.

Bounded: only loopback addresses, one request per connection, answers buffered up
to `MAX_ANSWER` bytes, every connection capped at `CONNECTION_TIMEOUT` seconds, and
the loop stops by itself after `lifetime` seconds even if nobody calls `stop()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

KINDS = ("pass", "delay", "drop", "reset", "truncate", "5xx")
FAULT_KINDS = KINDS[1:]
MAX_HEAD = 64 * 1024
MAX_ANSWER = 256 * 1024 * 1024
CONNECTION_TIMEOUT = 60.0
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    listener: str  # the listener's tag (the simulated client)
    method: str
    path: str  # without the query string


@dataclass(frozen=True)
class Kill:
    """What the hook asks for instead of an ordinary forward.

    `when`: ``answered`` (after the whole answer arrived, before any byte of it is
    passed on), ``streaming`` (after `fraction` of the answer was passed on), or
    ``sent`` (right after the request was forwarded, `delay` seconds later).
    `action` is called on the proxy's loop thread and must not block for long.
    """

    when: str
    action: Callable[[], None]
    fraction: float = 0.5
    delay: float = 0.0


Hook = Callable[[Request], Kill | None]


class _Listener:
    def __init__(self, tag: str, rng: random.Random) -> None:
        self.tag = tag
        self.rng = rng
        self.server: asyncio.base_events.Server | None = None
        self.port = 0


class Proxy:
    """Start with `start()`, add listeners with `listen(tag, seed)`; `stop()` ends it."""

    def __init__(
        self,
        upstream_port: int,
        *,
        fault_rate: float = 0.25,
        weights: dict[str, float] | None = None,
        lifetime: float = 3600.0,
    ) -> None:
        self.upstream_port = upstream_port  # the runner changes it if the gateway moves
        self.fault_rate = fault_rate
        self.weights = weights or dict.fromkeys(FAULT_KINDS, 1.0)
        self.faults_on = True
        self.hook: Hook | None = None
        self.counts: Counter[str] = Counter()  # faults applied, by kind (and "pass")
        self.requests = 0
        self.lifetime = lifetime
        self._listeners: dict[str, _Listener] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="faultproxy", daemon=True)
        self._stopped = asyncio.Event()
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Proxy:
        if self._thread.ident is None:
            self._thread.start()
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), self.lifetime)
        for lst in self._listeners.values():
            if lst.server is not None:
                lst.server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(timeout=10)

    def __enter__(self) -> Proxy:
        return self.start() if self._thread.ident is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def listen(self, tag: str, seed: int | str) -> int:
        """A new loopback listener for `tag`; returns its port."""
        lst = _Listener(tag, random.Random(f"{seed}"))

        async def open_server() -> int:
            lst.server = await asyncio.start_server(
                lambda r, w: self._serve(lst, r, w), LOOPBACK, 0, backlog=64
            )
            return int(lst.server.sockets[0].getsockname()[1])

        lst.port = asyncio.run_coroutine_threadsafe(open_server(), self._loop).result(10)
        self._listeners[tag] = lst
        return lst.port

    def url(self, tag: str) -> str:
        return f"http://{LOOPBACK}:{self._listeners[tag].port}"

    def snapshot_counts(self) -> dict[str, int]:
        with self._lock:
            return {kind: self.counts.get(kind, 0) for kind in KINDS}

    def _count(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    # -- one connection ----------------------------------------------------------------

    def _draw(self, lst: _Listener) -> str:
        # Always two draws, so a listener's sequence does not depend on `faults_on`.
        faulted = lst.rng.random() < self.fault_rate
        kinds = list(self.weights)
        kind = lst.rng.choices(kinds, [self.weights[k] for k in kinds])[0]
        return kind if (faulted and self.faults_on) else "pass"

    async def _serve(
        self, lst: _Listener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            await asyncio.wait_for(self._one(lst, reader, writer), CONNECTION_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one(  # noqa: PLR0915
        self, lst: _Listener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEAD:
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = [h for h in lines[1:] if h]
        length = 0
        kept = []
        for h in headers:
            name, _, value = h.partition(":")
            low = name.strip().lower()
            if low == "content-length":
                length = int(value.strip())
            if low in ("connection", "keep-alive"):
                continue
            kept.append(h)
        if length > MAX_ANSWER:
            return
        body = await reader.readexactly(length) if length else b""
        request = Request(lst.tag, method, target.split("?", 1)[0])
        with self._lock:
            self.requests += 1
        forward = (
            "\r\n".join([f"{method} {target} {version}", *kept, "Connection: close"]) + "\r\n\r\n"
        ).encode("latin-1") + body

        kill = self.hook(request) if self.hook is not None else None
        kind = "pass" if kill is not None else self._draw(lst)
        self._count(kind)
        if kind == "drop":
            return
        if kind == "5xx":
            status = lst.rng.choice((b"502 Bad Gateway", b"503 Service Unavailable"))
            writer.write(
                b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            await writer.drain()
            return
        if kind == "delay":
            await asyncio.sleep(lst.rng.uniform(0.05, 0.4))

        up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        try:
            up_writer.write(forward)
            await up_writer.drain()
            if kill is not None:
                await self._kill(kill, up_reader, writer)
            elif kind in ("reset", "truncate"):
                answer = await _read_all(up_reader)
                if kind == "reset":
                    _reset(writer)
                    return
                cut = lst.rng.randint(1, max(1, len(answer) - 1))
                writer.write(answer[:cut])
                await writer.drain()
            else:
                while chunk := await up_reader.read(1 << 16):
                    writer.write(chunk)
                    await writer.drain()
        finally:
            up_writer.close()
            with contextlib.suppress(Exception):
                await up_writer.wait_closed()

    async def _kill(
        self, kill: Kill, up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if kill.when == "sent":
            await asyncio.sleep(kill.delay)
            kill.action()
            return
        answer = await _read_all(up_reader)
        if kill.when == "streaming":
            writer.write(answer[: int(len(answer) * kill.fraction)])
            await writer.drain()
            await asyncio.sleep(kill.delay)
        kill.action()


async def _read_all(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while chunk := await reader.read(1 << 16):
        out += chunk
        if len(out) > MAX_ANSWER:
            break
    return bytes(out)


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
