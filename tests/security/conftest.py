"""The gateway fixtures of the integration tests (a real gateway on loopback over SQLite
and PostgreSQL, seeded with the demo bank), for the role and data-minimisation tests."""

from tests.integration.conftest import bank, gateway, server_engine

__all__ = ["bank", "gateway", "server_engine"]
