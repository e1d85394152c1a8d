"""The gateway's HTTP API (FastAPI): health, auth, push, pull, snapshot, staff directory,
audit upload.

Handlers are plain functions (run in the thread pool) over an SQLAlchemy engine;
pull, the call every client makes every few minutes, has its own threads.
Every error is a JSON `ErrorBody` with a stable code; nothing about customers is
logged. The OpenAPI document (/openapi.json) declares every answer each route gives:
its success body, and each error status with the protocol's `ErrorBody` and the codes
it carries (`ROUTE_ERRORS`); a body the gateway cannot parse is a 422 `bad_request`
like any other invalid request; the snapshot is declared as what it is, NDJSON.
tests/integration/test_gateway_fuzz.py holds the document to that with Schemathesis's
status-code, content-type and response-schema conformance checks on both backends.
Before any of it, `BodyLimit` (body_limit.py) refuses a body over the limit with 413
as it arrives; sign-ins are throttled per user name and per address (throttle.py).
"""

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import TypeAdapter
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from rm_desk import __version__
from sync import protocol
from sync.protocol import ErrorBody, ErrorCode
from sync.server import audit, auth, body_limit, db, directory, mutations, replication, throttle
from sync.server.errors import ProtocolError
from sync.server.principal import Principal

log = logging.getLogger("rm_desk.gateway")

NDJSON = "application/x-ndjson"

# The error statuses, the codes each carries, and which routes give them.
_ERROR_STATUS: dict[int, str] = {
    400: "`version_not_supported`: the request's `schema_version` is not served here.",
    401: "`unauthorized` (no, expired or revoked token; disabled account) or "
    "`bad_credentials` (sign-in).",
    403: "`device_revoked` (the device must wipe its data) or `forbidden` (a device or "
    "client id of another user).",
    409: "`mutation_gap` (push: earlier mutations are missing; `last_mutation_id` says "
    "which), `reset_required` (pull: resynchronise by snapshot), `audit_gap` (audit: "
    "earlier entries are missing; `last_audit_seq` says what is stored) or "
    "`audit_chain_broken` (audit: the page does not continue the stored chain).",
    413: "`body_too_large`: the request body is larger than the server accepts (the "
    "limit is checked as the body arrives, before anything parses it).",
    422: "`bad_request`: the request is not valid (a body that is not JSON, a field of "
    "the wrong type or out of bounds, an unknown field, a corrupt cursor or token).",
    429: "`too_many_attempts`: too many failed sign-ins for this user name or from this "
    "address lately; try again after the `Retry-After` header's seconds.",
    500: "`server_error`: the gateway or its database failed; try again later (the "
    "client keeps its changes and retries).",
}
ROUTE_ERRORS: dict[str, tuple[int, ...]] = {
    "health": (413, 500),
    "login": (400, 401, 403, 413, 422, 429, 500),
    "refresh": (400, 401, 403, 413, 422, 500),
    "push": (400, 401, 403, 409, 413, 422, 500),
    "pull": (400, 401, 403, 409, 413, 422, 500),
    "snapshot": (400, 401, 403, 413, 422, 500),
    "audit": (400, 401, 403, 409, 413, 422, 500),
    "directory": (400, 401, 403, 413, 422, 500),
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next sign-in attempt.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _errors(route: str) -> dict[int | str, dict[str, Any]]:
    # Spelled out rather than `model=ErrorBody`: FastAPI would file it under the route's
    # media type, which for the snapshot is NDJSON; errors are always JSON.
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    answers: dict[int | str, dict[str, Any]] = {
        status: {"description": _ERROR_STATUS[status], "content": error}
        for status in ROUTE_ERRORS[route]
    }
    if 429 in answers:
        answers[429]["headers"] = _RETRY_AFTER
    return answers


_SNAPSHOT_LINE = TypeAdapter(
    protocol.SnapshotBegin | protocol.SnapshotPage | protocol.SnapshotEnd
).json_schema(ref_template="#/components/schemas/{model}")


class NDJSONResponse(StreamingResponse):
    media_type = NDJSON


def _snapshot_stream_schema() -> dict[str, Any]:
    """The snapshot body read line by line: a `begin` line, `page` lines, an `end` line."""
    return {
        "description": "NDJSON, one JSON object per line: `begin`, then `page`s, then `end` "
        "(a stream cut short is resumed with the last page's `resume` token). The schema "
        "describes the body read as an array of its lines.",
        "content": {
            NDJSON: {
                "schema": {
                    "type": "array",
                    "items": {"anyOf": _SNAPSHOT_LINE["anyOf"]},
                }
            }
        },
    }


def _integral_bounds(node: Any) -> None:
    """FastAPI's OpenAPI models hold numeric bounds as floats, so `le=2**62` on an int
    printed as 4.611686018427388e+18; an integer schema's bounds are printed as ints."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                value = node.get(key)
                if isinstance(value, float) and value.is_integer():
                    node[key] = int(value)
        for child in node.values():
            _integral_bounds(child)
    elif isinstance(node, list):
        for child in node:
            _integral_bounds(child)


def _check_version(version: int) -> None:
    if not protocol.OLDEST_SUPPORTED <= version <= protocol.SCHEMA_VERSION:
        raise ProtocolError(
            ErrorCode.VERSION_NOT_SUPPORTED,
            f"This server speaks sync schema {protocol.OLDEST_SUPPORTED}.."
            f"{protocol.SCHEMA_VERSION}; the client sent {version}. Update RM Desk.",
        )


@functools.cache
def _pull_threads() -> ThreadPoolExecutor:
    """The threads pulls run on, one per database connection a process may hold, so no
    pull waits for a connection while holding a thread (shared by every app in the
    process; idle threads cost nothing)."""
    return ThreadPoolExecutor(
        max_workers=db.pool_size_from_env() + db.POOL_OVERFLOW, thread_name_prefix="pull"
    )


def _lifespan(
    engine: Engine, schedule: replication.PurgeSchedule | None, clock: Callable[[], datetime]
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """Start the periodic change-log purge with the app and stop it with the app."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if schedule is None:
            yield
            return
        stop = threading.Event()
        task = asyncio.create_task(_purge_periodically(engine, schedule, clock, stop))
        try:
            yield
        finally:
            stop.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


async def _purge_periodically(
    engine: Engine,
    schedule: replication.PurgeSchedule,
    clock: Callable[[], datetime],
    stop: threading.Event,
) -> None:
    """Purge now, then every `schedule.every`, until the app stops. At shutdown a purge
    under way ends after its current batch (its horizon is already committed; the next
    run deletes the rest)."""
    loop = asyncio.get_running_loop()
    while True:
        job = loop.run_in_executor(None, _purge_once, engine, schedule, clock, stop)
        try:
            await asyncio.shield(job)
        except asyncio.CancelledError:
            await job
            raise
        await asyncio.sleep(schedule.every.total_seconds())


def _purge_once(
    engine: Engine,
    schedule: replication.PurgeSchedule,
    clock: Callable[[], datetime],
    stop: threading.Event,
) -> None:
    try:
        result = replication.purge_older_than(engine, schedule.older_than, clock(), stop)
    except Exception as exc:  # the gateway keeps serving; the next run tries again
        log.error("the change-log purge failed (%s); next run in %s", type(exc).__name__,
                  schedule.every)  # fmt: skip
        return
    log.info("%s", result.line(schedule.older_than))


def create_app(
    engine: Engine,
    *,
    tokens: auth.TokenPolicy | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    purge: replication.PurgeSchedule | None = None,
    login_throttle: throttle.LoginThrottle | None = None,
    max_body: int = body_limit.DEFAULT_LIMIT,
) -> FastAPI:
    """The gateway. `clock` is its time (tokens, change-log entries, the purge
    horizon, the login throttle's window); `purge` runs the change-log purge
    periodically while the app is up (uvicorn's lifespan), as `rm-desk-central serve`
    does; `login_throttle` limits failed sign-ins (sync/server/throttle.py);
    `max_body` is the largest request body accepted from a caller with a bearer token
    (sync/server/body_limit.py)."""
    policy = tokens or auth.TokenPolicy()
    limits = login_throttle or throttle.LoginThrottle()
    app = FastAPI(
        title="RM Desk sync gateway",
        version=__version__,
        description="Reference central CRM gateway (sync protocol v1).",
        lifespan=_lifespan(engine, purge, clock),
    )
    app.add_middleware(
        body_limit.BodyLimit,
        limit=max_body,
        token_known=lambda header: auth.token_known(engine, header, clock),
    )

    @app.exception_handler(ProtocolError)
    def _protocol_error(_request: Request, exc: ProtocolError) -> JSONResponse:
        body = ErrorBody(
            error=exc.code,
            message=exc.message,
            last_mutation_id=exc.last_mutation_id,
            last_audit_seq=exc.last_audit_seq,
        )
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return JSONResponse(body.model_dump(mode="json"), status_code=exc.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own answers (no such path, method not allowed) and FastAPI's "error
        # parsing the body" (a body that is not text, 400 there), in the protocol's shape.
        if exc.status_code == 404:
            code, status, message = ErrorCode.NOT_FOUND, 404, "There is no such endpoint."
        elif exc.status_code == 400:
            code, status, message = ErrorCode.BAD_REQUEST, 422, "The request body is not JSON."
        else:
            code, status, message = ErrorCode.BAD_REQUEST, exc.status_code, str(exc.detail)
        body = ErrorBody(error=code, message=message)
        return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        body = ErrorBody(
            error=ErrorCode.BAD_REQUEST,
            message=f"The request is not valid ({where}: {first.get('msg', '')}).",
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=422)

    @app.exception_handler(Exception)
    def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s in request", type(exc).__name__)
        body = ErrorBody(
            error=ErrorCode.SERVER_ERROR, message="The server failed; try again later."
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=500)

    def principal(authorization: Annotated[str | None, Header()] = None) -> Principal:
        return auth.authenticate(engine, authorization, clock)

    Caller = Annotated[Principal, Depends(principal)]

    async def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
        # No database here (the pull checks the token in its one statement), but a call
        # without a bearer token is refused before its body, as on every endpoint.
        auth.bearer_hash(authorization)
        return authorization

    Bearer = Annotated[str | None, Depends(bearer)]

    @app.get("/health", response_model=protocol.Health, responses=_errors("health"))
    def health() -> protocol.Health:
        return protocol.Health(
            status="ok",
            schema_versions=list(range(protocol.OLDEST_SUPPORTED, protocol.SCHEMA_VERSION + 1)),
            server_time=clock(),
        )

    @app.post("/auth/v1/login", response_model=protocol.TokenResponse, responses=_errors("login"))
    def login(request: protocol.LoginRequest, http: Request) -> protocol.TokenResponse:
        _check_version(request.schema_version)
        address = throttle.address_of(http.client.host if http.client else None)
        return auth.login(engine, request, policy, clock, address=address, limits=limits)

    @app.post(
        "/auth/v1/refresh", response_model=protocol.TokenResponse, responses=_errors("refresh")
    )
    def refresh(request: protocol.RefreshRequest) -> protocol.TokenResponse:
        _check_version(request.schema_version)
        return auth.refresh(engine, request, policy, clock)

    @app.post("/sync/v1/push", response_model=protocol.PushResponse, responses=_errors("push"))
    def push(request: protocol.PushRequest, caller: Caller) -> protocol.PushResponse:
        _check_version(request.schema_version)
        return mutations.push(engine, caller, request, clock)

    @app.post("/sync/v1/audit", response_model=protocol.AuditResponse, responses=_errors("audit"))
    def audit_upload(request: protocol.AuditRequest, caller: Caller) -> protocol.AuditResponse:
        _check_version(request.schema_version)
        return audit.receive(engine, caller, request, clock)

    @app.post("/sync/v1/pull", response_model=protocol.PullResponse, responses=_errors("pull"))
    async def pull(request: protocol.PullRequest, authorization: Bearer) -> Response:
        # The hot path: token check and cursor state in one statement, the answer's JSON
        # built without re-validating it (see replication.pull_answer), on the pull
        # threads: a plain executor hop costs half of Starlette's thread-pool hop.
        body = await asyncio.get_running_loop().run_in_executor(
            _pull_threads(), replication.pull_answer,
            engine, authorization, request, clock, _check_version,
        )  # fmt: skip
        return Response(body, media_type="application/json")

    @app.post(
        "/sync/v1/directory",
        response_model=protocol.DirectoryResponse,
        responses=_errors("directory"),
    )
    def staff_directory(
        request: protocol.DirectoryRequest, caller: Caller
    ) -> protocol.DirectoryResponse:
        _check_version(request.schema_version)
        return directory.directory(engine, caller, clock)

    @app.get(
        "/sync/v1/snapshot",
        response_class=NDJSONResponse,
        responses={200: _snapshot_stream_schema(), **_errors("snapshot")},
    )
    def snapshot(
        caller: Caller,
        schema_version: Annotated[int, Query(ge=0, le=1_000_000)],
        client_id: Annotated[
            str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
        ],
        resume: Annotated[str | None, Query(max_length=1024)] = None,
        since: Annotated[str | None, Query(max_length=1024)] = None,
    ) -> StreamingResponse:
        _check_version(schema_version)
        lines = replication.snapshot_lines(engine, caller, client_id, resume, since)
        first = next(lines)  # errors in the token surface as a JSON error, not a torn stream

        def stream() -> object:
            yield first
            yield from lines

        return NDJSONResponse(stream())  # type: ignore[arg-type]

    app.openapi = functools.partial(_openapi, app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The document FastAPI builds, with the snapshot's line models and the protocol's
    error body in its components and integer bounds printed as integers."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(_SNAPSHOT_LINE["$defs"])
        # Referenced by name from every route's errors.
        error = TypeAdapter(ErrorBody).json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(error.pop("$defs", {}))
        schemas.setdefault("ErrorBody", error)
        _integral_bounds(document)
        app.openapi_schema = document
    return app.openapi_schema
