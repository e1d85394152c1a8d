"""The support log: warnings and errors of the window, kept for IT in the data directory.

`logs/rm-desk.log` in the data directory, private to the user (0600 in a 0700 folder,
like the crash tracebacks beside it), rotated at 1 MiB with three old files kept. The
code logs ids and counts, never keys, passwords, tokens or personal data; as a second
line of defence every record passes `Redact`, which blanks what looks like a key or a
token (64 or more hex digits, a bearer token, a JWT) before it is written anywhere.
"""

from __future__ import annotations

import io
import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from local_store import files

LOG_NAME = "rm-desk.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_SECRET = re.compile(
    r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"  # an Authorization header's token
    r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # a JWT
    r"|(?<![0-9a-f])[0-9a-f]{64,}(?![0-9a-f])"  # a key, a key's hash, an opaque token
    r"|(?<![0-9A-F])[0-9A-F]{64,}(?![0-9A-F])"
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _SECRET.sub(REDACTED, text)


class Redact(logging.Filter):
    """Blanks key- and token-shaped strings in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_text is None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class _PrivateRotatingFile(RotatingFileHandler):
    """A rotating log whose files are created 0600 (the standard handler uses the umask)."""

    def _open(self) -> io.TextIOWrapper:
        fd = files.open_private(Path(self.baseFilename), append=True)
        return io.TextIOWrapper(os.fdopen(fd, "ab"), encoding="utf-8")


def log_dir(data_dir: Path) -> Path:
    return files.private_dir(files.private_dir(data_dir) / "logs")


def log_to_file(data_dir: Path, level: int = logging.WARNING) -> Path | None:
    """Send this process's warnings and errors to the support log; None (and the log
    stays on the terminal only) when the folder cannot be written."""
    try:
        path = log_dir(data_dir) / LOG_NAME
        handler = _PrivateRotatingFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS)
    except OSError:
        return None
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.getEffectiveLevel() > level:
        root.setLevel(level)
    for each in root.handlers:  # the terminal's handler too
        if not any(isinstance(f, Redact) for f in each.filters):
            each.addFilter(Redact())
    return path
