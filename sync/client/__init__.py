"""The client side of sync: outbox push, scoped pull, snapshots, conflicts."""
