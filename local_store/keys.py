"""Key management: the data key, its Argon2id/HKDF key-encryption key and AES-GCM wrap.

    data key (32 random bytes, the raw SQLCipher key)
      └ AES-256-GCM wrapped by KEK = HKDF-SHA256(Argon2id(password, salt), keyring secret)

The KDF parameters travel with the wrapped key, and parameters below the minimums
are refused, so a tampered profile file cannot downgrade the work factor. The AES-GCM
associated data binds the wrapped key to its profile id and KDF parameters.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from local_store.errors import KeyringUnavailable, WeakKdfParameters, WrongPassword

DATA_KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12

MIN_MEMORY_KIB = 64 * 1024
MIN_ITERATIONS = 3
MIN_LANES = 1
MIN_SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id parameters, stored beside the wrapped key."""

    salt: bytes
    memory_kib: int = MIN_MEMORY_KIB
    iterations: int = MIN_ITERATIONS
    lanes: int = 4
    algorithm: str = "argon2id"

    @classmethod
    def fresh(cls, memory_kib: int = MIN_MEMORY_KIB, iterations: int = MIN_ITERATIONS) -> KdfParams:
        params = cls(
            salt=secrets.token_bytes(SALT_BYTES), memory_kib=memory_kib, iterations=iterations
        )
        params.check()
        return params

    def check(self) -> None:
        """Refuse parameters below the minimums (or an unknown algorithm)."""
        if self.algorithm != "argon2id":
            raise WeakKdfParameters(f"unknown algorithm {self.algorithm!r}")
        if self.memory_kib < MIN_MEMORY_KIB:
            raise WeakKdfParameters(f"memory {self.memory_kib} KiB < {MIN_MEMORY_KIB} KiB")
        if self.iterations < MIN_ITERATIONS:
            raise WeakKdfParameters(f"iterations {self.iterations} < {MIN_ITERATIONS}")
        if self.lanes < MIN_LANES:
            raise WeakKdfParameters(f"lanes {self.lanes} < {MIN_LANES}")
        if len(self.salt) < MIN_SALT_BYTES:
            raise WeakKdfParameters(f"salt of {len(self.salt)} bytes < {MIN_SALT_BYTES}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["salt"] = _b64(self.salt)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        try:
            params = cls(
                salt=_unb64(str(data["salt"])),
                memory_kib=int(data["memory_kib"]),
                iterations=int(data["iterations"]),
                lanes=int(data["lanes"]),
                algorithm=str(data["algorithm"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WeakKdfParameters(f"unreadable parameters: {type(exc).__name__}") from None
        # Not checked here: a weak profile must still be listed; derive_kek refuses it.
        return params


@dataclass(frozen=True, slots=True)
class WrappedKey:
    nonce: bytes
    ciphertext: bytes  # data key + 16-byte GCM tag

    def to_json(self) -> dict[str, str]:
        return {"nonce": _b64(self.nonce), "ciphertext": _b64(self.ciphertext)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WrappedKey:
        return cls(nonce=_unb64(str(data["nonce"])), ciphertext=_unb64(str(data["ciphertext"])))


def new_data_key() -> bytearray:
    """32 random bytes from the OS CSPRNG, in a mutable buffer so lock can zero it."""
    return bytearray(secrets.token_bytes(DATA_KEY_BYTES))


# One Argon2id derivation at a time in a process: with cryptography 50.0.2 on OpenSSL
# 4.0.3, two derivations with lanes > 1 running in two threads at once never return
# (both threads wait, 0% CPU; lanes=1 does not hang). Derivations in separate processes
# are unaffected. Unlock attempts in parallel threads then queue here, each already
# counted (local_store/profiles.py).
_KDF_LOCK = threading.Lock()


def derive_kek(password: str, params: KdfParams, keyring_secret: bytes | None) -> bytes:
    params.check()
    with _KDF_LOCK:
        stretched = Argon2id(
            salt=params.salt,
            length=32,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
        ).derive(password.encode("utf-8"))
    # HKDF combines the password-derived key with the keyring secret (when present);
    # without it, HKDF still gives domain separation from any other use of the hash.
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=keyring_secret,
        info=b"rm-desk/kek/v1",
    ).derive(stretched)


def _aad(profile_id: str, params: KdfParams) -> bytes:
    fields = {"profile": profile_id, "kdf": params.to_json(), "v": 1}
    return json.dumps(fields, sort_keys=True).encode("utf-8")


def wrap_key(
    data_key: bytes | bytearray, kek: bytes, profile_id: str, params: KdfParams
) -> WrappedKey:
    nonce = secrets.token_bytes(NONCE_BYTES)
    ciphertext = AESGCM(kek).encrypt(nonce, bytes(data_key), _aad(profile_id, params))
    return WrappedKey(nonce=nonce, ciphertext=ciphertext)


def unwrap_key(wrapped: WrappedKey, kek: bytes, profile_id: str, params: KdfParams) -> bytearray:
    try:
        key = AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext, _aad(profile_id, params))
    except InvalidTag:
        raise WrongPassword() from None
    if len(key) != DATA_KEY_BYTES:
        raise WrongPassword()
    return bytearray(key)


def zero(buffer: bytearray) -> None:
    """Overwrite a key buffer in place (best effort: Python may hold other copies)."""
    for i in range(len(buffer)):
        buffer[i] = 0


# --- OS credential store --------------------------------------------------------------

KEYRING_SERVICE = "rm-desk"

# Backends that store secrets in plaintext, store nothing, or always fail.
_INSECURE_MODULE_PREFIXES = (
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyrings.alt",
    "keyring.backends.chainer",
)


class SecretStore(Protocol):
    """The subset of a keyring backend we use; tests pass an in-memory one."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


def is_secure_backend(backend: object) -> bool:
    module = type(backend).__module__
    if any(module.startswith(prefix) for prefix in _INSECURE_MODULE_PREFIXES):
        return False
    priority = getattr(backend, "priority", 0)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):
        return False


def secure_system_keyring() -> SecretStore | None:
    """The highest-priority secure OS keyring backend, or None when there is none."""
    try:
        import keyring  # noqa: PLC0415  (import lazily: backend discovery is slow)

        root = keyring.get_keyring()
    except Exception:
        return None
    candidates = list(getattr(root, "backends", [root]))
    secure = [b for b in candidates if is_secure_backend(b)]
    if not secure:
        return None
    best: SecretStore = max(secure, key=lambda b: float(getattr(b, "priority", 0)))
    return best


def store_keyring_secret(store: SecretStore, profile_id: str) -> bytes:
    secret = secrets.token_bytes(32)
    try:
        store.set_password(KEYRING_SERVICE, profile_id, _b64(secret))
    except Exception as exc:
        raise KeyringUnavailable(type(exc).__name__) from None
    return secret


def load_keyring_secret(store: SecretStore, profile_id: str) -> bytes | None:
    try:
        value = store.get_password(KEYRING_SERVICE, profile_id)
    except Exception as exc:
        raise KeyringUnavailable(type(exc).__name__) from None
    if value is None:
        return None
    try:
        return _unb64(value)
    except ValueError:
        return None


def delete_keyring_secret(store: SecretStore, profile_id: str) -> None:
    with contextlib.suppress(Exception):  # already gone is fine on removal
        store.delete_password(KEYRING_SERVICE, profile_id)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
