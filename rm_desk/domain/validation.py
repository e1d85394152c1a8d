"""One readable line for a configuration file that failed its pydantic model.

A bad file is reported as "key: problem" ("profiles.0.role: must be one of rm, teller,
manager, admin"), naming the first problem only; pydantic's own report (several lines,
input values, documentation links) never reaches a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from pydantic import ValidationError

# Problems by pydantic error type; {…} are filled from the error's context.
_PROBLEMS: Final[dict[str, str]] = {
    "missing": "is missing",
    "extra_forbidden": "is not a known key",
    "string_type": "must be text",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} characters",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} items",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "enum": "must be one of {expected}",
    "literal_error": "must be {expected}",
    "datetime_type": "must be a date and time",
    "datetime_parsing": "must be a date and time",
    "datetime_from_date_parsing": "must be a date and time",
    "union_tag_invalid": "has an unknown {discriminator}: {tag}",
    "union_tag_not_found": "has no {discriminator}",
}


def key_of(loc: Sequence[int | str]) -> str:
    """A location as a dotted key ("profiles.0.kdf")."""
    return ".".join(str(part) for part in loc)


def problem_of(error: Any) -> str:
    """What is wrong, in words, for one entry of `ValidationError.errors()`."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, BaseException) and str(cause):
        return str(cause)
    template = _PROBLEMS.get(error["type"])
    if template is not None:
        try:
            return template.format(**(error.get("ctx") or {})).replace("'", "")
        except (KeyError, IndexError):
            pass
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def one_line(error: ValidationError, *, top: str = "the file") -> str:
    """The first problem of `error` as "key: problem" (`top` when it is the whole input)."""
    first = error.errors()[0]
    return f"{key_of(first['loc']) or top}: {problem_of(first)}"
