"""Protocol errors the gateway answers with a code, an HTTP status and a sentence."""

from __future__ import annotations

from sync.protocol import ErrorCode

STATUS = {
    ErrorCode.VERSION_NOT_SUPPORTED: 400,
    ErrorCode.BAD_REQUEST: 422,
    ErrorCode.BAD_CREDENTIALS: 401,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.DEVICE_REVOKED: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.TOO_MANY_ATTEMPTS: 429,
    ErrorCode.MUTATION_GAP: 409,
    ErrorCode.RESET_REQUIRED: 409,
    ErrorCode.AUDIT_GAP: 409,
    ErrorCode.AUDIT_CHAIN_BROKEN: 409,
    ErrorCode.SERVER_ERROR: 500,
}


class ProtocolError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        last_mutation_id: int | None = None,
        last_audit_seq: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.last_mutation_id = last_mutation_id
        self.last_audit_seq = last_audit_seq
        self.retry_after = retry_after  # seconds, sent as the Retry-After header

    @property
    def status(self) -> int:
        return STATUS[self.code]
