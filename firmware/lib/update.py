# Signed app updates with rollback.
#
# A bundle (host/micromarket/release.py, `micromarket release sign`) is
#     b"MMB1" | u32 big-endian N | N-byte manifest | the files, in manifest order
# where the manifest is a COSE_Sign1 "bundle" message (kid "release"): version and
# [path, size, sha256] of every file. install() streams it through a small heap: it verifies
# the manifest with the release key pinned at provisioning, writes each file under app.new/
# while hashing it, and only when every size and hash matches swaps directories:
#     app.prev (removed) <- app <- app.new
# then marks the new app "pending" in app.json. main.py runs boot() before importing the app
# (app/lib goes in front of lib on sys.path): a pending app gets MAX_BOOTS tries; one that never
# calls confirm() (it crashed on import, or hung and was reset) is swapped back for app.prev.
# Nothing is changed by a bundle that fails any check.
import hashlib
import json
import os
import struct

from micropython import const

import cbor
import cose
from store import exists

APP = "app"
NEW = "app.new"
PREV = "app.prev"
STATE = "app.json"
MAX_BOOTS = const(3)
_MAX_MANIFEST = const(4096)
_CHUNK = const(512)


class UpdateError(ValueError):
    pass


def _rmtree(p):
    if not exists(p):
        return
    if os.stat(p)[0] & 0x4000:
        for name in os.listdir(p):
            _rmtree(p + "/" + name)
        os.rmdir(p)
    else:
        os.remove(p)


def _makedirs(path):
    at = ""
    for part in path.split("/")[:-1]:
        at = at + "/" + part if at else part
        if not exists(at):
            os.mkdir(at)


def _check_path(p):
    if (not isinstance(p, str) or not p or len(p) > 64 or p[0] == "/" or "\\" in p
            or ".." in p.split("/") or "" in p.split("/")):
        raise UpdateError("bad path in bundle: %r" % (p,))


def state():
    try:
        with open(STATE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _save(st):
    import store

    store.write_atomic(STATE, json.dumps(st).encode())


def read_manifest(f, release_key, market=None):
    """Read and verify the bundle's header and manifest from stream ``f``; the payload dict."""
    head = f.read(8)
    if len(head) != 8 or head[:4] != b"MMB1":
        raise UpdateError("not a micromarket bundle")
    n = struct.unpack(">I", head[4:])[0]
    if n > _MAX_MANIFEST:
        raise UpdateError("manifest too large")
    data = f.read(n)
    if len(data) != n:
        raise UpdateError("bundle truncated in its manifest")
    try:
        if cose.kid(data) != "release":
            raise UpdateError("manifest not signed by the release key")
        m = cbor.loads(cose.verify1(release_key, data))
    except UpdateError:
        raise
    except ValueError as exc:
        raise UpdateError("manifest refused: %s" % exc)
    if not isinstance(m, dict) or m.get("type") != "bundle" or m.get("v") != 1:
        raise UpdateError("not a bundle manifest")
    if market is not None and m.get("market") not in ("*", market):
        raise UpdateError("bundle is for market %r" % m.get("market"))
    files = m.get("files")
    if not isinstance(files, list) or not files:
        raise UpdateError("bundle lists no files")
    for entry in files:
        _check_path(entry[0])
    return m


def install(path, release_key, market=None):
    """Install the bundle file at ``path``; returns its version. Raises UpdateError and leaves
    the installed app untouched on any fault."""
    _rmtree(NEW)
    try:
        with open(path, "rb") as f:
            m = read_manifest(f, release_key, market)
            buf = bytearray(_CHUNK)
            for p, size, digest in m["files"]:
                target = NEW + "/" + p
                _makedirs(target)
                h = hashlib.sha256()
                left = size
                with open(target, "wb") as out:
                    while left:
                        k = f.readinto(memoryview(buf)[:left if left < _CHUNK else _CHUNK])
                        if not k:
                            raise UpdateError("%s: truncated" % p)
                        h.update(memoryview(buf)[:k])
                        out.write(memoryview(buf)[:k])
                        left -= k
                if h.digest() != digest:
                    raise UpdateError("%s: SHA-256 does not match the signed manifest" % p)
            if f.read(1):
                raise UpdateError("unexpected bytes after the last file")
    except BaseException:
        _rmtree(NEW)
        raise
    st = state()
    _rmtree(PREV)
    if exists(APP):
        os.rename(APP, PREV)
    os.rename(NEW, APP)
    _save({"version": m["version"], "pending": True, "boots": 0,
           "previous": st.get("version")})
    return m["version"]


def rollback(reason="rolled back"):
    """Put the previous app back (or none, the firmware's own lib); returns its version."""
    st = state()
    _rmtree(APP)
    if exists(PREV):
        os.rename(PREV, APP)
    _save({"version": st.get("previous"), "pending": False, "boots": 0,
           "rejected": st.get("version"), "reason": reason})
    return st.get("previous")


def boot():
    """Call before importing the app: counts the boots of a pending app and rolls it back after
    MAX_BOOTS without a confirm(). Returns the version that will run."""
    st = state()
    if st.get("pending"):
        if st.get("boots", 0) >= MAX_BOOTS:
            return rollback("not confirmed after %d boots" % MAX_BOOTS)
        st["boots"] = st.get("boots", 0) + 1
        _save(st)
    return st.get("version")


def confirm():
    """The new app works (it imported and traded an interval): keep it."""
    st = state()
    if st.get("pending"):
        st["pending"] = False
        _save(st)


def sys_path():
    """Put the installed app's lib/ in front of the firmware's own."""
    import sys

    if exists(APP + "/lib") and APP + "/lib" not in sys.path:
        sys.path.insert(0, APP + "/lib")
