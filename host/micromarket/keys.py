"""Host keys: registrar (enrolls devices), market (signs contexts, awards, ledger) and release (signs bundles).

Each key is an Ed25519 private key in a PKCS#8 PEM file readable only by its owner, optionally encrypted
with a passphrase, beside a ``.pub`` file holding the raw 32-byte public key in hex.
"""

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import MicromarketError, UsageError
from .paths import state_home

ROLES = ("registrar", "market", "release")
PASSPHRASE_ENV = "MICROMARKET_PASSPHRASE"


class KeyStoreError(MicromarketError):
    """A host key is missing, unreadable, exposed or locked by a passphrase we do not have."""


def default_dir() -> Path:
    return state_home() / "keys"


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"unknown key role {role!r}", f"use one of {', '.join(ROLES)}")


def init(directory: Path, roles=ROLES, passphrase: bytes | None = None, force: bool = False) -> dict:
    """Create the keys that do not exist yet (all of ``roles`` with ``force``); return role -> public hex."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    out = {}
    for role in roles:
        _check_role(role)
        path = directory / f"{role}.key"
        if path.exists() and not force:
            out[role] = public_hex(directory, role)
            continue
        key = Ed25519PrivateKey.generate()
        enc = (serialization.BestAvailableEncryption(passphrase) if passphrase
               else serialization.NoEncryption())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        (directory / f"{role}.pub").write_text(raw_public(key).hex() + "\n")
        out[role] = raw_public(key).hex()
    return out


def public_hex(directory: Path, role: str) -> str:
    _check_role(role)
    path = Path(directory) / f"{role}.pub"
    try:
        text = path.read_text().strip()
        if len(bytes.fromhex(text)) != 32:
            raise ValueError
        return text
    except FileNotFoundError:
        raise KeyStoreError(f"no {role} key in {directory}", "run `micromarket keys init`") from None
    except ValueError:
        raise KeyStoreError(f"{path} is not a 32-byte hex public key",
                            "restore it or re-create the keys with `micromarket keys init --force`") from None


def load_private(directory: Path, role: str, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Load a private key; refuses files that others can read, and says when a passphrase is wrong."""
    _check_role(role)
    path = Path(directory) / f"{role}.key"
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyStoreError(f"no {role} key in {directory}", "run `micromarket keys init`") from None
    except PermissionError:
        raise KeyStoreError(f"permission denied reading {path}",
                            "run as the key's owner") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyStoreError(f"{path} is readable by others (mode {oct(mode & 0o777)})",
                            f"run `chmod 600 {path}`")
    if passphrase is None and b"ENCRYPTED" in data:
        env = os.environ.get(PASSPHRASE_ENV)
        passphrase = env.encode() if env else None
        if passphrase is None:
            raise KeyStoreError(f"the {role} key is passphrase-protected",
                                f"set {PASSPHRASE_ENV} or pass --passphrase-file")
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        if b"ENCRYPTED" in data:
            raise KeyStoreError(f"wrong passphrase for the {role} key",
                                "check the passphrase and try again") from exc
        raise KeyStoreError(f"{path} is not a valid key file", "restore it from your backup") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyStoreError(f"{path} is not an Ed25519 key", "re-create it with `micromarket keys init`")
    return key


def read_passphrase(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        data = Path(path).read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise UsageError(f"cannot read passphrase file {path}: {exc.strerror}",
                         "give a readable file") from exc
    if not data:
        raise UsageError(f"passphrase file {path} is empty", "write the passphrase into it")
    return data
