"""TLS to the gateway: a private CA, an optional CA bundle and an optional SPKI pin.

A throwaway CA and a server certificate for 127.0.0.1 are generated per test; the real
gateway is served by uvicorn over TLS on a loopback port.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import Engine, func, select

from local_store import outbox
from local_store.profiles import ProfileRegistry
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import sync as sync_service
from sync.client.errors import TlsFailure
from sync.client.transport import Transport, spki_sha256
from sync.server import schema
from sync.server.app import create_app
from tests.integration.conftest import run_gateway, seed_small_bank

pytestmark = pytest.mark.parametrize("server_engine", ["sqlite"], indirect=True)


@pytest.fixture
def bank(server_engine: Engine) -> dict[str, str]:
    return seed_small_bank(server_engine)


@dataclass
class Pki:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path
    cert_der: bytes


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_pki(directory: Path) -> Pki:
    # The one wall-clock read the suite keeps: OpenSSL checks a certificate's validity
    # against the real clock (no injection point), so the test certificates must be
    # valid now, whatever the clock says (including the +365 d pass).
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("RM Desk test CA"))
        .issuer_name(_name("RM Desk test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server.key",
        cert.public_bytes(serialization.Encoding.DER),
    )
    pki.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pki


class Recorder:
    """ASGI middleware that notes every request path reaching the real app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


@dataclass
class TlsGateway:
    url: str
    pki: Pki
    engine: Engine
    recorder: Recorder


@pytest.fixture
def tls_gateway(server_engine: Engine, tmp_path: Path) -> Iterator[TlsGateway]:
    pki = make_pki(tmp_path)
    recorder = Recorder(create_app(server_engine))
    server, thread, url = run_gateway(recorder, tls=(pki.cert_pem, pki.key_pem))
    yield TlsGateway(url, pki, server_engine, recorder)
    server.should_exit = True
    thread.join(timeout=10)


def health(transport: Transport) -> dict[str, Any]:
    try:
        return dict(transport._send("GET", "/health").json())
    finally:
        transport.close()


def registry(tmp_path: Path, name: str, **policy: Any) -> ProfileRegistry:
    return ProfileRegistry(tmp_path / name, policy=Policy(keyring=KeyringMode.OFF, **policy))


def devices(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.devices)).scalar_one())


def test_the_pin_helper_hashes_the_subject_public_key_info(tls_gateway: TlsGateway) -> None:
    cert = x509.load_der_x509_certificate(tls_gateway.pki.cert_der)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert (
        spki_sha256(tls_gateway.pki.cert_der)
        == base64.b64encode(hashlib.sha256(spki).digest()).decode()
    )


def test_a_certificate_from_an_unknown_ca_is_refused(
    tls_gateway: TlsGateway, tmp_path: Path, bank: dict[str, str]
) -> None:
    with pytest.raises(TlsFailure) as caught:
        health(Transport(tls_gateway.url, sleep=lambda _s: None))
    message = str(caught.value)
    assert "secure connection" in message
    assert "changes are kept" in message
    # The reason must survive in the sentence IT reads (not cut off inside urllib3's wrapper).
    assert "certificate verify failed" in message.lower()
    reg = registry(tmp_path, "no-ca")
    with pytest.raises(TlsFailure):
        sync_service.add_profile(reg, "rm001", bank["rm001"], tls_gateway.url)
    assert reg.list() == []
    assert tls_gateway.recorder.paths == []  # no request got past the handshake
    assert devices(tls_gateway.engine) == 0


@pytest.mark.parametrize("pinned", [False, True], ids=["ca-bundle", "ca-bundle-and-pin"])
def test_the_private_ca_and_the_right_pin_work_end_to_end(
    tls_gateway: TlsGateway, tmp_path: Path, bank: dict[str, str], pinned: bool
) -> None:
    ca = str(tls_gateway.pki.ca_pem)
    pin = spki_sha256(tls_gateway.pki.cert_der) if pinned else None
    assert health(Transport(tls_gateway.url, ca_bundle=ca, spki_pin=pin))["status"] == "ok"
    reg = registry(tmp_path, "p", ca_bundle=ca, spki_pin_sha256=pin)
    session = sync_service.add_profile(reg, "rm001", bank["rm001"], tls_gateway.url).session
    try:
        assert session.policy.spki_pin_sha256 == pin
        with session.store.read() as conn:
            customers = conn.exec_driver_sql("SELECT count(*) FROM customers").scalar_one()
            assert outbox.state(conn).cursor is not None
        assert customers > 0
        summary = sync_service.sync_session(session, bank["rm001"])  # the policy's transport
        assert summary.reset is False
        assert [p for p in tls_gateway.recorder.paths if p.startswith("/sync/v1/pull")]
    finally:
        session.lock()


def test_a_wrong_pin_is_refused_before_anything_is_sent_or_written(
    tls_gateway: TlsGateway, tmp_path: Path, bank: dict[str, str]
) -> None:
    ca = str(tls_gateway.pki.ca_pem)
    wrong = base64.b64encode(hashlib.sha256(b"some other key").digest()).decode()
    with pytest.raises(TlsFailure, match="pinned key"):
        health(Transport(tls_gateway.url, ca_bundle=ca, spki_pin=wrong))
    reg = registry(tmp_path, "w", ca_bundle=ca, spki_pin_sha256=wrong)
    with pytest.raises(TlsFailure, match="pinned key"):
        sync_service.add_profile(reg, "rm001", bank["rm001"], tls_gateway.url)
    assert reg.list() == []
    assert not (tmp_path / "w" / "profiles").exists()
    # The pin guards against an impostor holding a certificate the CA (wrongly) issued:
    # the password must not reach a server whose key does not match.
    assert "/auth/v1/login" not in tls_gateway.recorder.paths
    assert devices(tls_gateway.engine) == 0
