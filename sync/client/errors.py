"""Sync failures: a code and values (rm_desk.domain.errors); the words come from there.

Every one of them leaves the outbox as it was: unsynced work is never dropped
because the network or the server failed. `detail` (what the connection or the
server said) is for the log and the command line, never the window.
"""

from __future__ import annotations

from rm_desk.domain.errors import ErrorCode, RmDeskError


class SyncError(RmDeskError):
    """Base class; `code` for the window, `str(error)` for the log or the CLI."""

    retryable = False


class ServerUnreachable(SyncError):
    retryable = True

    def __init__(self, detail: str = "") -> None:
        super().__init__(ErrorCode.SERVER_UNREACHABLE, detail=detail)


class TlsFailure(SyncError):
    def __init__(self, detail: str) -> None:
        super().__init__(ErrorCode.TLS_FAILURE, detail=detail)


class ServerFailed(SyncError):
    retryable = True

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(ErrorCode.SERVER_FAILED, status=status)


class SessionExpired(SyncError):
    def __init__(self, message: str = "") -> None:
        super().__init__(ErrorCode.SESSION_EXPIRED, detail=message)


class BadCredentials(SyncError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.BAD_CREDENTIALS)


class TooManySignIns(SyncError):
    """The gateway throttles sign-ins for this user name or this address (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after  # seconds
        super().__init__(ErrorCode.TOO_MANY_SIGN_INS, minutes=max(1, -(-retry_after // 60)))


class InsecureServer(SyncError):
    """A plain http:// address of a server that is not this computer, which the policy
    does not allow (`allow_insecure_http`): nothing was sent to it."""

    def __init__(self, server: str) -> None:
        super().__init__(ErrorCode.INSECURE_SERVER, server=server)


class DeviceRevoked(SyncError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.DEVICE_REVOKED)


class VersionNotSupported(SyncError):
    def __init__(self, detail: str) -> None:
        super().__init__(ErrorCode.VERSION_NOT_SUPPORTED, detail=detail)


class ResetRequired(SyncError):
    def __init__(self, detail: str) -> None:
        super().__init__(ErrorCode.RESET_REQUIRED, detail=detail)


class SuspectSnapshot(SyncError):
    """A replacement snapshot would remove most of the book with no recorded reason."""

    def __init__(self, replica: int, incoming: int) -> None:
        self.replica = replica
        self.incoming = incoming
        super().__init__(ErrorCode.SUSPECT_SNAPSHOT, replica=replica, incoming=incoming)


class MutationGap(SyncError):
    def __init__(self, last: int | None) -> None:
        self.last = last
        super().__init__(ErrorCode.MUTATION_GAP)


class AuditGap(SyncError):
    """The gateway holds this device's audit chain only up to `last` (it was restored
    from a backup, or this computer thought more was sent): the engine sends from there."""

    def __init__(self, last: int) -> None:
        self.last = last
        super().__init__(ErrorCode.PROTOCOL_VIOLATION, detail=f"audit gap after {last}")


class AuditChainBroken(SyncError):
    """The gateway refused this computer's audit entries: they do not continue the chain
    it holds. The entries stay here; the bank's IT looks at `audit verify`."""

    def __init__(self, message: str = "") -> None:
        super().__init__(ErrorCode.AUDIT_CHAIN_BROKEN, detail=message)


class ProtocolViolation(SyncError):
    """The server sent something malformed; nothing of it was applied."""

    def __init__(self, detail: str) -> None:
        super().__init__(ErrorCode.PROTOCOL_VIOLATION, detail=detail)


class NotServed(ProtocolViolation):
    """The gateway has no such endpoint (an older gateway)."""


class Forbidden(SyncError):
    def __init__(self, message: str = "") -> None:
        super().__init__(ErrorCode.FORBIDDEN, detail=message)


class EndpointMissing(NotServed):
    """The gateway has no such endpoint (an older gateway, for an optional call)."""

    def __init__(self) -> None:
        super().__init__("HTTP 404 not_found")
