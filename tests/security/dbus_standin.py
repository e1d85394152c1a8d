"""A stand-in for logind and the screen savers on a private D-Bus bus, for
tests/security/test_os_lock.py. It runs in its own process, written with jeepney (a
D-Bus implementation other than the QtDBus under test), and:

- owns `org.freedesktop.login1`, `org.freedesktop.ScreenSaver` and
  `org.gnome.ScreenSaver`, as logind and the desktop do on the real buses;
- answers the Manager's `GetSession(id)` with `SESSION_PATH` for `SESSION_IDS` (an
  error, as logind's NoSuchSession, for any other id), and its
  `Inhibit(what, who, why, mode)` with the write end of a pipe whose read end it keeps:
  the inhibitor is held until every copy of that descriptor is closed (EOF), as
  logind's is;
- answers the control call `test.rmdesk.Standin.Inhibitors()` with how many are held;
- on the control call `test.rmdesk.Standin.Emit(json)` at `/standin` sends the signal
  the JSON describes (`path`, `interface`, `member`, `signature`, `args`; a variant is
  written `[signature, value]`) from its own connection, then answers.

    python -m tests.security.dbus_standin BUS_ADDRESS

Prints "ready" once it owns the names; runs until its stdin closes or a `Quit` call.
"""

from __future__ import annotations

import json
import os
import select
import sys
from typing import Any

from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    HeaderFields,
    MessageType,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

NAMES = ("org.freedesktop.login1", "org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver")
SESSION_PATH = "/org/freedesktop/login1/session/_31"
SESSION_IDS = ("auto", "1")
CONTROL_PATH = "/standin"
CONTROL_INTERFACE = "test.rmdesk.Standin"


def _arguments(signature: str, args: list[Any]) -> tuple[Any, ...]:
    """JSON arguments as jeepney takes them: a{sv} values as (signature, value) pairs."""
    if signature == "sa{sv}as":
        interface, changed, invalidated = args
        return interface, {k: (v[0], v[1]) for k, v in changed.items()}, invalidated
    return tuple(args)


def _held(read_ends: list[int]) -> int:
    """How many inhibitors are still held: a read end at EOF is a released one."""
    readable = select.select(read_ends, [], [], 0)[0] if read_ends else []
    return len(read_ends) - len(readable)


def main(address: str) -> None:
    conn = open_dbus_connection(bus=address, enable_fds=True)
    read_ends: list[int] = []
    for name in NAMES:
        conn.send_and_get_reply(message_bus.RequestName(name))
    print("ready", flush=True)
    for _ in range(100_000):  # bounded: a test sends a few dozen calls
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        fields = msg.header.fields
        interface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member)
        if member == "GetSession" and msg.body[0] not in SESSION_IDS:
            conn.send(new_error(msg, "org.freedesktop.login1.NoSuchSession", "s", ("none",)))
        elif member == "GetSession":
            conn.send(new_method_return(msg, "o", (SESSION_PATH,)))
        elif member == "Inhibit":
            read_end, write_end = os.pipe()
            read_ends.append(read_end)
            conn.send(new_method_return(msg, "h", (write_end,)))
            os.close(write_end)  # the caller's copy is the only one now
        elif interface == CONTROL_INTERFACE and member == "Inhibitors":
            conn.send(new_method_return(msg, "u", (_held(read_ends),)))
        elif interface == CONTROL_INTERFACE and member == "Emit":
            spec = json.loads(msg.body[0])
            where = DBusAddress(spec["path"], interface=spec["interface"])
            body = _arguments(spec["signature"], spec["args"])
            conn.send(new_signal(where, spec["member"], spec["signature"], body))
            conn.send(new_method_return(msg))
        elif interface == CONTROL_INTERFACE and member == "Quit":
            conn.send(new_method_return(msg))
            break
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))
    conn.close()


if __name__ == "__main__":
    main(sys.argv[1])
