# Checking and installing signed app bundles, and fetching one over the air (loaded only for
# that: by update.boot() at boot, or through the raw REPL by `micromarket release install`).
#
# A bundle (host/micromarket/fleet/release.py, `micromarket release sign`) is
#     b"MMB1" | u32 big-endian N | N-byte manifest | the files, in manifest order
# where the manifest is a COSE_Sign1 "bundle" message (kid "release"): market, board, version,
# downgrade flag and [path, size, sha256] of every file. install() streams it through a small
# heap: it verifies the manifest with the release key pinned at provisioning, refuses a bundle
# for another market or board, or one not newer than the running app unless it is signed as a
# downgrade, writes each file under app.new/ while hashing it, and swaps (update.py's journal)
# only when every size and hash matches. Nothing is changed by a bundle that fails any check.
# The app's version is app.json's, or the firmware's own (fwinfo.VERSION) when none is installed.
#
# Over the air (the agent kept an offer in update.offer and reset the board), fetch_offered()
# fetches the bundle before the agent starts, with the heap whole: one retained chunk at a time
# from mm/<market>/chunk/<id>/<n> (subscribe, the broker sends it, unsubscribe), each written at
# its offset into dl<id> from inside the link's reader (none is copied on the heap). A fetch cut
# short (a chunk missing or of the wrong length, the link or the power lost) keeps the chunks it
# has and resumes from there when the offer comes again; the whole file must hash to the
# offer's `bundle`. It then becomes update.mmb, which install_fetched() installs at the next
# boot (on a heap the fetch did not touch), once: the journal removes it when the app is staged.
import hashlib
import json
import os
import struct

from micropython import const

import cbor
import cose
from store import exists
from update import (FETCHED, NEW, OFFER, VERSION_FILE, UpdateError, _rmtree, _save, _step, _swap,
                    recover, state)

_MAX_MANIFEST = const(4096)
_CHUNK = const(512)
_WAIT_MS = const(15000)  # a retained chunk comes at once; none after this: not on the broker
_POLL_MS = const(20)


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


def install(path, release_key, market=None, board=None, remove=False):
    """Install the bundle file at ``path``; returns its version. Raises UpdateError and leaves
    the installed app untouched on any fault. ``remove``: the bundle file goes once the new app
    is staged (in the journaled swap: a fetched bundle is never installed twice)."""
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
           "previous": state().get("version"), "swap": path if remove else 1})
    _swap()
    return m["version"]


class _Fetch:
    def __init__(self, m):
        from binascii import hexlify

        self.chunk, self.size, self.n, self.got = m["chunk"], m["size"], 0, None
        self.id = hexlify(m["bundle"][:8]).decode()
        self.path = "dl" + self.id

    def on_message(self, topic, data):
        """A chunk, from the link's reader (``data`` is a view into its buffer)."""
        if self.got is not None or topic != self.topic:
            return
        want = self.size - self.n * self.chunk
        if want > self.chunk:
            want = self.chunk
        if len(data) != want:
            self.got = -len(data)
            return
        self.f.seek(self.n * self.chunk)
        self.f.write(data)
        self.got = want

    async def run(self, link, market):
        import asyncio

        count = (self.size + self.chunk - 1) // self.chunk
        try:
            have = os.stat(self.path)[6]
        except OSError:
            have = -1
        self.n = have // self.chunk if have > 0 else 0
        print("update: fetching %d bytes, chunk %d of %d on" % (self.size, self.n, count))
        link.on_message = self.on_message
        self.f = open(self.path, "r+b" if have >= 0 else "wb")
        try:
            if not await link.connect(_WAIT_MS):
                raise UpdateError("no broker to fetch from")
            while self.n < count:
                self.topic = "mm/%s/chunk/%s/%d" % (market, self.id, self.n)
                self.got = None
                await link.subscribe(self.topic)
                waited = 0
                while self.got is None and waited < _WAIT_MS and link.connected:
                    await asyncio.sleep_ms(_POLL_MS)
                    waited += _POLL_MS
                got, self.got = self.got, 0  # nothing more is written, whatever comes
                await link.unsubscribe(self.topic)
                if got is None:
                    raise UpdateError("chunk %d of %d %s" % (
                        self.n, count, "did not come" if link.connected else "lost with the link"))
                if got < 0:
                    raise UpdateError("chunk %d of %d has %d bytes" % (self.n, count, -got))
                self.n += 1
        finally:
            self.f.close()
            await link.close()


def _offer(data, cfg):
    """The payload of the release-signed offer ``data`` for this market; UpdateError otherwise."""
    import wire

    try:
        if wire.kid(data) != "release":
            raise UpdateError("offer not signed by the release key")
        m = wire.loads(wire.verify1(bytes.fromhex(cfg.get("release_key", "")), data))
    except UpdateError:
        raise
    except ValueError as exc:
        raise UpdateError("offer refused: %s" % exc)
    if not isinstance(m, dict) or m.get("type") != "offer" or m.get("v") != 1 or \
            m.get("market") != cfg["market"]:
        raise UpdateError("not an offer for market %r" % cfg["market"])
    c, size, h = m.get("chunk"), m.get("size"), m.get("bundle")
    if not isinstance(c, int) or not 256 <= c <= 2048 or not isinstance(size, int) or size < 9 or \
            not isinstance(h, bytes) or len(h) != 32:
        raise UpdateError("offer: bad chunk, size or bundle hash")
    return m


def fetch_offered():
    """Fetch the bundle of the offer the agent kept in update.offer into update.mmb; or record
    why not: an offer refused for good names a version that is never fetched again ("rejected"),
    a fetch that failed counts a try of that version ("tries"), the offer comes again."""
    import asyncio

    import app

    v, st, fetching = "?", state(), False
    try:
        with open(OFFER, "rb") as f:
            data = f.read()
        cfg = app.load_config()
        m = _offer(data, cfg)
        v = m["version"]
        check_target(m, None, None)  # board and version, as for the bundle's manifest
        data = None
        fetching = True
        fx = _Fetch(m)
        for name in os.listdir():
            if name.startswith("dl") and len(name) == 18 and name != fx.path:
                os.remove(name)  # an earlier offer's partial fetch
        asyncio.run(fx.run(app.make_link(cfg, app._appcfg().load_identity()[1]), cfg["market"]))
        h = hashlib.sha256()
        buf = bytearray(_CHUNK)
        with open(fx.path, "rb") as f:
            while True:
                k = f.readinto(buf)
                if not k:
                    break
                h.update(memoryview(buf)[:k])
        if h.digest() != m["bundle"]:
            os.remove(fx.path)
            raise UpdateError("the fetched bundle does not hash to the offer's")
        with open(VERSION_FILE, "w") as f:
            f.write(v)
        os.rename(fx.path, FETCHED)
    except Exception as exc:  # noqa: BLE001 - not fetched: recorded; the offer comes again
        print("update not fetched:", exc)
        if fetching:
            tries = st.get("tries") or ["", 0]
            st["tries"] = [v, tries[1] + 1 if tries[0] == v else 1]
        else:
            st["rejected"] = v
        st["last"] = [v, "refused", str(exc)[:120]]
        _save(st)
    _rmtree(OFFER)


def install_fetched():
    """Install the bundle fetched over the air (at boot, the heap whole), or record why not."""
    v = "?"
    try:
        with open(VERSION_FILE) as f:
            v = f.read()
        with open("config/device.json") as f:
            cfg = json.load(f)
        install(FETCHED, bytes.fromhex(cfg["release_key"]), cfg["market"], None, True)
        print("update %s installed" % v)
    except Exception as exc:  # noqa: BLE001 - refused: recorded, and the app stays
        print("update refused:", exc)
        st = state()
        st["last"] = [v, "refused", str(exc)[:120]]
        if isinstance(exc, UpdateError):
            st["rejected"] = v  # for good
        else:  # a MemoryError, say: the offer may be taken again (update.OFFER's tries)
            tries = st.get("tries") or ["", 0]
            st["tries"] = [v, tries[1] + 1 if tries[0] == v else 1]
        _save(st)
        _rmtree(FETCHED)
    _rmtree(VERSION_FILE)
