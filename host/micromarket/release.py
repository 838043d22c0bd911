"""Signed app bundles for the devices' update path: ``micromarket release sign|verify``.

A bundle file is made to be checked while it streams through a small heap::

    b"MMB1"                    magic and format version
    u32 big-endian N           length of the manifest
    N bytes                    the manifest: a COSE_Sign1 "bundle" message signed by the release key
                               (kid "release"): version and [path, size, sha256] of every file
    the files' bytes           concatenated in manifest order, sizes as in the manifest

Nothing follows the last file. A device reads the header and the manifest, verifies the
signature, then hashes each file as it writes it aside, and installs only when every hash matches.
"""

import hashlib
import json
import struct
from pathlib import Path, PurePosixPath

import click

from . import keys as hostkeys
from .errors import MicromarketError, UsageError
from .protocol import Bundle, ProtocolError, read, sign

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


def make_bundle(files: dict[str, bytes], version: str, private_key, market: str = "*") -> bytes:
    """Sign a manifest of ``files`` with the release key; return the bundle file's bytes."""
    if not files:
        raise UsageError("no files to bundle", "give a board or a directory holding the app")
    paths = sorted(files)
    for p in paths:
        _check_path(p)
    try:
        manifest = Bundle(market=market, version=version,
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


@click.group()
def cli():
    """Sign app bundles with the release key, and verify them."""


_keys_opt = click.option("--keys", "keys_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                         help="host key directory (default: $MICROMARKET_HOME/keys)")


@cli.command("sign")
@click.option("--version", "version", required=True, help="the app's version, e.g. 1.4.0")
@click.option("--board", "board_name", default=None, help="bundle the app as built for this board")
@click.option("--dir", "directory", default=None, type=click.Path(path_type=Path),
              help="bundle the files of this directory instead")
@click.option("--market", default="*", help="market the bundle is for ('*': any)")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="bundle file to write")
@_keys_opt
@click.option("--passphrase-file", default=None, help="passphrase of the release key")
@click.option("--json", "as_json", is_flag=True)
def sign_cmd(version, board_name, directory, market, out, keys_dir, passphrase_file, as_json):
    """Sign a bundle of the app (for a board) or of a directory."""
    if (board_name is None) == (directory is None):
        raise UsageError("give exactly one of --board and --dir", "--board B bundles the app built for B")
    if board_name:
        from .boards import get_board
        from .deploy import build_app

        files = build_app(get_board(board_name))
    else:
        files = files_from_dir(directory)
    key = hostkeys.load_private(keys_dir or hostkeys.default_dir(), "release",
                                hostkeys.read_passphrase(passphrase_file))
    data = make_bundle(files, version, key, market)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    if as_json:
        click.echo(json.dumps({"bundle": str(out), "version": version, "files": len(files), "size": len(data)}))
    else:
        click.echo(f"signed {out}: version {version}, {len(files)} files, {len(data)} bytes")


@cli.command("verify")
@click.argument("bundle", type=click.Path(path_type=Path))
@_keys_opt
@click.option("--public-key", default=None, help="release public key in hex (default: from --keys)")
@click.option("--json", "as_json", is_flag=True)
def verify_cmd(bundle, keys_dir, public_key, as_json):
    """Check a bundle's signature and every file's hash."""
    pub = public_key or hostkeys.public_hex(keys_dir or hostkeys.default_dir(), "release")
    try:
        pub_bytes = bytes.fromhex(pub)
    except ValueError:
        raise UsageError("--public-key is not hex", "give the 64 hex digits of `micromarket keys show`") from None
    try:
        data = bundle.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {bundle}: {exc.strerror}", "give the path of a bundle file") from exc
    manifest, files = verify_bundle(data, pub_bytes)
    if as_json:
        click.echo(json.dumps({"ok": True, "version": manifest.version, "market": manifest.market,
                               "files": [[p, s, d.hex()] for p, s, d in manifest.files]}))
    else:
        click.echo(f"{bundle}: signature good, version {manifest.version}, {len(files)} files verified")
