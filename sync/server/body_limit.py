"""The request body limit, enforced as bytes arrive, before anything parses them.

`BodyLimit` is ASGI middleware around the whole gateway. A request whose
Content-Length is over the limit is answered 413 `body_too_large` at once: the
application never runs and not one byte of the body is read. A body without a length
(chunked) or longer than it claimed is counted chunk by chunk as the application
reads it; the chunk that crosses the limit stops the read and the answer is the same
413, so no more than the limit (plus one chunk) is ever held, and nothing is parsed.
The connection is closed after a 413 (the rest of the body is never read).

Two limits: requests that carry a valid bearer token may send the largest legitimate
push (`largest_push_bytes`, from the protocol's bounds); requests without one (sign-in,
token refresh, anything anonymous) are small and get `ANONYMOUS_LIMIT`. A body that may
be larger than the anonymous limit (its declared length is, or it has none) has its
token checked first (`token_known`, one indexed lookup, off the event loop): a forged,
expired or revoked token gets the anonymous limit, so it buys nothing. Smaller bodies
skip that check; the endpoint checks the token as always.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread

from sync import protocol
from sync.protocol import ErrorBody, ErrorCode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Bytes a character can take in the request's JSON: `\uXXXX` (requests sends
# ASCII-escaped JSON; a Chinese character is six bytes on the wire).
_WIRE_BYTES_PER_CHAR = 6
# A mutation's envelope (ids, name, op, versions, time, keys and punctuation), generous.
_ENVELOPE_BYTES = 1024
# Items of the interaction's `participants` list are people's ids.
_PARTICIPANT_CHARS = 64


def _text_chars(model: type[Any]) -> int:
    """The most characters a payload model's text fields can hold together."""
    total = 0
    for name, field in model.model_fields.items():
        bound = next((m.max_length for m in field.metadata if hasattr(m, "max_length")), None)
        if bound is None:
            continue
        total += bound * _PARTICIPANT_CHARS if name == "participants" else bound
    return total


def largest_push_bytes() -> int:
    """The largest push a conforming client can send: a full batch of the largest
    mutation (an interaction with every text field at its maximum), every character
    at its widest JSON encoding."""
    payloads = (
        protocol.InteractionFields,
        protocol.TaskFields,
        protocol.TaskUpdate,
        protocol.CustomerUpdate,
        protocol.ChurnEventFields,
    )
    per_mutation = max(_text_chars(m) for m in payloads) * _WIRE_BYTES_PER_CHAR + _ENVELOPE_BYTES
    return protocol.MAX_PUSH_BATCH * per_mutation + 4096


DEFAULT_LIMIT = largest_push_bytes()
# Sign-in (a password of up to 1024 characters) and refresh bodies are a few KiB.
ANONYMOUS_LIMIT = 64 * 1024


class _TooLarge(BaseException):
    """Raised out of `receive` when the body crosses the limit. A BaseException, so
    no handler that turns errors into answers on the way (FastAPI's "error parsing
    the body", the 500 handler) catches it before `BodyLimit` does."""


def _bearer(scope: Scope) -> str | None:
    """The Authorization header when it carries a bearer token."""
    for key, value in scope.get("headers", ()):
        if key == b"authorization":
            header = bytes(value)
            return header.decode("latin-1") if header[:7].lower() == b"bearer " else None
    return None


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int = DEFAULT_LIMIT,
        anonymous_limit: int = ANONYMOUS_LIMIT,
        token_known: Callable[[str], bool] | None = None,
    ) -> None:
        """`token_known(authorization)`: whether the header's token is one the gateway
        issued and still honours (blocking; run on a worker thread)."""
        self.app = app
        self.limit = limit
        self.anonymous_limit = min(anonymous_limit, limit)
        self.token_known = token_known

    async def _limit(self, scope: Scope, length: int | None) -> int:
        bearer = _bearer(scope)
        if bearer is None:
            return self.anonymous_limit
        if self.token_known is None or (length is not None and length <= self.anonymous_limit):
            return self.limit
        known = await anyio.to_thread.run_sync(self.token_known, bearer)
        return self.limit if known else self.anonymous_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        limit = await self._limit(scope, length)
        if length is not None and length > limit:
            await _refuse(send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if started:  # an answer is under way already: nothing more can be said
                return
            await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = ErrorBody(
        error=ErrorCode.BODY_TOO_LARGE,
        message=f"The request body is larger than this server accepts ({limit} bytes).",
    )
    raw = json.dumps(body.model_dump(mode="json")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(raw)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
