"""Plain http:// to a central CRM on another computer is refused unless the policy
allows it (`allow_insecure_http`): at profile add and at sync, before a password or a
token is sent; one line on the command line. Loopback stays allowed (demo, tests)."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import uvicorn

from rm_desk import cli
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from sync.client.transport import check_server_url, is_loopback
from sync.server import admin, db
from sync.server.app import create_app

REMOTE = "http://crm.example-bank.cn:8765"


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.5.6.7", "[::1]", "localhost", "LOCALHOST.", "demo.localhost"],
)
def test_loopback_stays_allowed(host: str) -> None:
    check_server_url(f"http://{host}:8765/", allow_insecure_http=False)


@pytest.mark.parametrize(
    "url",
    [
        REMOTE,
        "http://10.0.0.5",
        "http://127.0.0.1.evil.example",
        "http://[::ffff:10.0.0.1]:80",
        "HTTP://crm.example-bank.cn",
        "http://0.0.0.0:8765",
    ],
)
def test_plain_http_to_another_computer_is_refused(url: str) -> None:
    with pytest.raises(sync_service.InsecureServer) as raised:
        check_server_url(url, allow_insecure_http=False)
    assert raised.value.code is ErrorCode.INSECURE_SERVER
    check_server_url(url, allow_insecure_http=True)  # the policy may allow it
    check_server_url(url.replace("http", "https", 1).replace("HTTP", "https"),
                     allow_insecure_http=False)  # fmt: skip


def test_loopback_is_loopback_only() -> None:
    assert is_loopback("::1")
    assert is_loopback("127.0.0.1")
    assert not is_loopback("192.0.2.1")
    assert not is_loopback("localhost.example")


@pytest.fixture
def policy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"keyring": "off"}), encoding="utf-8")
    monkeypatch.setenv("RM_DESK_POLICY", str(path))
    monkeypatch.setenv("RM_DESK_DATA_DIR", str(tmp_path / "data"))
    return path


def _cli(argv: list[str], password: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    status = cli.main(argv)
    return status, capsys.readouterr().err


def test_profile_add_refuses_it_in_one_line(
    policy_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err = _cli(
        ["profile", "add", "--user", "rm001", "--server", REMOTE, "--password-stdin"],
        "demo-rm001", monkeypatch, capsys,
    )  # fmt: skip
    assert status == cli.EXIT_FAILURE
    assert err.count("\n") == 1
    assert err.startswith(f"rm-desk: error: The central CRM address {REMOTE} is not secure")
    reg = sessions.registry(policy_file.parent / "data", Policy(keyring=KeyringMode.OFF))
    assert reg.list() == []


def test_sync_refuses_a_profile_whose_server_is_plain_http(
    policy_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = sessions.registry(policy_file.parent / "data", Policy(keyring=KeyringMode.OFF))
    created = sessions.create_profile(
        reg, "rm001", "demo-rm001", server=REMOTE, role=Role.RM, display_name="RM 1"
    )
    with pytest.raises(sync_service.InsecureServer):
        sync_service.sync_session(created, "demo-rm001", reg=reg)
    created.lock()
    status, err = _cli(["sync", "--user", "rm001", "--password-stdin"], "demo-rm001",
                       monkeypatch, capsys)  # fmt: skip
    assert status == cli.EXIT_FAILURE
    assert err.count("\n") == 1
    assert "is not secure" in err


def _outward_address() -> str | None:
    """This computer's address on its network (not loopback), if it has one."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if is_loopback(address) else address


@pytest.fixture
def remote_gateway(tmp_path: Path) -> Iterator[str]:
    """The real gateway on this computer's network address: not loopback, plain http."""
    address = _outward_address()
    if address is None:
        pytest.skip("no network address besides loopback")
    engine = db.make_engine(f"sqlite:///{tmp_path / 'central.db'}")
    db.create_schema(engine)
    admin.seed(engine, customers=4, rms=1, seed=5, as_of=date(2026, 11, 24))
    config = uvicorn.Config(create_app(engine), host=address, port=0, log_level="warning",
                            lifespan="off", access_log=False)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.skip(f"cannot serve on {address}")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://{address}:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def test_the_policy_can_allow_plain_http(tmp_path: Path, remote_gateway: str) -> None:
    strict = sessions.registry(tmp_path / "strict", Policy(keyring=KeyringMode.OFF))
    with pytest.raises(sync_service.InsecureServer):
        sync_service.add_profile(strict, "rm001", "demo-rm001", remote_gateway)
    assert strict.list() == []
    assert not sync_service.server_reachable(remote_gateway, strict.policy)

    allowed = Policy(keyring=KeyringMode.OFF, allow_insecure_http=True)
    reg = sessions.registry(tmp_path / "allowed", allowed)
    assert sync_service.server_reachable(remote_gateway, allowed)
    added = sync_service.add_profile(reg, "rm001", "demo-rm001", remote_gateway)
    try:
        assert added.summary.snapshot_rows > 0
        sync_service.sync_session(added.session, "demo-rm001", reg=reg)
    finally:
        added.session.lock()
