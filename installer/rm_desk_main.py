"""The frozen program's entry point (installer/rm-desk.spec).

One executable serves both commands, by the name it was started as: `rm-desk` (the
desktop app and its command line) and `rm-desk-central` (the gateway's admin command,
a symbolic link to the same file). One program in the bundle instead of two keeps the
bundle to one copy of the Python archive.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    name = os.path.basename(sys.argv[0] if sys.argv else "")
    if name.startswith("rm-desk-central"):
        from sync.server.cli import entry  # noqa: PLC0415
    else:
        from rm_desk.cli import entry  # noqa: PLC0415
    entry()


if __name__ == "__main__":
    main()
