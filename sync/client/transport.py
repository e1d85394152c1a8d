"""HTTP transport to the gateway: timeouts, retries with jittered backoff, TLS.

Connection failures, timeouts and 5xx/429 answers are retried with exponential
backoff and full jitter; other answers map to `SyncError`s by their error code.
TLS always verifies: the system CAs, or the policy's CA bundle; an optional SPKI
pin (base64 SHA-256 of the server key) is checked on every new connection.
"""

from __future__ import annotations

import base64
import hashlib
import random
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
import urllib3
import urllib3.connection
from requests.adapters import HTTPAdapter

from sync.client import errors

RETRY_STATUS = {429, 500, 502, 503, 504}


class PinMismatch(ssl.SSLError):
    pass


def _pinned_pool(pin: str) -> type[urllib3.HTTPSConnectionPool]:
    class PinnedConnection(urllib3.connection.HTTPSConnection):
        """Checks the server's SubjectPublicKeyInfo hash right after the handshake,
        before a single byte of the request (a password, a token) is sent."""

        def connect(self) -> None:
            super().connect()
            sock: Any = self.sock
            der = sock.getpeercert(binary_form=True) if sock is not None else None
            if der is None or spki_sha256(der) != pin:
                self.close()
                raise PinMismatch("the server's key does not match the pinned key")

    class PinnedPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = PinnedConnection

    return PinnedPool


class PinnedAdapter(HTTPAdapter):
    """HTTPS with an SPKI pin checked on every new connection (policy `spki_pin_sha256`)."""

    def __init__(self, pin_sha256: str, **kwargs: Any) -> None:
        self.pin = pin_sha256
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": urllib3.HTTPConnectionPool,
            "https": _pinned_pool(self.pin),
        }


def spki_sha256(der_cert: bytes) -> str:
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    cert = x509.load_der_x509_certificate(der_cert)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


class Transport:
    def __init__(
        self,
        base_url: str,
        *,
        ca_bundle: str | None = None,
        spki_pin: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "rm-desk"
        self.verify: str | bool = ca_bundle or True
        if spki_pin:
            self.session.mount("https://", PinnedAdapter(spki_pin))
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.token: str | None = None

    def close(self) -> None:
        self.session.close()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        url = self.base_url + path
        last_error: errors.SyncError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self._delay(attempt - 1))
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json_body,
                    params=params,
                    headers=self._headers(),
                    timeout=self.timeout,
                    verify=self.verify,
                    stream=stream,
                )
            except requests.exceptions.SSLError as exc:
                raise errors.TlsFailure(_tls_reason(exc)) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error = errors.ServerUnreachable(_short(exc))
                continue
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ):
                # The answer was cut off on its way (found by bench/soak.py): as a lost
                # connection, retried; every call we make may be repeated (pushes are
                # exactly-once by mutation id, pulls by cursor).
                last_error = errors.ServerUnreachable(ANSWER_CUT)
                continue
            if not stream and _cut_in_its_head(response):
                response.close()
                last_error = errors.ServerUnreachable(ANSWER_CUT)
                continue
            if response.status_code in RETRY_STATUS:
                last_error = errors.ServerFailed(response.status_code)
                response.close()
                continue
            if response.status_code >= 400:
                raise _error_from(response)
            return response
        assert last_error is not None  # noqa: S101
        raise last_error

    def reachable(self) -> bool:
        """One quick GET /health, no retries: is the central CRM there right now?"""
        try:
            response = self.session.get(
                self.base_url + "/health", timeout=(3.0, 5.0), verify=self.verify
            )
        except requests.RequestException:
            return False
        with response:
            return response.status_code == 200

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._send("POST", path, json_body=body)
        try:
            data = response.json()
        except ValueError:
            raise errors.ProtocolViolation("the answer is not JSON") from None
        if not isinstance(data, dict):
            raise errors.ProtocolViolation("the answer is not a JSON object")
        return data

    def lines(self, path: str, params: dict[str, Any]) -> Iterator[bytes]:
        """Stream a newline-delimited response (the snapshot)."""
        response = self._send("GET", path, params=params, stream=True)
        try:
            yield from response.iter_lines(chunk_size=1 << 16)
        except requests.ConnectionError as exc:
            raise errors.ServerUnreachable(_short(exc)) from None
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ):
            raise errors.ServerUnreachable(ANSWER_CUT) from None
        finally:
            response.close()


ANSWER_CUT = "the connection broke while the central CRM's answer was arriving"


def _cut_in_its_head(response: requests.Response) -> bool:
    """An answer whose head was cut off before its length: the gateway gives every
    answer a Content-Length or chunked encoding, and http.client takes whatever head
    arrived before the connection closed (then an empty body) for a whole answer."""
    headers = response.headers
    return "Content-Length" not in headers and "Transfer-Encoding" not in headers


def _tls_reason(exc: BaseException) -> str:
    """The innermost TLS reason ("certificate verify failed: self-signed certificate"),
    not urllib3's wrapper around it."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {item.verify_message}"
        if isinstance(item, PinMismatch):
            return str(item.args[0])
        if isinstance(item, BaseException):
            todo.extend([item.__cause__, item.__context__, getattr(item, "reason", None)])
            todo.extend(a for a in item.args if isinstance(a, BaseException))
    return _short(exc)


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."


def _error_from(response: requests.Response) -> errors.SyncError:
    try:
        body = response.json()
        code, message = body.get("error"), str(body.get("message", ""))
    except (ValueError, AttributeError):
        code, message = None, ""
    if code == "version_not_supported":
        return errors.VersionNotSupported(message)
    if code == "reset_required":
        return errors.ResetRequired(message)
    if code == "device_revoked":
        return errors.DeviceRevoked()
    if code == "unauthorized":
        return errors.SessionExpired(message)
    if code == "bad_credentials":
        return errors.BadCredentials()
    if code == "mutation_gap":
        last = body.get("last_mutation_id") if isinstance(body, dict) else None
        return errors.MutationGap(last if isinstance(last, int) else None)
    if code == "forbidden":
        return errors.Forbidden(message or "The central CRM refused this request.")
    return errors.ProtocolViolation(f"HTTP {response.status_code} {code or ''}".strip())
