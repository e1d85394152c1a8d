"""`rm-desk-central`: the central CRM gateway's admin command (ARCHITECTURE §6).

Every command takes `--db URL`, before or after the subcommand (default: the
RM_DESK_CENTRAL_DB environment variable, else a SQLite file in the platform data
directory). The schema is Alembic's (sync/server/migrate.py): `db upgrade [--to REV]`
migrates, `db current` names the revision. `serve` refuses a database that is not at
the code's revision, in one line naming `db upgrade`, unless `serve --upgrade-db`; the
other commands create the schema in an empty database and refuse an older one. A
failure is one line on stderr, `rm-desk-central: error: <sentence>`, and exit status
1 (2 for a malformed command line); never a traceback.

Beyond the contract: `branch add` (a user needs an existing branch), `seed
--as-of/--locale`, `purge --older-than DAYS` and `serve --purge-every HOURS
--purge-older-than DAYS` (the change-log housekeeping, see replication.py), `serve
--max-body-mib MIB` (the request body limit, see body_limit.py), and
`user reset-scope U` (a full resynchronisation of U's devices that accepts a much
smaller book, after a change the change log cannot express), and `audit verify
[--device D]` / `audit export --out FILE [--device D] [--since DAY]` (the devices'
audit chains, sync/server/audit.py).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import math
import os
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any, NoReturn, TextIO

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from rm_desk import __version__
from rm_desk.domain.errors import RmDeskError
from sync.server import admin, audit, body_limit, churn_cli, db, migrate, replication

PROG = "rm-desk-central"
EXIT_FAILURE = 1
EXIT_USAGE = 2
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DB_ENV = "RM_DESK_CENTRAL_DB"  # the database URL when --db is not given (systemd, containers)


class CommandError(Exception):
    """A failure to report as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {_one_line(message)} (see {self.prog} --help)\n")


def _count(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{number} is less than {minimum}")
        return number

    return parse


def _port(value: str) -> int:
    number = _count(0)(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a TCP port")
    return number


def _days(value: str) -> int:
    number = _count(1)(value)
    if number > MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{number} is more than {MAX_DAYS} days")
    return number


MAX_DAYS = 36_500


def _between(low: float, high: float, unit: str) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number of {unit}") from None
        if not low <= number <= high:  # also refuses nan and inf
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high} {unit}")
        return number

    return parse


_hours = _between(0, 24 * 365, "hours")


_HOURS_DEFAULT = replication.DEFAULT_PURGE_EVERY / timedelta(hours=1)
_DAYS_DEFAULT = replication.DEFAULT_PURGE_OLDER_THAN.days


_MIB_DEFAULT = math.ceil(body_limit.DEFAULT_LIMIT / 2**20)
MAX_BODY_MIB = 1024


_mib = _between(0.0625, MAX_BODY_MIB, "MiB")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    db_help = (f"database URL (default: ${DB_ENV}, else a SQLite file in the platform data "
               "directory)")  # fmt: skip
    # Leaf commands accept --db too; SUPPRESS keeps them from hiding a --db given
    # before the subcommand.
    with_db = _Parser(add_help=False)
    with_db.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)

    parser = _Parser(prog=PROG, description="Administer the RM Desk central CRM gateway.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--db", metavar="URL", default=None, help=db_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", parents=[with_db], help="run the sync gateway")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT,
                       help=f"default {DEFAULT_PORT}; 0 picks a free port")  # fmt: skip
    serve.add_argument("--purge-every", type=_hours, default=_HOURS_DEFAULT, metavar="HOURS",
                       help=f"purge the change log every HOURS (default {_HOURS_DEFAULT:g}; "
                       "0: never)")  # fmt: skip
    serve.add_argument("--purge-older-than", type=_days, default=_DAYS_DEFAULT,
                       metavar="DAYS", help="the periodic purge drops changes older than DAYS "
                       f"(default {_DAYS_DEFAULT})")  # fmt: skip
    serve.add_argument("--max-body-mib", type=_mib, default=_MIB_DEFAULT, metavar="MIB",
                       help="the largest request body accepted, in MiB (default "
                       f"{_MIB_DEFAULT:g}: the largest push the protocol allows); a larger "
                       "one is refused with 413 before it is read")  # fmt: skip
    serve.add_argument("--trusted-proxy", action="append", default=None, metavar="ADDRESS",
                       help="a reverse proxy (TLS terminator) whose X-Forwarded-For header "
                       "names the client, for the per-address sign-in throttle; repeat for "
                       "several, '*' for any (default 127.0.0.1)")  # fmt: skip
    serve.add_argument("--upgrade-db", action="store_true",
                       help="migrate the database to this gateway's schema first (default: "
                       "refuse to start on an older one)")  # fmt: skip
    serve.set_defaults(run=_serve)

    purge = sub.add_parser(
        "purge", parents=[with_db], help="drop change-log entries and tombstones older than DAYS"
    )
    purge.add_argument("--older-than", type=_days, required=True, metavar="DAYS",
                       help="longer than the longest offline period the bank allows: a "
                       "device last synced before then resynchronises in full")  # fmt: skip
    purge.set_defaults(run=_purge)

    seed = sub.add_parser("seed", parents=[with_db], help="load a generated demo bank")
    seed.add_argument("--customers", type=_count(0), required=True, metavar="N")
    seed.add_argument("--rms", type=_count(1), required=True, metavar="K",
                      help="relationship managers (5 to a branch)")  # fmt: skip
    seed.add_argument("--seed", type=_count(0), default=7, metavar="S")
    seed.add_argument("--as-of", type=_day, default=None, metavar="YYYY-MM-DD",
                      help="the day the bank's history ends (default: today)")  # fmt: skip
    seed.add_argument("--locale", choices=["zh", "en"], default="zh")
    seed.set_defaults(run=_seed)

    _add_db_commands(sub, with_db)
    _add_people_commands(sub, with_db)
    _add_export_commands(sub, with_db)
    _add_audit_commands(sub, with_db)
    churn_cli.add_commands(sub, with_db)
    return parser


def _add_db_commands(sub: Any, with_db: argparse.ArgumentParser) -> None:
    database = sub.add_parser("db", help="the database schema's revision (migrations)")
    db_sub = database.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", parents=[with_db],
                                help="migrate the schema to this gateway's revision")  # fmt: skip
    upgrade.add_argument("--to", default="head", metavar="REV",
                         help="stop at revision REV (default: head)")  # fmt: skip
    upgrade.set_defaults(run=_db_upgrade, schema="none")
    current = db_sub.add_parser("current", parents=[with_db],
                                help="print the schema's revision and this gateway's")  # fmt: skip
    current.set_defaults(run=_db_current, schema="none")


def _add_people_commands(sub: Any, with_db: argparse.ArgumentParser) -> None:
    """Branches, users, customer assignment and devices."""
    branch = sub.add_parser("branch", help="manage branches")
    branch_sub = branch.add_subparsers(dest="action", metavar="ACTION", required=True)
    branch_add = branch_sub.add_parser("add", parents=[with_db], help="add a branch")
    branch_add.add_argument("code")
    branch_add.add_argument("--name", required=True)
    branch_add.add_argument("--city", default="")
    branch_add.set_defaults(run=_branch_add)

    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    user_add = user_sub.add_parser("add", parents=[with_db], help="add a user")
    user_add.add_argument("user")
    user_add.add_argument("--role", choices=list(admin.ROLES), required=True)
    user_add.add_argument("--branch", required=True)
    user_add.add_argument("--name", default="", help="display name (default: the user id)")
    user_add.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of stdin")  # fmt: skip
    user_add.set_defaults(run=_user_add)

    reset_scope = user_sub.add_parser(
        "reset-scope", parents=[with_db],
        help="make every device of the user resynchronise in full and accept the result",
    )  # fmt: skip
    reset_scope.add_argument("user")
    reset_scope.set_defaults(run=_user_reset_scope)

    assign = sub.add_parser("assign", parents=[with_db],
                            help="move a customer to another relationship manager")  # fmt: skip
    assign.add_argument("--customer", required=True, metavar="CIF")
    assign.add_argument("--to", required=True, metavar="USER")
    assign.set_defaults(run=_assign)

    device = sub.add_parser("device", help="manage devices")
    device_sub = device.add_subparsers(dest="action", metavar="ACTION", required=True)
    revoke = device_sub.add_parser("revoke", parents=[with_db],
                                   help="revoke a user's device (or all of them)")  # fmt: skip
    revoke.add_argument("--user", required=True)
    revoke.add_argument("--device", default=None, metavar="ID")
    revoke.set_defaults(run=_device_revoke)


def _add_export_commands(sub: Any, with_db: argparse.ArgumentParser) -> None:
    export = sub.add_parser("export", help="export customers or contact history")
    export_sub = export.add_subparsers(dest="what", metavar="WHAT", required=True)
    customers = export_sub.add_parser("customers", parents=[with_db], help="customers by CIF")
    customers.add_argument("--owner", default=None, metavar="USER")
    customers.add_argument("--format", choices=["json", "csv"], default="json")
    customers.set_defaults(run=_export_customers)
    interactions = export_sub.add_parser("interactions", parents=[with_db],
                                         help="contact history in time order")  # fmt: skip
    interactions.add_argument("--customer", default=None, metavar="CIF")
    interactions.add_argument("--format", choices=["json", "csv"], default="json")
    interactions.set_defaults(run=_export_interactions)


def _add_audit_commands(sub: Any, with_db: argparse.ArgumentParser) -> None:
    """The devices' audit chains (sync/server/audit.py)."""
    chains = sub.add_parser("audit", help="check or export the devices' audit logs")
    audit_sub = chains.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = audit_sub.add_parser(
        "verify", parents=[with_db],
        help="re-walk every device's audit chain: gaps, edited or reordered entries, "
        "refused uploads (exit status 1 when any is found)",
    )  # fmt: skip
    verify.add_argument("--device", default=None, metavar="ID")
    verify.set_defaults(run=_audit_verify)
    export = audit_sub.add_parser(
        "export", parents=[with_db], help="write the audit entries as JSON Lines or CSV"
    )
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--device", default=None, metavar="ID")
    export.add_argument("--since", type=_day, default=None, metavar="YYYY-MM-DD",
                        help="entries made on or after this day (UTC)")  # fmt: skip
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.set_defaults(run=_audit_export)


# --- commands -----------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace, engine: Engine) -> int:
    before, after = migrate.upgrade(engine, args.to)
    if before == after:
        print(f"the database schema is at {after} already")
    else:
        print(f"the database schema was at {before or 'nothing'}, now at {after}")
    return 0


def _db_current(args: argparse.Namespace, engine: Engine) -> int:
    print(migrate.status(engine).line())
    return 0


def _serve(args: argparse.Namespace, engine: Engine) -> int:
    try:
        from sync.server.app import create_app  # noqa: PLC0415  (only `serve` needs the web stack)
    except ImportError as exc:
        if exc.name == "sync.server.app":
            raise CommandError("the gateway application (sync.server.app) is not installed"
                               ) from None  # fmt: skip
        raise CommandError(f"the gateway cannot start: {exc}") from None
    import uvicorn  # noqa: PLC0415

    schedule = None
    if args.purge_every > 0:
        schedule = replication.PurgeSchedule(
            every=timedelta(hours=args.purge_every),
            older_than=timedelta(days=args.purge_older_than),
        )
    listener = _listen(args.host, args.port)
    host, port = listener.getsockname()[:2]
    app = create_app(engine, purge=schedule, max_body=int(args.max_body_mib * 2**20))
    proxies = ",".join(args.trusted_proxy or ["127.0.0.1"])
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           proxy_headers=True,
                                           forwarded_allow_ips=proxies))  # fmt: skip
    shown = f"[{host}]" if ":" in host else host
    print(f"serving the sync gateway on http://{shown}:{port} "
          f"(database {_shown_url(args.db)})", flush=True)  # fmt: skip
    server.run(sockets=[listener])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """Bind here, so a taken port is one clear line rather than a server log."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]  # fmt: skip
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return listener


def _purge(args: argparse.Namespace, engine: Engine) -> int:
    older_than = timedelta(days=args.older_than)
    print(replication.purge_older_than(engine, older_than, db.now()).line(older_than))
    return 0


def _seed(args: argparse.Namespace, engine: Engine) -> int:
    report = _progress_line if sys.stderr.isatty() else None
    result = admin.seed(engine, args.customers, args.rms, args.seed, args.as_of, report,
                        locale=args.locale)  # fmt: skip
    if report is not None:
        print(file=sys.stderr)
    print(f"seeded {_many(result.customers, 'customer')} ({result.rows} rows), "
          f"{_many(result.branches, 'branch')} and {_many(result.users, 'user')} "
          f"in {result.seconds:.1f} s")  # fmt: skip
    return 0


def _many(number: int, noun: str) -> str:
    plural = noun + ("es" if noun.endswith("ch") else "s")
    return f"{number} {noun if number == 1 else plural}"


def _progress_line(progress: admin.SeedProgress) -> None:
    print(f"\rseeding: {progress.customers_done:,} of {progress.customers_total:,} customers",
          end="", file=sys.stderr, flush=True)  # fmt: skip


def _branch_add(args: argparse.Namespace, engine: Engine) -> int:
    admin.add_branch(engine, args.code, args.name, args.city)
    print(f"added branch {args.code}")
    return 0


def _user_add(args: argparse.Namespace, engine: Engine) -> int:
    password = _read_password(args.password_stdin, args.user)
    admin.add_user(engine, args.user, args.role, args.branch, password, name=args.name)
    print(f"added user {args.user} ({args.role}, branch {args.branch})")
    return 0


def _user_reset_scope(args: argparse.Namespace, engine: Engine) -> int:
    epoch = admin.reset_scope(engine, args.user)
    print(f"scope of {args.user} reset (epoch {epoch}): each of their devices resynchronises "
          "in full on its next sync")  # fmt: skip
    return 0


def _read_password(from_stdin: bool, user: str) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CommandError("no password on standard input")
        return line
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for the password: use --password-stdin")
    password = getpass.getpass(f"Password for {user}: ")
    if getpass.getpass("Repeat the password: ") != password:
        raise CommandError("the passwords do not match")
    return password


def _assign(args: argparse.Namespace, engine: Engine) -> int:
    print(admin.assign(engine, args.customer, args.to).message)
    return 0


def _device_revoke(args: argparse.Namespace, engine: Engine) -> int:
    revoked = admin.revoke_device(engine, args.user, args.device)
    print(f"revoked {_many(revoked, 'device')} of {args.user}")
    return 0


def _export_customers(args: argparse.Namespace, engine: Engine) -> int:
    records = admin.iter_customers(engine, args.owner)
    _write(records, admin.CUSTOMER_EXPORT_FIELDS, args.format, sys.stdout)
    return 0


def _export_interactions(args: argparse.Namespace, engine: Engine) -> int:
    records = admin.iter_interactions(engine, args.customer)
    _write(records, admin.INTERACTION_EXPORT_FIELDS, args.format, sys.stdout)
    return 0


def _audit_verify(args: argparse.Namespace, engine: Engine) -> int:
    reports = audit.verify(engine, args.device)
    if args.device is not None and not reports[0].entries and reports[0].ok:
        raise CommandError(f"no audit entries of device {args.device}")
    for report in reports:
        print("\n".join(report.lines()))
    bad = [r for r in reports if not r.ok]
    if bad:
        raise CommandError(
            f"audit problems on {_many(len(bad), 'device')} of {len(reports)}: "
            + ", ".join(r.device_id for r in bad)
        )
    print(f"{_many(len(reports), 'device')} checked: every audit chain is whole")
    return 0


def _audit_export(args: argparse.Namespace, engine: Engine) -> int:
    records = audit.iter_events(engine, args.device, args.since)
    count = 0
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        if args.format == "csv":
            writer = csv.DictWriter(out, fieldnames=list(audit.EXPORT_FIELDS),
                                    lineterminator="\n")  # fmt: skip
            writer.writeheader()
            for record in records:
                writer.writerow({**record, "detail": json.dumps(record["detail"],
                                                                ensure_ascii=False)})  # fmt: skip
                count += 1
        else:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    print(f"wrote {count} audit entr{'y' if count == 1 else 'ies'} to {args.out}")
    return 0


def _write(records: Iterator[dict[str, Any]], fields: Sequence[str], fmt: str, out: TextIO) -> None:
    """Stream records as a JSON array (the same text as json.dumps of the list) or CSV."""
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore",
                                lineterminator="\n")  # fmt: skip
        writer.writeheader()
        writer.writerows(records)
        return
    out.write("[")
    for index, record in enumerate(records):
        if index:
            out.write(", ")
        out.write(json.dumps(record, ensure_ascii=False))
    out.write("]\n")


# --- plumbing -----------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shown_url(url: str | None) -> str:
    """The database URL with any password hidden (never print a credential)."""
    try:
        return make_url(url or db.default_url()).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, OSError):
        return "the given --db URL"


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return _one_line(lines[0]) if lines else type(original).__name__


def _open(url: str | None) -> Engine:
    try:
        return db.make_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError):
        raise CommandError(f"{_shown_url(url)} is not a PostgreSQL or SQLite database URL"
                           ) from None  # fmt: skip


def _prepare(args: argparse.Namespace, engine: Engine, given: bool) -> None:
    """The schema a command needs: `db` commands none; `serve` the head revision, or
    migrates with --upgrade-db; the rest create it in an empty database."""
    mode = getattr(args, "schema", "head")
    if mode == "none":
        return
    if getattr(args, "upgrade_db", False):
        before, after = migrate.upgrade(engine)
        if before != after:  # on stderr: serve's first stdout line names its address
            print(f"{PROG}: the database schema was at {before or 'nothing'}, now at {after}",
                  file=sys.stderr, flush=True)  # fmt: skip
        return
    state = migrate.status(engine)
    if state.current:
        return
    if state.empty and args.command != "serve":
        db.create_schema(engine)
        return
    hint = " with the same --db" if given else ""
    raise CommandError(migrate.refusal(state, hint))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    given = args.db is not None
    url: str | None = args.db or os.environ.get(DB_ENV) or None
    args.db = url
    engine: Engine | None = None
    try:
        engine = _open(url)
        _prepare(args, engine, given)
        run: Callable[[argparse.Namespace, Engine], int] = args.run
        return run(args, engine)
    except (CommandError, admin.AdminError, RmDeskError, migrate.SchemaError) as exc:
        return _fail(str(exc))  # an RmDeskError's English comes from its code
    except OperationalError as exc:
        return _fail(f"cannot reach the database at {_shown_url(url)} ({_reason(exc)})")
    except SQLAlchemyError as exc:
        return _fail(f"the database at {_shown_url(url)} refused the request ({_reason(exc)})")
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}")
    except ValueError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        return _fail(f"internal error ({type(exc).__name__}: {exc})")
    finally:
        if engine is not None:
            engine.dispose()


def _fail(message: str) -> int:
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    return EXIT_FAILURE


def entry() -> None:
    sys.exit(main())
