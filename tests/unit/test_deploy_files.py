"""The gateway's deployment files (deploy/): no container engine or systemd runs here,
so they are parsed and held to the code they start: the compose file loads and wires
migrate -> gateway -> proxy; every command line in the unit, the image and the compose
file parses with `rm-desk-central`'s own parser; the environment file names only
variables something reads; the image runs as a non-root user; `systemd-analyze
verify` accepts the unit where it is installed."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, with schemathesis (dev)

from sync.server import cli

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "rm-desk-central.service"


def _env_file() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "rm-desk-central.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def _unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def _parses(argv: list[str]) -> Any:
    """`rm-desk-central`'s parser accepts these arguments (a usage error exits 2)."""
    return cli._parser().parse_args(argv)


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_environment_file_names_what_the_gateway_and_the_unit_read() -> None:
    env = _env_file()
    read_by_code = {cli.DB_ENV, "RM_DESK_CENTRAL_POOL"}
    used_by_unit = set(re.findall(r"\$\{(\w+)\}", " ".join(_unit()["ExecStart"])))
    assert set(env) == read_by_code | used_by_unit
    assert env[cli.DB_ENV].startswith("postgresql://")


def test_the_unit_starts_serve_without_migrating_and_is_hardened() -> None:
    unit, env = _unit(), _env_file()
    (start,) = unit["ExecStart"]
    argv = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], start))
    assert argv[0] == "/usr/bin/rm-desk-central"
    args = _parses(argv[1:])
    assert args.command == "serve"
    assert not args.upgrade_db  # migrations are the administrator's step
    assert args.trusted_proxy == ["127.0.0.1"]
    assert unit["EnvironmentFile"] == ["/etc/rm-desk-central/env"]
    for setting in ("DynamicUser", "NoNewPrivileges", "PrivateTmp", "ProtectHome",
                    "PrivateDevices", "RestrictSUIDSGID"):  # fmt: skip
        assert unit[setting] == ["yes"], setting
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["CapabilityBoundingSet"] == [""]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # The unit as installed, with the program where this test finds one.
    central = Path(sys.executable).with_name("rm-desk-central")
    text = UNIT.read_text(encoding="utf-8").replace("/usr/bin/rm-desk-central", str(central))
    text = text.replace("EnvironmentFile=/etc/rm-desk-central/env", f"EnvironmentFile=-{DEPLOY}/x")
    copy = tmp_path / "rm-desk-central.service"
    copy.write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    problems = [line for line in done.stderr.splitlines() if "rm-desk-central.service" in line]
    assert done.returncode == 0, done.stderr
    assert problems == [], problems


def _containerfile() -> list[str]:
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_image_installs_the_central_extra_and_runs_as_a_user() -> None:
    lines = _containerfile()
    final = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM "))]
    assert final == "FROM python:3.11-slim"
    (user,) = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert user.split(":")[0] not in {"0", "root"}
    assert any("[central]" in line and "pip install" in line for line in lines)
    entry = next(line for line in lines if line.startswith("ENTRYPOINT "))
    command = next(line for line in lines if line.startswith("CMD "))
    assert yaml.safe_load(entry.split(" ", 1)[1]) == ["rm-desk-central"]
    args = _parses(yaml.safe_load(command.split(" ", 1)[1]))
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 8765)  # noqa: S104


def test_compose_migrates_first_and_only_the_proxy_is_published() -> None:
    services = _compose()["services"]
    assert set(services) == {"db", "migrate", "gateway", "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    migrate_args = _parses(services["migrate"]["command"])
    assert (migrate_args.command, migrate_args.db_command) == ("db", "upgrade")
    gateway = services["gateway"]
    serve = _parses(gateway["command"])
    assert serve.command == "serve"
    assert not serve.upgrade_db
    assert gateway["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("migrate", "gateway"):
        url = services[name]["environment"][cli.DB_ENV]
        assert url.startswith("postgresql://rmdesk:${DB_PASSWORD}@db:5432/")
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["ports"] == ["443:443"]
    assert gateway["read_only"] is True
    assert gateway["cap_drop"] == ["ALL"]
    assert _compose()["networks"]["backend"]["internal"] is True


def test_the_proxy_forwards_to_the_gateway_port_with_room_for_the_largest_push() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    gateway = _parses(_compose()["services"]["gateway"]["command"])
    assert f"reverse_proxy gateway:{gateway.port}" in caddy
    found = re.search(r"max_size (\d+)MB", caddy)
    assert found is not None
    assert int(found.group(1)) * 10**6 >= gateway.max_body_mib * 2**20
    assert "tls /certs/cert.pem /certs/key.pem" in caddy
