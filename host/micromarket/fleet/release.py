"""Signed app bundles for the devices' update path: ``micromarket release sign|verify``.

A bundle file is made to be checked while it streams through a small heap::

    b"MMB1"                    magic and format version
    u32 big-endian N           length of the manifest
    N bytes                    the manifest: a COSE_Sign1 "bundle" message signed by the release key
                               (kid "release"): market, board, version, downgrade flag and
                               [path, size, sha256] of every file
    the files' bytes           concatenated in manifest order, sizes as in the manifest

Nothing follows the last file. A device reads the header and the manifest, verifies the
signature, then hashes each file as it writes it aside, and installs only when every hash matches.
"""

import hashlib
import struct
from pathlib import Path, PurePosixPath

from ..errors import MicromarketError, UsageError
from ..protocol import Bundle, ProtocolError, read, sign

MAGIC = b"MMB1"
KID = "release"
MAX_PATH = 64


class ReleaseError(MicromarketError, ValueError):
    """A bundle is malformed, its signature fails, or a file does not match the manifest."""


def _check_path(path: str) -> None:
    p = PurePosixPath(path)
    if not path or len(path.encode()) > MAX_PATH or p.is_absolute() or ".." in p.parts or "\\" in path:
        raise UsageError(f"bad path in bundle: {path!r}",
                         f"use relative paths without '..', at most {MAX_PATH} bytes")


def make_bundle(files: dict[str, bytes], version: str, private_key, market: str = "*", board: str = "*",
                downgrade: bool = False) -> bytes:
    """Sign a manifest of ``files`` with the release key; return the bundle file's bytes.
    ``downgrade``: devices may install it over a newer version (otherwise they refuse it)."""
    if not files:
        raise UsageError("no files to bundle", "give a board or a directory holding the app")
    paths = sorted(files)
    for p in paths:
        _check_path(p)
    try:
        manifest = Bundle(market=market, board=board, version=version, downgrade=downgrade,
                          files=tuple((p, len(files[p]), hashlib.sha256(files[p]).digest()) for p in paths))
    except ProtocolError as exc:
        raise UsageError(f"cannot make the bundle: {exc.reason}", "check the version and the files") from exc
    signed = sign(manifest, private_key, KID)
    return MAGIC + struct.pack(">I", len(signed)) + signed + b"".join(files[p] for p in paths)


def verify_bundle(data: bytes, release_public_key: bytes) -> tuple[Bundle, dict[str, bytes]]:
    """Check the signature and every file; return the manifest and the files. Raises ReleaseError."""
    if data[:4] != MAGIC or len(data) < 8:
        raise ReleaseError("not a micromarket bundle (bad magic)", "give a file made by `micromarket release sign`")
    (n,) = struct.unpack_from(">I", data, 4)
    if 8 + n > len(data):
        raise ReleaseError("the bundle is truncated inside its manifest", "copy the bundle again")
    try:
        manifest = read(data[8:8 + n]).verify(release_public_key, kind=Bundle)
    except ProtocolError as exc:
        raise ReleaseError(f"the bundle's manifest does not verify: {exc.reason}",
                           "it was not signed by this release key, or was altered; do not install it") from exc
    files, pos = {}, 8 + n
    for path, size, digest in manifest.files:
        body = data[pos:pos + size]
        if len(body) != size:
            raise ReleaseError(f"{path}: truncated ({len(body)} of {size} bytes)", "copy the bundle again")
        if hashlib.sha256(body).digest() != digest:
            raise ReleaseError(f"{path}: SHA-256 does not match the signed manifest",
                               "the bundle was altered; do not install it")
        files[path] = body
        pos += size
    if pos != len(data):
        raise ReleaseError(f"{len(data) - pos} unexpected bytes after the last file", "copy the bundle again")
    return manifest, files


def files_from_dir(directory: Path) -> dict[str, bytes]:
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory", "give the directory holding the app's files")
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}
