# Signed app updates: the checks, a journaled install, rollback.
#
# A bundle (host/micromarket/fleet/release.py, `micromarket release sign`) is
#     b"MMB1" | u32 big-endian N | N-byte manifest | the files, in manifest order
# where the manifest is a COSE_Sign1 "bundle" message (kid "release"): market, board, version,
# downgrade flag and [path, size, sha256] of every file. install() streams it through a small
# heap: it verifies the manifest with the release key pinned at provisioning, refuses a bundle
# for another market or board, or one not newer than the running app unless it is signed as a
# downgrade, writes each file under app.new/ while hashing it, and swaps only when every size
# and hash matches. Nothing is changed by a bundle that fails any check.
#
# The swap is journaled in app.json (replaced atomically): "swap" is written before the first
# rename, and every step after it can be done again, so a power cut anywhere is finished at the
# next boot (recover()):
#     app.prev removed;  app -> app.prev;  app.new -> app;  journal cleared
# The new app is then "pending": main.py's boot (mmboot) calls boot() before importing it; it
# gets MAX_BOOTS tries, and one that never calls confirm() (it crashed on import, or hung and
# was reset) is put back by rollback(), journaled the same way ("back"):
#     app removed;  app.prev -> app;  journal cleared
# The app's version is app.json's, or the firmware's own (fwinfo.VERSION) when none is installed.
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
HOOK = None  # tests: called with the name of every step of install, swap and rollback


class UpdateError(ValueError):
    pass


def _step(name):
    if HOOK is not None:
        HOOK(name)


def _rmtree(p):
    if not exists(p):
        return
    if os.stat(p)[0] & 0x4000:
        for name in os.listdir(p):
            _rmtree(p + "/" + name)
        os.rmdir(p)
    else:
        os.remove(p)
    _step("remove " + p)


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


def version():
    """The version of the app that runs: the installed bundle's, else the firmware's."""
    v = state().get("version")
    if v is None:
        import fwinfo

        v = fwinfo.VERSION
    return v


def _vkey(v):
    try:
        return [int(p) for p in v.split(".")]
    except (AttributeError, ValueError):
        raise UpdateError("bad version %r" % (v,))


def check_target(m, market, board):
    """Refuse an offer or manifest ``m`` (a payload dict) that is not for this device, or that
    would not move its app forward; returns the running version."""
    if market is not None and m.get("market") not in ("*", market):
        raise UpdateError("bundle is for market %r" % m.get("market"))
    if board is None:
        import fwinfo

        board = fwinfo.board_name()
    if m.get("board") not in ("*", board):
        raise UpdateError("bundle is for board %r, this is %r" % (m.get("board"), board))
    st = state()
    if st.get("pending"):
        raise UpdateError("version %s is not confirmed yet" % st.get("version"))
    have, new = version(), m.get("version")
    if new == st.get("rejected"):
        raise UpdateError("version %s was rolled back here" % new)
    if _vkey(new) == _vkey(have):
        raise UpdateError("version %s is installed already" % new)
    if _vkey(new) < _vkey(have) and m.get("downgrade") is not True:
        raise UpdateError("version %s is older than %s (not signed as a downgrade)" % (new, have))
    return have


def read_manifest(f, release_key, market=None, board=None):
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
    check_target(m, market, board)
    files = m.get("files")
    if not isinstance(files, list) or not files:
        raise UpdateError("bundle lists no files")
    for entry in files:
        _check_path(entry[0])
    return m


def install(path, release_key, market=None, board=None):
    """Install the bundle file at ``path``; returns its version. Raises UpdateError and leaves
    the installed app untouched on any fault."""
    recover()
    _rmtree(NEW)
    try:
        with open(path, "rb") as f:
            m = read_manifest(f, release_key, market, board)
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
                _step("write " + p)
                if h.digest() != digest:
                    raise UpdateError("%s: SHA-256 does not match the signed manifest" % p)
            if f.read(1):
                raise UpdateError("unexpected bytes after the last file")
    except BaseException:
        _rmtree(NEW)
        raise
    _save({"version": m["version"], "pending": True, "boots": 0,
           "previous": state().get("version"), "swap": 1})
    _swap()
    return m["version"]


def _swap():
    """The journaled swap (app.json says "swap"): every step may run again after a cut."""
    _step("journal swap")
    if exists(NEW):
        if exists(APP):
            _rmtree(PREV)
            os.rename(APP, PREV)
            _step("rename app")
        os.rename(NEW, APP)
        _step("rename new")
    st = state()
    st.pop("swap", None)
    _save(st)


def rollback(reason="rolled back"):
    """Put the previous app back (or none, the firmware's own lib); returns its version."""
    st = state()
    if not st.get("back"):
        st = {"version": st.get("previous"), "pending": False, "boots": 0,
              "rejected": st.get("version"),
              "last": [st.get("version"), "rolled-back", reason[:120]], "back": 1}
        _save(st)
    _step("journal back")
    if st["version"] is None:
        _rmtree(APP)
        _rmtree(PREV)
    elif exists(PREV):
        _rmtree(APP)
        os.rename(PREV, APP)
        _step("rename prev")
    st.pop("back", None)
    _save(st)
    return st["version"]


def recover():
    """Finish a swap or a rollback that a power cut interrupted."""
    st = state()
    if st.get("swap"):
        _swap()
    elif st.get("back"):
        rollback()


def boot():
    """Call before importing the app: finishes an interrupted swap or rollback, counts the boots
    of a pending app and rolls it back after MAX_BOOTS without a confirm(). Returns the
    version that will run."""
    recover()
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
        st["last"] = [st.get("version"), "installed", ""]
        _save(st)


def sys_path():
    """Put the installed app's lib/ in front of the firmware's own."""
    import sys

    if exists(APP + "/lib") and APP + "/lib" not in sys.path:
        sys.path.insert(0, APP + "/lib")
