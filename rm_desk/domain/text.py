"""The one rule for text that users type and that crosses the wire.

Every piece of free text (a visit note, a task title, a tag, a field name in a pushed
change) is normalised by `clean_text` before it is stored or queued on the client, and
again by the sync protocol's models when the gateway reads a push (sync/protocol.py),
so an older or hostile client cannot put into the central database what this client
would never send. The rule, chosen so that it is safe for every store we use
(SQLCipher, SQLite, PostgreSQL `text` and `jsonb`) and for UTF-8 on the wire:

* line ends become "\\n" ("\\r\\n" and a lone "\\r" both; text pasted from Windows);
* tab and newline are kept; every other C0 control (U+0000..U+001F, including
  U+0000, which PostgreSQL refuses in text), DEL (U+007F) and the C1 controls
  (U+0080..U+009F, never typed, only left by broken encodings) are dropped;
* a lone surrogate (U+D800..U+DFFF not in a pair; it cannot be encoded as UTF-8)
  becomes U+FFFD, the replacement character, so the reader sees something was there;
* everything else is kept as it is: CJK, emoji, right-to-left text and its marks,
  zero-width joiners. No Unicode normalisation (NFC would rewrite CJK compatibility
  ideographs, which some customer names use on purpose).

The function is idempotent and never raises; it only removes or replaces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

REPLACEMENT: Final = "\ufffd"

_LINE_ENDS: Final = re.compile(r"\r\n?")
_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATES: Final = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` by the rule above (the same result however often applied)."""
    if text.isprintable():  # the common case: nothing to do (tab and newline are not printable)
        return text
    text = _LINE_ENDS.sub("\n", text)
    text = _CONTROLS.sub("", text)
    # A Python str holds no surrogate pairs (a pair decodes to one code point), so every
    # surrogate left in one is lone.
    return _SURROGATES.sub(REPLACEMENT, text)


def clean_value(value: Any) -> Any:
    """A JSON-like value with `clean_text` applied to every string in it, keys included
    (dicts and lists are rebuilt; numbers, booleans and None pass through)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value


def is_clean(text: str) -> bool:
    return clean_text(text) == text
