"""HTTP transport to the gateway: timeouts, retries with jittered backoff, TLS.

Retries are urllib3's `Retry` mounted on the requests session (`Backoff`): connection
failures, timeouts, a connection lost before the answer's head, and 429/5xx answers are
retried, every method included — a push is exactly-once by its mutation ids, a pull
repeats by its cursor — with exponential backoff and full jitter, or after the
server's Retry-After (never longer than the backoff cap; a 429 asking for longer, a
throttled sign-in, comes back at once as `TooManySignIns`). A TLS failure is never
retried. An answer cut off after its head (`ANSWER_CUT`) is found only once requests
reads it, so that one case is retried here, on the same budget. Other answers map to
`SyncError`s by their error code. TLS always verifies: the system CAs, or the
policy's CA bundle; an optional SPKI pin (base64 SHA-256 of the server key) is
checked on every new connection.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import random
import ssl
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import requests
import urllib3
import urllib3.connection
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

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


class Backoff(Retry):
    """urllib3's `Retry` with full jitter drawn from `rng` and pauses taken by `pause`
    (both injectable, so tests see the schedule without waiting): before the n-th retry
    a pause uniform in [0, min(cap, base * 2**(n-1))]; a Retry-After is obeyed up to
    the cap."""

    def __init__(
        self,
        *args: Any,
        pause: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pause = pause
        self.rng = rng or random.Random()

    def new(self, **kw: Any) -> Backoff:
        fresh = super().new(**kw)
        fresh.pause, fresh.rng = self.pause, self.rng
        return fresh

    def get_backoff_time(self) -> float:
        return self.delay_before(len(self.history))

    def delay_before(self, retry: int) -> float:
        """The pause before the `retry`-th retry (1, 2, …): full jitter, capped."""
        bound = min(self.backoff_max, self.backoff_factor * 2 ** max(retry - 1, 0))
        return self.rng.uniform(0, bound)

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: urllib3.BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        """A 429 whose Retry-After is longer than the cap is not waited for: it comes
        back at once (a throttled sign-in says how long to wait; the user decides)."""
        if response is not None and response.status == 429:
            try:
                after = self.get_retry_after(response)
            except urllib3.exceptions.InvalidHeader:
                after = None
            if after is not None and after > self.backoff_max:
                raise urllib3.exceptions.MaxRetryError(_pool, url or "", None)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        try:
            after = self.get_retry_after(response) if response is not None else None
        except urllib3.exceptions.InvalidHeader:  # a Retry-After we cannot read: ignored
            after = None
        if self.respect_retry_after_header and after:
            self.pause(min(after, self.backoff_max))
        else:
            self.pause(self.get_backoff_time())


def backoff(
    retries: int,
    *,
    base: float,
    cap: float,
    pause: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Backoff:
    """The retry policy of every call to the gateway (module docstring)."""
    return Backoff(
        total=retries,
        connect=None,
        read=None,
        status=None,
        other=0,  # TLS failures and anything unforeseen: answered at once
        redirect=0,
        allowed_methods=frozenset({"GET", "POST"}),  # every call we make may be repeated
        status_forcelist=RETRY_STATUS,
        backoff_factor=base,
        backoff_max=cap,
        raise_on_status=False,  # the last answer comes back and is mapped to ServerFailed
        respect_retry_after_header=True,
        pause=pause,
        rng=rng,
    )


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
        self.verify: str | bool = ca_bundle or True
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.retry = backoff(
            retries, base=backoff_base, cap=backoff_cap, pause=sleep, rng=rng or random.Random()
        )
        self.session = _session(spki_pin, self.retry)
        self._probe = _session(spki_pin, Retry(0, read=False, redirect=False))
        self.token: str | None = None

    def close(self) -> None:
        self.session.close()
        self._probe.close()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """One call; the session's `Backoff` retries what fails on the way, this loop
        only an answer cut after its head, and only while the budget lasts."""
        url = self.base_url + path
        spent = 0  # retries used so far, by urllib3 and by this loop
        while True:
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
                raise errors.ServerUnreachable(_why_unreachable(exc, url)) from None
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ):
                # The answer was cut off on its way (found by bench/soak.py): as a lost
                # connection, retried; every call we make may be repeated (pushes are
                # exactly-once by mutation id, pulls by cursor).
                spent += 1
            else:
                spent += _retries_used(response)
                if stream or not _cut_in_its_head(response):
                    if response.status_code == 429:
                        _raise_if_throttled(response)
                    if response.status_code in RETRY_STATUS:
                        response.close()
                        raise errors.ServerFailed(response.status_code)
                    if response.status_code >= 400:
                        raise _error_from(response)
                    return response
                response.close()
                spent += 1
            if spent > self.retries:
                raise errors.ServerUnreachable(ANSWER_CUT)
            self.retry.pause(self.retry.delay_before(spent))

    def reachable(self) -> bool:
        """One quick GET /health, no retries: is the central CRM there right now?"""
        try:
            response = self._probe.get(
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
        except requests.ConnectionError:
            raise errors.ServerUnreachable("the connection broke during the download") from None
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ):
            raise errors.ServerUnreachable(ANSWER_CUT) from None
        finally:
            response.close()


def _raise_if_throttled(response: requests.Response) -> None:
    """A throttled sign-in (429 `too_many_attempts`): how long to wait, from Retry-After."""
    try:
        code = response.json().get("error")
    except (ValueError, AttributeError):
        return
    if code != "too_many_attempts":
        return
    try:
        after = int(response.headers.get("Retry-After", ""))
    except ValueError:
        after = 60
    response.close()
    raise errors.TooManySignIns(max(1, after))


LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: the server runs on this computer."""
    name = host.strip("[]").lower().rstrip(".")
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, *, allow_insecure_http: bool) -> None:
    """Refuse a plain http:// address of a server that is not this computer, unless
    the policy allows it: a password and customer data would cross the network in
    the clear. Loopback stays allowed (the local demo gateway, tests)."""
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme.lower() != "http" or allow_insecure_http:
        return
    if not is_loopback(parsed.hostname or ""):
        raise errors.InsecureServer(url)


ANSWER_CUT = "the connection broke while the central CRM's answer was arriving"


def _session(spki_pin: str | None, retry: Retry) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "rm-desk"
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount(
        "https://",
        PinnedAdapter(spki_pin, max_retries=retry) if spki_pin else HTTPAdapter(max_retries=retry),
    )
    return session


def _retries_used(response: requests.Response) -> int:
    """How many retries urllib3 spent on the way to this answer."""
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) if isinstance(retries, Retry) else 0


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


def _why_unreachable(exc: BaseException, url: str) -> str:
    """Why a connection failed, in words (not urllib3's repr of its connection pool)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "the server"
    text = str(exc)
    if isinstance(exc, requests.Timeout):
        return f"{host} did not answer in time"
    if (
        "NameResolutionError" in text
        or "Name or service not known" in text
        or ("getaddrinfo failed" in text)
    ):
        return f"the name {host} could not be found"
    if "Connection refused" in text or "10061" in text:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{host}:{port} refused the connection"
    if "Network is unreachable" in text or "No route to host" in text:
        return "no network route to " + host
    return f"no connection to {host}"


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
    if code == "audit_gap":
        last = body.get("last_audit_seq") if isinstance(body, dict) else None
        if isinstance(last, int) and last >= 0:
            return errors.AuditGap(last)
    if code == "audit_chain_broken":
        return errors.AuditChainBroken(message)
    if code == "not_found":
        return errors.EndpointMissing()
    if code == "forbidden":
        return errors.Forbidden(message or "The central CRM refused this request.")
    return errors.ProtocolViolation(f"HTTP {response.status_code} {code or ''}".strip())
