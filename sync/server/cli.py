"""`rm-desk-central`: the central CRM gateway's admin command.

The gateway itself (serve, seed, users, devices, exports, churn models) is being
built; until then the command prints its help and exits cleanly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rm_desk import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rm-desk-central",
        description="Administer the RM Desk central CRM gateway.",
    )
    parser.add_argument("--version", action="version", version=f"rm-desk-central {__version__}")
    parser.add_argument("--db", help="database URL (default: SQLite in the platform data dir)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


def entry() -> None:
    sys.exit(main())
