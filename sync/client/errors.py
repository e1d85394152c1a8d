"""Sync failures, each with a sentence a bank employee understands.

Every one of them leaves the outbox as it was: unsynced work is never dropped
because the network or the server failed.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base class; `str(error)` is the message for the status bar or the CLI."""

    retryable = False


class ServerUnreachable(SyncError):
    retryable = True

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The central CRM cannot be reached; your changes are kept and will "
            "sync when the connection is back." + (f" ({detail})" if detail else "")
        )


class TlsFailure(SyncError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The secure connection to the central CRM failed ({detail}). "
            "Your changes are kept; contact IT."
        )


class ServerFailed(SyncError):
    retryable = True

    def __init__(self, status: int) -> None:
        super().__init__(
            f"The central CRM answered with an error (HTTP {status}); your changes "
            "are kept and sync will be retried."
        )


class SessionExpired(SyncError):
    def __init__(self, message: str = "") -> None:
        super().__init__(message or "Your session with the central CRM has ended; sign in again.")


class BadCredentials(SyncError):
    def __init__(self) -> None:
        super().__init__("The central CRM did not accept the user name or password.")


class DeviceRevoked(SyncError):
    def __init__(self) -> None:
        super().__init__(
            "This computer's access was revoked by the bank; its local copy of "
            "customer data has been removed."
        )


class VersionNotSupported(SyncError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"This version of RM Desk is no longer supported by the central CRM "
            f"({detail}). Your changes are kept; please update RM Desk."
        )


class ResetRequired(SyncError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class SuspectSnapshot(SyncError):
    """A replacement snapshot would remove most of the book with no recorded reason."""

    def __init__(self, replica: int, incoming: int) -> None:
        self.replica = replica
        self.incoming = incoming
        super().__init__(
            f"The central CRM's copy of your book has {incoming} customers against {replica} "
            "on this computer and records no change of your access, so it was not applied: "
            "nothing here was changed and your unsynced work is kept. Contact IT to check "
            "the central CRM before syncing again."
        )


class MutationGap(SyncError):
    def __init__(self, last: int | None) -> None:
        self.last = last
        super().__init__(
            "The central CRM is missing earlier changes from this computer; "
            "your changes are kept. Contact IT."
        )


class ProtocolViolation(SyncError):
    """The server sent something malformed; nothing of it was applied."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The central CRM sent data this version cannot read ({detail}); nothing was changed."
        )


class Forbidden(SyncError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
