"""The gateway's schema migrations (Alembic): `env.py` and `versions/`, run by
`sync.server.migrate` (`rm-desk-central db upgrade`). Shipped inside the package, so
an installed gateway can migrate its database without a source checkout."""
