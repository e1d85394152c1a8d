"""Password hashing (Argon2id) and opaque bearer tokens for the gateway.

Tokens are random; only their SHA-256 is stored, so a database leak does not leak
usable tokens. Access tokens are short-lived; refresh tokens rotate on use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

# OWASP's server-side Argon2id profile (m=19 MiB, t=2, p=1) is the floor; we use
# more memory since logins are rare compared with syncs.
MEMORY_KIB = 32 * 1024
ITERATIONS = 2
LANES = 1


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """A PHC-format Argon2id hash: $argon2id$v=19$m=..,t=..,p=..$salt$hash."""
    salt = secrets.token_bytes(16)
    digest = Argon2id(
        salt=salt, length=32, iterations=ITERATIONS, lanes=LANES, memory_cost=MEMORY_KIB
    ).derive(password.encode("utf-8"))
    return f"$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={LANES}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, algorithm, _version, params, salt_text, digest_text = stored.split("$")
        if algorithm != "argon2id":
            return False
        values = dict(p.split("=", 1) for p in params.split(","))
        salt, expected = _unb64(salt_text), _unb64(digest_text)
        actual = Argon2id(
            salt=salt,
            length=len(expected),
            iterations=int(values["t"]),
            lanes=int(values["p"]),
            memory_cost=int(values["m"]),
        ).derive(password.encode("utf-8"))
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(actual, expected)


# A fixed dummy hash verified for unknown users, so timing does not reveal whether a
# user exists.
DUMMY_HASH = hash_password("not-a-real-password")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
