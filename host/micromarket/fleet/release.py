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
from ..protocol import Bundle, Offer, ProtocolError, chunk_topic, read, sign, topic

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


CHUNK = 1024  # bytes per chunk on the broker: a device's 2.3 KB receive buffer takes it whole


def make_offer(data: bytes, private_key, market: str, board: str | None = None,
               chunk: int = CHUNK) -> tuple[bytes, Bundle]:
    """The release-signed offer of bundle ``data`` to the devices of ``market``; checks the
    bundle first (with the key's own public half) so that nothing broken is offered."""
    from ..keys import raw_public

    manifest, _ = verify_bundle(data, raw_public(private_key))
    if manifest.market not in ("*", market):
        raise UsageError(f"the bundle is for market {manifest.market}, not {market}",
                         "sign it again with --market " + market)
    if board is None:
        board = manifest.board
    if board == "*" or manifest.board not in ("*", board):
        raise UsageError(f"the bundle is for board {manifest.board!r}" + ("" if board == "*" else f", not {board!r}"),
                         "name the devices' board with --board (offers are per board)")
    try:
        offer = Offer(market=market, board=board, version=manifest.version, downgrade=manifest.downgrade,
                      bundle=hashlib.sha256(data).digest(), size=len(data), chunk=chunk)
    except ProtocolError as exc:
        raise UsageError(f"cannot make the offer: {exc.reason}", "check --market and --chunk") from exc
    return sign(offer, private_key, KID), manifest


def broker_messages(data: bytes, offer: bytes, market: str) -> list[tuple[str, bytes]]:
    """(topic, payload) of every retained message that offers ``data``: its chunks, then the offer."""
    o = read(offer).message
    out = [(chunk_topic(market, o.bundle, n), data[i:i + o.chunk])
           for n, i in enumerate(range(0, len(data), o.chunk))]
    return out + [(topic(market, "offer", o.board), offer)]


def publish(access, messages: list[tuple[str, bytes]], timeout: float = 30) -> None:
    """Publish ``messages`` retained (QoS 1) and wait until the broker acknowledged every one."""
    import threading

    import paho.mqtt.client as mqtt

    from ..protocol.broker import diagnose, refusal_hint

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"mm-release-{id(messages):x}")
    access.apply(client)
    answered, refused = threading.Event(), []

    def on_connect(c, userdata, flags, reason, props):
        if reason.is_failure:
            refused.append(str(reason))
        answered.set()

    client.on_connect = on_connect
    try:
        client.connect(access.host, access.port, keepalive=30)
    except OSError as exc:
        raise ReleaseError(f"cannot connect to the broker at {access.url}: {diagnose(access)[1]}",
                           "check --broker and that the broker runs") from exc
    client.loop_start()
    try:
        if not answered.wait(timeout) or refused:
            reason = refused[0] if refused else "no answer"
            raise ReleaseError(f"the broker at {access.url} refused the publisher ({reason})", refusal_hint(reason))
        infos = [client.publish(t, p, qos=1, retain=True) for t, p in messages]
        for info in infos:
            info.wait_for_publish(timeout)
            if not info.is_published():
                raise ReleaseError(f"the broker at {access.url} did not acknowledge every chunk",
                                   "run release publish again (devices resume where they stopped)")
    finally:
        client.disconnect()
        client.loop_stop()


def install_over_usb(target, data: bytes, release_public_key: bytes) -> str:
    """Install bundle ``data`` on the board in the raw REPL of ``target`` (device/target.py) as
    an offer would: the board checks everything itself. Returns its new version; ReleaseError
    with the board's reason when it refuses."""
    from ..device.target import DeviceExecError

    manifest, _ = verify_bundle(data, release_public_key)
    target.transport.enter_raw_repl(soft_reset=True)  # the agent stopped, a fresh heap
    target.write_file("dl-usb.mmb", data)
    code = ("import json, install, update\n"
            "try:\n"
            "    d = json.load(open('config/device.json'))\n"
            "    if not d.get('release_key'):\n"
            "        raise update.UpdateError('no release key pinned: provision the board again')\n"
            "    print('installed', install.install('dl-usb.mmb', bytes.fromhex(d['release_key']), d['market']))\n"
            "except (OSError, ValueError, KeyError) as e:\n"
            "    print('refused', e)\n"
            "finally:\n"
            "    import os\n"
            "    os.remove('dl-usb.mmb')\n")
    try:
        out = target.exec(code, timeout=120).strip().splitlines()
    except DeviceExecError as exc:
        raise ReleaseError(f"the board failed installing {manifest.version}: {exc.args[0]}",
                           "check that the board is provisioned (config/device.json with a release key)") from exc
    last = out[-1] if out else ""
    if not last.startswith("installed "):
        raise ReleaseError(f"the board refused version {manifest.version}: {last.partition(' ')[2] or last}",
                           "nothing was changed on the board")
    return last.split(" ", 1)[1]
