"""The `rm-desk` command: the composition root.

Opens the desktop app (importing `ui` lazily, only then) or runs a headless
subcommand. Every failure a user can cause ends as one readable line on stderr and
a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rm_desk import __version__
from rm_desk.domain.errors import ErrorCode, RmDeskError, english

log = logging.getLogger("rm_desk")

EXIT_USAGE = 2
EXIT_FAILURE = 1


class CliError(Exception):
    """A failure to report as one line."""


# What to do where the command line has its own way (the sentence comes from the code).
CLI_HINTS = {ErrorCode.STORE_DAMAGED: "Run 'rm-desk profile repair --user NAME'."}


def error_line(exc: BaseException) -> str:
    """An error as one line. An `RmDeskError`'s English sentence comes from its code
    (rm_desk.domain.errors.SENTENCES, the table the window translates), then what to
    do at the command line, then the technical detail in brackets."""
    if not isinstance(exc, RmDeskError):
        return " ".join(str(exc).split())
    parts = [english(exc.code, exc.values), CLI_HINTS.get(exc.code, "")]
    if exc.detail:
        parts.append(f"({exc.detail})")
    return " ".join(" ".join(parts).split())


def read_password(from_stdin: bool, prompt: str = "Password: ") -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CliError("no password on standard input")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask for the password: use --password-stdin")
    return getpass.getpass(prompt)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rm-desk",
        description="RM Desk: the relationship manager's offline, encrypted workstation.",
    )
    parser.add_argument("--version", action="version", version=f"rm-desk {__version__}")
    parser.add_argument("--data-dir", help="where profiles live (default: per-user data dir)")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="interface language")
    parser.add_argument(
        "--demo", action="store_true", help="provision a demo bank and profile, then open the app"
    )
    parser.add_argument(
        "--screenshots",
        metavar="DIR",
        help="with --demo: render the main views to PNG files and exit",
    )
    parser.add_argument(
        "--demo-customers",
        type=int,
        default=5000,
        metavar="N",
        help="with --demo: size of the demo book (default 5000)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    profile = sub.add_parser("profile", help="manage profiles on this computer")
    psub = profile.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    psub.add_parser("list", help="list the profiles on this computer")
    add = psub.add_parser("add", help="sign in to the central CRM and create a profile")
    add.add_argument("--user", required=True)
    add.add_argument("--server", help="gateway URL (default: the policy's server_url)")
    add.add_argument("--password-stdin", action="store_true")
    remove = psub.add_parser("remove", help="delete a profile and its encrypted data")
    remove.add_argument("user")
    check = psub.add_parser("check", help="check a profile's encrypted data for damage")
    check.add_argument("--user", required=True)
    check.add_argument("--password-stdin", action="store_true")
    repair = psub.add_parser(
        "repair",
        help="rebuild a damaged profile from the central CRM, keeping unsynced work "
        "that can still be read (the damaged file is kept beside it)",
    )
    repair.add_argument("--user", required=True)
    repair.add_argument("--password-stdin", action="store_true")

    sync = sub.add_parser("sync", help="synchronise a profile with the central CRM")
    sync.add_argument("--user", required=True)
    sync.add_argument("--password-stdin", action="store_true")

    note = sub.add_parser("note", help="contact history")
    nsub = note.add_subparsers(dest="note_command", metavar="ACTION", required=True)
    nadd = nsub.add_parser("add", help="log a contact (works offline; syncs later)")
    nadd.add_argument("--user", required=True)
    nadd.add_argument("--customer", required=True, metavar="CIF")
    nadd.add_argument(
        "--kind", required=True, choices=["visit", "call", "message", "service", "complaint"]
    )
    nadd.add_argument("--text", required=True)
    nadd.add_argument("--subject", default="")
    nadd.add_argument("--password-stdin", action="store_true")

    _add_policy_command(sub)

    _add_brief_command(sub)
    _add_export_command(sub)

    demo = sub.add_parser("demo", help="demo bank tools")
    dsub = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    load = dsub.add_parser("load", help="create a local profile holding a generated demo book")
    load.add_argument("--user", required=True)
    load.add_argument("--customers", type=int, default=5000)
    load.add_argument("--rms", type=int, default=1, help="RMs in the generated bank")
    load.add_argument("--seed", type=int, default=7)
    load.add_argument("--password-stdin", action="store_true")
    return parser


def _add_brief_command(sub: Any) -> None:
    brief = sub.add_parser(
        "brief",
        help="visit brief PDF: one A4 page per customer (masked as on screen, audited)",
        description="Write the visit brief of one customer, or with --today of every "
        "customer with a follow-up of yours due today, as ONE PDF document with one A4 "
        "page per customer. The language is --lang (default: the system's).",
    )
    brief.add_argument("--user", required=True)
    which = brief.add_mutually_exclusive_group(required=True)
    which.add_argument("--customer", metavar="CIF", help="the customer's CIF number")
    which.add_argument(
        "--today",
        action="store_true",
        help="every customer with a follow-up (a planned visit, a call…) due today, "
        "one page each, in one document",
    )
    brief.add_argument("--out", required=True, metavar="PATH", help="the PDF file to write")
    brief.add_argument("--password-stdin", action="store_true")


def _add_export_command(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="export a list to CSV or XLSX (masked by role, audited)",
        description="Write a list as the window shows it (the whole book, your open "
        "follow-ups, the churn watchlist, or a manager's team figures) to a CSV (UTF-8 "
        "with BOM) or XLSX file. Personal fields are masked for roles that see masked "
        "data; the export is written to the audit log. Headers are in --lang (default: "
        "the system's).",
    )
    export.add_argument("--user", required=True)
    export.add_argument("--list", required=True, choices=["book", "tasks", "watchlist", "team"])
    export.add_argument("--format", required=True, choices=["csv", "xlsx"])
    export.add_argument("--out", required=True, metavar="PATH", help="the file to write")
    export.add_argument(
        "--view",
        default="open",
        choices=["open", "today", "overdue", "upcoming", "done"],
        help="with --list tasks: which follow-ups (default: all open ones)",
    )
    export.add_argument("--password-stdin", action="store_true")


def _add_policy_command(sub: Any) -> None:
    policy = sub.add_parser("policy", help="the machine policy in force")
    polsub = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    polsub.add_parser(
        "show", help="every policy key's value and where it came from (Group Policy, file, default)"
    )
    write = polsub.add_parser(
        "write", help="set policy keys in the policy file (installers); an empty value is skipped"
    )
    write.add_argument("--file", default=None, help="default: the machine's policy file")
    write.add_argument("--from-msi", action="store_true",
                       help="name errors by the MSI's properties (SERVER_URL...)")  # fmt: skip
    for key, option in (("server_url", "--server-url"), ("ca_bundle", "--ca-bundle"),
                        ("spki_pin_sha256", "--spki-pin"),
                        ("idle_lock_minutes", "--idle-lock-minutes"),
                        ("shared_terminal", "--shared-terminal")):  # fmt: skip
        write.add_argument(option, dest=key, default="", metavar="VALUE")


def _cmd_policy_write(args: argparse.Namespace) -> int:
    from rm_desk.services import config, policy_file  # noqa: PLC0415

    path = Path(args.file) if args.file else config.policy_path()
    given = {key: str(getattr(args, key)) for key in policy_file.MSI_PROPERTIES}
    names = policy_file.MSI_PROPERTIES if args.from_msi else {k: k for k in given}
    changed = policy_file.write_values(path, given, names=names)
    print(f"{'wrote' if changed else 'kept'} {path}")
    return 0


def _cmd_policy_show() -> int:
    from rm_desk.services import config  # noqa: PLC0415

    for line in config.load_effective_policy().lines():
        print(line)
    return 0


def _cmd_profile(args: argparse.Namespace) -> int:
    from rm_desk.services import config, session  # noqa: PLC0415

    reg = session.registry(config.data_dir(args.data_dir), config.load_policy())
    if args.profile_command == "list":
        for p in reg.list():
            block = reg.blocked(p)
            state = " (locked out)" if block is not None and block.lockout else ""
            print(f"{p.user}\t{p.role.value}\t{p.server}{state}")
        return 0
    if args.profile_command == "add":
        from rm_desk.services import sync as sync_service  # noqa: PLC0415

        server = args.server or reg.policy.server_url
        if not server:
            raise CliError("no server: pass --server URL or set server_url in the policy")
        password = read_password(args.password_stdin)
        try:
            added = sync_service.add_profile(reg, args.user, password, server)
        except (
            sync_service.ServerUnreachable,
            sync_service.TlsFailure,
            sync_service.ServerFailed,
        ) as exc:  # nothing was made, so nothing is "kept": say so
            why = f" ({exc.detail})" if exc.detail else ""
            raise CliError(f"could not sign in to {server}{why}; no profile was created") from None
        added.session.lock()
        print(
            f"added profile {args.user} ({added.session.role.value}) from {server}: "
            f"{added.summary.line()}"
        )
        return 0
    if args.profile_command == "remove":
        reg.remove(args.user)
        print(f"removed profile {args.user}")
        return 0
    if args.profile_command == "check":
        reg.get(args.user)
        opened = session.unlock(reg, args.user, read_password(args.password_stdin))
        try:
            result = session.check_store(opened)
        finally:
            opened.lock()
        print(f"profile {args.user}: {result}")
        return 0
    if args.profile_command == "repair":
        from rm_desk.services import repair  # noqa: PLC0415

        reg.get(args.user)
        repaired = repair.repair_profile(reg, args.user, read_password(args.password_stdin))
        repaired.session.lock()
        print(f"repaired profile {args.user}: {repaired.report.line()}")
        return 0
    raise CliError(f"unknown profile action {args.profile_command}")


def _unlock(args: argparse.Namespace, *, signs_in: bool = False) -> tuple[object, object, str]:
    """Unlock the profile. Past the offline lease only a command that `signs_in` (sync)
    opens it, by syncing first (that sync's summary is left in `_SIGNED_IN`); every
    other command is refused in one line (OfflineLeaseExpired)."""
    from rm_desk.services import config, session  # noqa: PLC0415
    from rm_desk.services import sync as sync_service  # noqa: PLC0415

    reg = session.registry(config.data_dir(args.data_dir), config.load_policy())
    reg.get(args.user)  # ProfileNotFound before asking for a password
    password = read_password(args.password_stdin)

    def sign_in_online(opened: session.Session) -> None:
        _SIGNED_IN[opened.user] = sync_service.sync_session(opened, password, reg=reg)

    opened = session.unlock(
        reg, args.user, password, sign_in_online=sign_in_online if signs_in else None
    )
    return reg, opened, password


# The sync that signed a profile in past its offline lease (the sync command's result).
_SIGNED_IN: dict[str, object] = {}


def _cmd_sync(args: argparse.Namespace) -> int:
    from rm_desk.services import sync as sync_service  # noqa: PLC0415
    from rm_desk.services.session import Session  # noqa: PLC0415

    reg, opened, password = _unlock(args, signs_in=True)
    assert isinstance(opened, Session)  # noqa: S101
    try:
        signed_in = _SIGNED_IN.pop(opened.user, None)
        summary = (
            signed_in
            if isinstance(signed_in, sync_service.SyncSummary)
            else sync_service.sync_session(opened, password, reg=reg)  # type: ignore[arg-type]
        )
    finally:
        if opened.store.is_open:
            opened.lock()
    print(summary.line())
    return 0


def _cmd_note_add(args: argparse.Namespace) -> int:
    from rm_desk.domain.model import InteractionKind  # noqa: PLC0415
    from rm_desk.services import notes  # noqa: PLC0415
    from rm_desk.services.session import Session  # noqa: PLC0415

    _reg, opened, _password = _unlock(args)
    assert isinstance(opened, Session)  # noqa: S101
    try:
        data = notes.NoteInput(
            customer_id=args.customer,
            kind=InteractionKind(args.kind),
            occurred_at=opened.clock(),
            subject=args.subject,
            note=args.text,
        )
        interaction, _task, _changes = notes.log_interaction(opened, data)
    finally:
        opened.lock()
    print(
        f"saved {args.kind} note {interaction.id} for {args.customer}; it syncs with the next sync"
    )
    return 0


def _cmd_brief(args: argparse.Namespace) -> int:
    from pathlib import Path  # noqa: PLC0415

    from rm_desk.services import brief  # noqa: PLC0415
    from rm_desk.services.session import Session  # noqa: PLC0415

    out = Path(args.out).expanduser()
    if out.is_dir():
        raise CliError(f"--out {out} is a folder: give the PDF file to write")
    _reg, opened, _password = _unlock(args)
    assert isinstance(opened, Session)  # noqa: S101
    try:
        ids = brief.customers_due_today(opened) if args.today else [args.customer]
        if not ids:
            print("no customer has a follow-up due today; nothing written")
            return 0
        data = brief.gather_many(opened, ids)
        try:
            from ui import brief_pdf  # noqa: PLC0415  (Qt paints the page)
        except ImportError as exc:
            raise CliError(f"the PDF cannot be drawn: {exc}") from None
        lang = brief_pdf.start_offscreen(args.lang)
        document = brief_pdf.render_pdf(data)
        written = brief.save(opened, document, out, ids, lang=lang)
    finally:
        opened.lock()
    pages = len(ids)
    print(f"wrote {written} ({pages} page{'s' if pages != 1 else ''}); the print is audited")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path  # noqa: PLC0415

    from rm_desk.services import export  # noqa: PLC0415
    from rm_desk.services.session import Session  # noqa: PLC0415

    out = Path(args.out).expanduser()
    if out.is_dir():
        raise CliError(f"--out {out} is a folder: give the file to write")
    request = export.ExportRequest(export.ListKind(args.list), task_view=args.view)
    _reg, opened, _password = _unlock(args)
    assert isinstance(opened, Session)  # noqa: S101
    try:
        words = export.ENGLISH
        try:
            from ui import brief_pdf, export_words  # noqa: PLC0415  (Qt's translations)

            brief_pdf.start_offscreen(args.lang)
            words = export_words.wording()
        except ImportError:
            log.warning("no Qt: the export's headers are in English")
        result = export.export(opened, request, export.ExportFormat(args.format), out, words=words)
    finally:
        opened.lock()
    masked = "personal fields masked" if result.masked else "personal fields in full"
    print(f"wrote {result.path} ({result.rows} rows, {masked}); the export is audited")
    return 0


def _cmd_demo_load(args: argparse.Namespace) -> int:
    from rm_desk.services import config, demo  # noqa: PLC0415

    if args.customers < 1:
        raise CliError("--customers must be at least 1")
    password = read_password(args.password_stdin)
    result = demo.provision_local_demo(
        config.data_dir(args.data_dir),
        args.user,
        password,
        customers=args.customers,
        rms=args.rms,
        seed=args.seed,
    )
    print(
        f"loaded {result.customers} customers, {result.rows} rows in {result.seconds:.1f} s "
        f"into profile {args.user}"
    )
    return 0


def _check_desktop(args: argparse.Namespace) -> None:
    """Name the system libraries Qt lacks (or the missing display) in one line, before
    Qt itself would stop with a raw message about its platform plugin."""
    from rm_desk import system_libs  # noqa: PLC0415

    env = dict(os.environ)
    if args.screenshots:
        env.setdefault("QT_QPA_PLATFORM", "offscreen")  # as ui.app.run does
    problem = system_libs.check(env)
    if problem is not None:
        raise CliError(problem)


def _run_gui(args: argparse.Namespace) -> int:
    _check_desktop(args)
    try:
        from ui import app  # noqa: PLC0415  (Qt is imported only to open a window)
    except ImportError as exc:
        raise CliError(f"the desktop interface cannot start: {exc}") from None
    if args.demo:
        return _run_demo(app, args)
    from rm_desk.services import config, logs  # noqa: PLC0415

    logs.log_to_file(config.data_dir(args.data_dir))
    return app.run(data_dir=args.data_dir, lang=args.lang, screenshots=args.screenshots)


def _run_demo(app: ModuleType, args: argparse.Namespace) -> int:
    """Demo mode: a seeded bank in an embedded gateway (composed here, outside the
    services), a profile provisioned from it, then the window; all of it generated data,
    removed on exit."""
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from rm_desk import demo_gateway  # noqa: PLC0415

    base = Path(tempfile.mkdtemp(prefix="rm-desk-demo-"))
    try:
        print(f"rm-desk: starting the demo bank ({args.demo_customers} customers) in {base} …")
        env = demo_gateway.start_demo(base, customers=args.demo_customers)
        try:
            print(f"rm-desk: demo gateway {env.url}; sign in as {env.user} / {env.password}")
            return int(app.run(lang=args.lang, screenshots=args.screenshots, demo=env))
        finally:
            env.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)  # generated data only; nothing to keep


def harden_process() -> None:
    """No core dumps: a crash must not write decrypted customer data to disk."""
    try:
        import resource  # noqa: PLC0415  (POSIX only)
    except ImportError:  # pragma: no cover - Windows: WER dumps are off by installer policy
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # urllib3 warns at every retry in its own words; the one line a failure ends with
    # says what happened (a library's internals never reach the terminal).
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    from rm_desk.domain.policy import PolicyError  # noqa: PLC0415

    try:
        if args.command == "profile":
            return _cmd_profile(args)
        if args.command == "demo":
            return _cmd_demo_load(args)
        if args.command == "policy":
            if args.policy_command == "write":
                return _cmd_policy_write(args)
            return _cmd_policy_show()
        if args.command == "sync":
            return _cmd_sync(args)
        if args.command == "note":
            return _cmd_note_add(args)
        if args.command == "brief":
            return _cmd_brief(args)
        if args.command == "export":
            return _cmd_export(args)
        if args.screenshots and not args.demo:
            raise CliError("--screenshots needs --demo")
        return _run_gui(args)
    except (CliError, RmDeskError, PolicyError) as exc:
        print(f"rm-desk: error: {error_line(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("rm-desk: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"rm-desk: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:
        where = _log_crash(args, exc)
        print(
            f"rm-desk: error: internal error ({type(exc).__name__}); details in {where}",
            file=sys.stderr,
        )
        return EXIT_FAILURE


def _log_crash(args: argparse.Namespace, exc: BaseException) -> str:
    """Write the traceback to the user's log file (never the terminal)."""
    import traceback  # noqa: PLC0415

    from local_store import files  # noqa: PLC0415
    from rm_desk.services import config  # noqa: PLC0415

    try:
        # The data directory and its logs are private (0700 / 0600): a traceback may
        # name a customer's file or record.
        data = files.private_dir(config.data_dir(args.data_dir))
        path = files.private_dir(data / "logs") / "rm-desk.log"
        with os.fdopen(files.open_private(path, append=True), "a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)))
        return str(path)
    except OSError:
        return "(the log could not be written)"


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
