"""The ledger: every accepted signed message and every market record, in a hash chain that is
also a Merkle tree log (RFC 9162, Certificate Transparency 2.0).

Entry ``i`` is ``[i, kind, time, body, prev]`` where ``body`` is the COSE_Sign1 bytes of the
message and ``prev`` the chain hash of entry ``i - 1`` (32 zero bytes for the first). Its chain
hash is the SHA-256 of that array in deterministic CBOR (the ``entry`` bytes); its Merkle leaf
hash is SHA-256(0x00 || entry), and a node's is SHA-256(0x01 || left || right), the tree over
``n`` entries splitting at the largest power of two below ``n`` (RFC 9162 section 2.1.1).

At the end of every write the market appends a *tree head*: an entry of kind ``treehead``
whose body is a market-signed ``TreeHead`` message (protocol/README.md) naming the number of
entries before it and the Merkle root over them. Whoever holds the market's public key can then
check the whole ledger offline, prove that one message is in it with log2(n) hashes
(``inclusion_proof``) and that a later ledger extends an earlier head (``consistency_proof``).
Devices keep the newest head they have seen and name it in each delivery they sign: a ledger
cut or rewritten behind such a head contradicts a device's signature.

The complete subtrees are stored in the ``merkle`` table (level, position, hash) as entries are
appended, so a root or a proof of any size costs O(log n) lookups.

``export`` writes a CBOR sequence (RFC 8742): a header map, then one array per entry.
"""

import hashlib
import sqlite3
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable, Iterator

import cbor2

from .. import protocol as P
from . import MarketError

GENESIS = bytes(32)
TREEHEAD = "treehead"
EXPORT_TYPE = "ledger-export"
EMPTY_ROOT = hashlib.sha256(b"").digest()     # RFC 9162: the root of the empty tree

Entry = tuple[int, str, int, bytes, bytes]   # idx, kind, time, body, prev

_sha256 = hashlib.sha256


class LedgerError(MarketError):
    """The ledger cannot be read or written."""


# ---------------------------------------------------------------- hashing

def entry_bytes(idx: int, kind: str, time: int, body: bytes, prev: bytes) -> bytes:
    return cbor2.dumps([idx, kind, time, body, prev])


def entry_hash(idx: int, kind: str, time: int, body: bytes, prev: bytes) -> bytes:
    """The chain hash of an entry."""
    return _sha256(entry_bytes(idx, kind, time, body, prev)).digest()


def leaf_hash(entry: bytes) -> bytes:
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The roots of the complete subtrees a tree of ``size`` leaves is made of, largest first:
    enough to add a leaf and to compute the root, in O(log n)."""

    __slots__ = ("size", "nodes")

    def __init__(self, size: int = 0, nodes: Iterable[bytes] = ()):
        self.size = size
        self.nodes = list(nodes)

    def add(self, leaf: bytes, stored: list | None = None) -> None:
        """Add a leaf; append the new complete subtrees as (level, position, hash) to ``stored``."""
        pos, level, h = self.size, 0, leaf
        if stored is not None:
            stored.append((0, pos, h))
        while pos & 1:
            h = node_hash(self.nodes.pop(), h)
            pos >>= 1
            level += 1
            if stored is not None:
                stored.append((level, pos, h))
        self.nodes.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        r = self.nodes[-1]
        for h in reversed(self.nodes[:-1]):
            r = node_hash(h, r)
        return r


def _subtrees(size: int) -> Iterator[tuple[int, int]]:
    """(level, position) of the complete subtrees of a tree of ``size`` leaves, largest first."""
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            yield level, start >> level
            start += 1 << level


# ---------------------------------------------------------------- proofs (RFC 9162 2.1.3, 2.1.4)

class Tree:
    """The Merkle tree of a ledger as stored in its ``merkle`` table (read only)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        row = conn.execute("SELECT count(*) FROM merkle WHERE level = 0").fetchone()
        self.size = row[0]

    def _node(self, level: int, pos: int) -> bytes:
        row = self.conn.execute("SELECT hash FROM merkle WHERE level = ? AND pos = ?",
                                (level, pos)).fetchone()
        if row is None:
            raise LedgerError(f"the Merkle tree lacks node {level}/{pos}",
                              "run `micromarket ledger verify` on the database")
        return bytes(row[0])

    def root(self, lo: int, hi: int) -> bytes:
        """The root over entries ``lo .. hi - 1`` (MTH(D[lo:hi]))."""
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and lo % n == 0:
            return self._node(n.bit_length() - 1, lo // n)
        k = _split(n)
        return node_hash(self.root(lo, lo + k), self.root(lo + k, hi))

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """The audit path of entry ``index`` in the tree of the first ``size`` entries."""
        if not 0 <= index < size <= self.size:
            raise LedgerError(f"entry #{index} is not in a tree of {size} entries",
                              "give an index below the tree size")
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self.root(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.root(lo, lo + k))
                lo += k
        path.reverse()
        return path

    def consistency(self, old: int, new: int) -> list[bytes]:
        """The proof that the tree of ``new`` entries extends the one of ``old`` entries."""
        if not 0 <= old <= new <= self.size:
            raise LedgerError(f"no consistency proof from {old} to {new} entries in a tree of "
                              f"{self.size}", "give sizes within the ledger")
        if old in (0, new):
            return []
        proof: list[bytes] = []
        lo, hi, m, complete = 0, new, old, True
        while True:
            n = hi - lo
            if m == n:
                if not complete:
                    proof.append(self.root(lo, hi))
                break
            k = _split(n)
            if m <= k:
                proof.append(self.root(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.root(lo, lo + k))
                lo, m, complete = lo + k, m - k, False
        proof.reverse()
        return proof


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """Whether ``path`` proves leaf hash ``leaf`` is entry ``index`` of the tree ``root``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: list[bytes]) -> bool:
    """Whether ``proof`` shows the tree ``new_root`` of ``new`` entries extends ``old_root``."""
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof and old_root == EMPTY_ROOT
    if not 0 < old < new or not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# ---------------------------------------------------------------- appending

def head(conn: sqlite3.Connection) -> tuple[int, bytes]:
    """``(index of the last entry, its chain hash)``; ``(-1, GENESIS)`` for an empty ledger."""
    row = conn.execute("SELECT idx, hash FROM ledger ORDER BY idx DESC LIMIT 1").fetchone()
    return (-1, GENESIS) if row is None else (row[0], row[1])


def _frontier(conn: sqlite3.Connection, size: int) -> Frontier:
    """The frontier of the stored tree, rebuilt from the entries if the tree is not complete."""
    stored = conn.execute("SELECT count(*) FROM merkle WHERE level = 0").fetchone()[0]
    if stored == size:
        nodes = []
        for level, pos in _subtrees(size):
            row = conn.execute("SELECT hash FROM merkle WHERE level = ? AND pos = ?",
                               (level, pos)).fetchone()
            if row is None:
                break
            nodes.append(bytes(row[0]))
        else:
            return Frontier(size, nodes)
    # the tree is derived data: rebuild it from the entries
    conn.execute("DELETE FROM merkle")
    f = Frontier()
    out: list = []
    for idx, kind, time, body, prev in conn.execute(
            "SELECT idx, kind, time, body, prev FROM ledger ORDER BY idx"):
        f.add(leaf_hash(entry_bytes(idx, kind, time, body, prev)), out)
    conn.executemany("INSERT INTO merkle (level, pos, hash) VALUES (?, ?, ?)", out)
    return f


class Appender:
    """Appends entries inside the caller's transaction, carrying the chain and tree along."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.idx, self.hash = head(conn)
        self.tree = _frontier(conn, self.idx + 1)
        self._rows: list[tuple] = []
        self._nodes: list[tuple] = []
        self.treehead: bytes | None = None    # the newest tree head appended

    @property
    def dirty(self) -> bool:
        """Entries appended since the last tree head."""
        return bool(self._rows) and self._rows[-1][1] != TREEHEAD

    def append(self, kind: str, body: bytes, time: int) -> bytes:
        idx = self.idx + 1
        data = entry_bytes(idx, kind, time, body, self.hash)
        h = _sha256(data).digest()
        self._rows.append((idx, kind, time, body, self.hash, h))
        self.tree.add(leaf_hash(data), self._nodes)
        self.idx, self.hash = idx, h
        return h

    def sign_head(self, private_key, market: str, time: int) -> P.TreeHead:
        """Append a market-signed tree head over every entry so far; return it."""
        msg = P.TreeHead(market=market, size=self.tree.size, root=self.tree.root(), time=time)
        self.treehead = P.sign(msg, private_key, market)
        self.append(TREEHEAD, self.treehead, time)
        return msg

    def flush(self) -> None:
        if self._rows:
            self.conn.executemany("INSERT INTO ledger (idx, kind, time, body, prev, hash) "
                                  "VALUES (?, ?, ?, ?, ?, ?)", self._rows)
            self.conn.executemany("INSERT INTO merkle (level, pos, hash) VALUES (?, ?, ?)",
                                  self._nodes)
            self._rows.clear()
            self._nodes.clear()


def append(conn: sqlite3.Connection, kind: str, body: bytes, time: int) -> bytes:
    """Append one entry (inside the caller's transaction); return its chain hash."""
    a = Appender(conn)
    h = a.append(kind, body, time)
    a.flush()
    return h


def latest_head(conn: sqlite3.Connection) -> tuple[int, bytes] | None:
    """``(entry index, body)`` of the newest tree head in the ledger, or None."""
    row = conn.execute("SELECT idx, body FROM ledger WHERE kind = ? ORDER BY idx DESC LIMIT 1",
                       (TREEHEAD,)).fetchone()
    return None if row is None else (row[0], bytes(row[1]))


# ---------------------------------------------------------------- verifying

@dataclass
class Report:
    """What ``verify`` found; ``problems`` are (entry index, text), the first bad entry first."""

    entries: int = 0
    treeheads: int = 0
    tree_size: int = 0              # size of the newest valid tree head
    root: bytes = EMPTY_ROOT        # and its root
    head: bytes = GENESIS           # chain hash of the last entry
    witnessed: int = 0              # heads named by devices (or given) checked against the tree
    roots: dict = field(default_factory=dict)     # size -> recomputed root, at the sizes asked
    keys: dict = field(default_factory=dict)      # party -> public key, from the enrollments
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, idx: int, text: str) -> None:
        self.problems.append((idx, text))

    def first_bad(self) -> int | None:
        return min(i for i, _ in self.problems) if self.problems else None

    def to_dict(self) -> dict:
        return {"result": "ok" if self.ok else "failed", "ok": self.ok, "entries": self.entries,
                "tree_size": self.tree_size, "root": self.root.hex(),
                "treeheads": self.treeheads, "witnessed_heads": self.witnessed,
                "head": self.head.hex(), "first_bad_entry": self.first_bad(),
                "problems": [{"index": i, "problem": p}
                             for i, p in sorted(self.problems, key=lambda x: x[0])]}


def payload(body: bytes) -> tuple[str, dict]:
    """(kid, payload map) of a COSE_Sign1 taken from the ledger, decoded without the strict
    layer (the market checked each message when it took it; this is for reading fast)."""
    _protected, unprotected, data, _sig = cbor2.loads(body).value
    return unprotected.get(4, b"").decode("utf-8", "replace"), cbor2.loads(data)


def _public(key):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    return key if isinstance(key, Ed25519PublicKey) else Ed25519PublicKey.from_public_bytes(key)


def verify_entries(entries: Iterable[tuple], public_key, market: str | None = None,
                   sizes: Iterable[int] = ()) -> Report:
    """Check the links, hashes and market-signed tree heads of ``entries`` in stored order, and
    every tree head a delivery in them names.

    Each entry is ``(idx, kind, time, body, prev)``, optionally followed by its stored hash.
    ``sizes``: tree sizes whose recomputed roots go into ``report.roots``.
    """
    report = Report()
    key = _public(public_key)
    want = set(sizes)
    tree = Frontier()
    prev_idx, prev = -1, GENESIS
    signed_at: dict[int, bytes] = {}       # size of each valid tree head -> its root
    bad_head = -1                          # the last tree head that did not verify
    named: list[tuple[int, int, bytes, str]] = []   # deliveries' heads: (entry, size, root, who)
    for entry in entries:
        idx, kind, time, body, link = entry[:5]
        if tree.size in want:
            report.roots[tree.size] = tree.root()
        report.entries += 1
        if idx != prev_idx + 1:
            what = "removed" if idx > prev_idx + 1 else "duplicated or reordered"
            report.problem(idx, f"entry #{idx} follows #{prev_idx}: entries {what}")
        if link != prev:
            report.problem(idx, f"entry #{idx} does not link to the entry before it: an entry "
                                "was changed, removed or reordered")
        data = entry_bytes(idx, kind, time, body, link)
        h = _sha256(data).digest()
        if len(entry) > 5 and entry[5] != h:
            report.problem(idx, f"entry #{idx} ({kind}) does not match its stored hash: changed")
        if kind == TREEHEAD:
            problem = _check_head(body, key, market, tree)
            if problem:
                report.problem(idx, f"entry #{idx}: {problem}")
                bad_head = idx
            else:
                report.treeheads += 1
                report.tree_size, report.root = tree.size, tree.root()
                signed_at[tree.size] = report.root
        elif kind == "delivery" or kind == "enrollment":
            try:
                m = payload(body)[1]
                if kind == "enrollment":
                    report.keys[m["party"]] = m["key"]
                elif m["head"] is not None:
                    size, root = m["head"]
                    named.append((idx, size, root, m["party"]))
            except (ValueError, TypeError, KeyError, AttributeError):
                pass      # the audit says what is wrong with the message itself
        tree.add(leaf_hash(data))
        prev_idx, prev = idx, h
    if tree.size in want:
        report.roots[tree.size] = tree.root()
    report.head = prev
    for idx, size, root, who in named:
        report.witnessed += 1
        if signed_at.get(size) != root:
            report.problem(idx, f"entry #{idx}: the delivery of {who} names tree head "
                                f"{size}/{root.hex()[:16]}, which this ledger does not have: "
                                "the entries before it were rewritten after the device saw them")
    if report.entries and report.tree_size < report.entries - 1 and bad_head < report.tree_size:
        first = report.tree_size + 1 if report.treeheads else 0
        report.problem(first, f"entries #{first}..#{report.entries - 1} are not covered by a "
                              "tree head the market signed: appended afterwards, or the "
                              "market stopped before signing")
    return report


def _check_head(body: bytes, key, market: str | None, tree: Frontier) -> str | None:
    try:
        msg = P.verify(body, key, kind=TREEHEAD)
    except P.ProtocolError as exc:
        return f"tree head does not verify with the trusted market key: {exc.reason}"
    if market is not None and msg.market != market:
        return f"tree head is for market {msg.market!r}"
    if msg.size != tree.size:
        return (f"tree head covers {msg.size} entries but stands after {tree.size}: entries "
                "were removed, added or reordered")
    if msg.root != tree.root():
        return ("tree head's root is not the root of the entries before it: an entry before it "
                "was changed, removed or reordered")
    return None


def rows(conn: sqlite3.Connection, start: int = 0, limit: int | None = None) -> Iterator[tuple]:
    sql = "SELECT idx, kind, time, body, prev, hash FROM ledger WHERE idx >= ? ORDER BY idx"
    args: tuple = (start,)
    if limit is not None:
        sql += " LIMIT ?"
        args = (start, limit)
    yield from conn.execute(sql, args)


def verify(conn: sqlite3.Connection, public_key, market: str | None = None,
           sizes: Iterable[int] = ()) -> Report:
    """Verify the ledger stored in the market database (also against its stored hashes)."""
    try:
        return verify_entries(rows(conn), public_key, market, sizes)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"cannot read the ledger: {exc}", "restore the database") from exc


# ---------------------------------------------------------------- export

def export(conn: sqlite3.Connection, out: BinaryIO, market: str, public_key: bytes) -> int:
    """Write the ledger as a CBOR sequence; return the number of entries written."""
    count = conn.execute("SELECT count(*) FROM ledger").fetchone()[0]
    out.write(cbor2.dumps({"type": EXPORT_TYPE, "v": 1, "market": market, "key": public_key,
                           "entries": count}))
    n = 0
    for idx, kind, time, body, prev, _h in rows(conn):
        out.write(cbor2.dumps([idx, kind, time, body, prev]))
        n += 1
    return n


def read_export(stream: BinaryIO) -> tuple[dict, Iterator[Entry]]:
    """Header and entries of an exported CBOR sequence."""
    try:
        header = cbor2.load(stream)
    except (cbor2.CBORError, EOFError) as exc:
        raise LedgerError(f"not a ledger export: {exc}", "give a file made by `ledger export`") from exc
    if not isinstance(header, dict) or header.get("type") != EXPORT_TYPE:
        raise LedgerError("not a ledger export (no header)", "give a file made by `ledger export`")

    def entries() -> Iterator[Entry]:
        while True:
            pos = stream.tell()
            if not stream.read(1):
                return
            stream.seek(pos)
            try:
                item = cbor2.load(stream)
            except (cbor2.CBORError, EOFError) as exc:
                raise LedgerError(f"export is damaged: {exc}", "export the ledger again") from exc
            if (not isinstance(item, list) or len(item) != 5 or not isinstance(item[0], int)
                    or not isinstance(item[1], str) or not isinstance(item[2], int)
                    or not isinstance(item[3], bytes) or not isinstance(item[4], bytes)):
                raise LedgerError("export holds an entry that is not [idx, kind, time, body, prev]",
                                  "export the ledger again")
            yield tuple(item)  # type: ignore[misc]

    return header, entries()


def verify_export(stream: BinaryIO, public_key: bytes, market: str | None = None) -> Report:
    """Verify an exported ledger offline with only the market's public key."""
    header, entries = read_export(stream)
    report = verify_entries(entries, public_key, market or header.get("market"))
    if header.get("entries") != report.entries:
        report.problem(report.entries, f"header announces {header.get('entries')} "
                                       f"entries, the file holds {report.entries}")
    return report


# ---------------------------------------------------------------- earlier heads and witnesses

@dataclass
class Earlier:
    """A tree head the ledger must extend: from a saved tree head or an earlier export."""

    source: str
    size: int
    root: bytes
    hashes: list[bytes] | None = None      # an export's chain hashes, to name the first change


def earlier_kind(data: bytes, source: str) -> str:
    """``"head"`` or ``"export"``: what an earlier file given to ``--since`` is (not verified)."""
    if data[:1] == b"\xd2":          # tag 18: a COSE_Sign1, so a tree head
        return "head"
    import io
    try:
        header = cbor2.load(io.BytesIO(data))
    except (cbor2.CBORError, EOFError, ValueError):
        header = None
    if isinstance(header, dict) and header.get("type") == EXPORT_TYPE:
        return "export"
    raise LedgerError(f"{source} is not a tree head or a ledger export",
                      "give a head saved by `ledger head` or a file made by `ledger export`")


def read_earlier(data: bytes, source: str, public_key, market: str | None = None) -> Earlier:
    """The newest valid tree head of ``data``: a tree head message or a ledger export."""
    if earlier_kind(data, source) == "head":
        try:
            msg = P.verify(data, public_key, kind=TREEHEAD)
        except P.ProtocolError as exc:
            raise LedgerError(f"{source} is not a tree head of the trusted market key: "
                              f"{exc.reason}", "give a head saved from this market's "
                              "treehead topic or `ledger head`") from exc
        if market is not None and msg.market != market:
            raise LedgerError(f"{source} is a tree head of market {msg.market!r}",
                              "give one of this market")
        return Earlier(source, msg.size, msg.root)
    import io
    hashes: list[bytes] = []

    def keep(entries):
        for e in entries:
            hashes.append(entry_hash(*e))
            yield e
    header, entries = read_export(io.BytesIO(data))
    report = verify_entries(keep(entries), public_key, market or header.get("market"))
    if not report.ok:
        i, text = sorted(report.problems)[0]
        raise LedgerError(f"{source} does not verify with the trusted key: {text}",
                          "give an export you verified when you made it")
    return Earlier(source, report.tree_size, report.root, hashes)


def check_earlier(report: Report, earlier: Earlier, hashes: list[bytes] | None = None) -> None:
    """Add a problem to ``report`` (made with ``sizes=[earlier.size]``) unless the ledger extends
    ``earlier``; ``hashes`` are the ledger's chain hashes, to name the first changed entry."""
    s = earlier.size
    if earlier.hashes is not None and hashes is not None:
        k = next((i for i, (a, b) in enumerate(zip(earlier.hashes, hashes)) if a != b), None)
        if k is not None:
            report.problem(k, f"entry #{k} differs from {earlier.source}: entries were changed, "
                              "removed or reordered since")
            return
    if report.entries < s:
        report.problem(report.entries, f"the ledger ends after entry #{report.entries - 1}, but "
                                       f"{earlier.source} covers {s} entries: entries "
                                       f"#{report.entries}..#{s - 1} were cut")
    elif report.roots.get(s) != earlier.root:
        report.problem(s - 1, f"the first {s} entries do not hash to the root of "
                              f"{earlier.source}: an entry in #0..#{s - 1} was changed, "
                              "removed or reordered since")


def read_witnesses(data: bytes, source: str) -> list[tuple[bytes, P.Delivery]]:
    """The deliveries of a CBOR sequence of delivery messages (as devices sent them), with
    their bytes, not yet verified."""
    import io
    stream, out = io.BytesIO(data), []
    while stream.tell() < len(data):
        start = stream.tell()
        try:
            cbor2.load(stream)
            raw = data[start:stream.tell()]
            msg = P.read(raw).message
        except (cbor2.CBORError, EOFError, P.ProtocolError) as exc:
            raise LedgerError(f"{source}: the message at byte {start} is not a delivery: {exc}",
                              "give delivery messages as devices sent them, one after "
                              "another (e.g. `mosquitto_sub -N -t 'mm/MARKET/delivery/+'`)") from exc
        if msg.KIND != "delivery":
            raise LedgerError(f"{source}: the message at byte {start} is a {msg.KIND}, not a "
                              "delivery", "give the devices' delivery messages")
        out.append((raw, msg))
    return out


def check_witnesses(report: Report, witnesses: list[tuple[bytes, P.Delivery]]) -> None:
    """Add a problem for every device-signed head the ledger does not extend (``report`` made
    with the heads' sizes); the devices' keys come from the ledger's enrollments."""
    for raw, d in witnesses:
        if d.head is None:
            continue
        key = report.keys.get(d.party)
        who = f"the delivery of {d.party} for {d.interval}"
        try:
            if key is None:
                raise P.SignatureError(f"{d.party} has no enrollment in this ledger")
            P.verify(raw, key, kind="delivery")
        except P.ProtocolError as exc:
            report.problem(report.entries, f"{who} does not verify: {exc.reason}")
            continue
        report.witnessed += 1
        size, root = d.head
        if report.entries < size:
            report.problem(report.entries, f"the ledger ends after entry #{report.entries - 1}, "
                                           f"but {who} witnessed a tree head of {size} entries: "
                                           f"entries #{report.entries}..#{size - 1} were cut")
        elif report.roots.get(size) != root:
            report.problem(size - 1, f"the first {size} entries do not hash to the root {who} "
                                     f"witnessed: an entry in #0..#{size - 1} was changed, "
                                     "removed or reordered since")


# ---------------------------------------------------------------- proofs from the database

def _signed_head(conn: sqlite3.Connection) -> tuple[P.TreeHead, bytes]:
    latest = latest_head(conn)
    if latest is None:
        raise LedgerError("the ledger has no signed tree head yet",
                          "let the market run until it signs one")
    body = latest[1]
    return P.read(body).message, body   # type: ignore[return-value]


def find_message(conn: sqlite3.Connection, message_hash: bytes) -> tuple | None:
    """The entry ``(idx, kind, time, body, prev)`` whose message has this hash, or None."""
    for row in conn.execute("SELECT idx, kind, time, body, prev FROM ledger ORDER BY idx"):
        if _sha256(row[3]).digest() == message_hash:
            return row
    return None


def inclusion_proof(conn: sqlite3.Connection, message_hash: bytes) -> dict:
    """A proof, checkable with the market key alone, that a message is in the signed ledger."""
    entry = find_message(conn, message_hash)
    if entry is None:
        raise LedgerError(f"no message with hash {message_hash.hex()} in the ledger",
                          "give the SHA-256 of the whole message (`ledger show` lists them)")
    th, body = _signed_head(conn)
    if entry[0] >= th.size:
        raise LedgerError(f"entry #{entry[0]} is newer than the last signed tree head "
                          f"({th.size} entries)", "ask again after the market's next write")
    tree = Tree(conn)
    return {"type": "inclusion", "market": th.market, "message": message_hash.hex(),
            "index": entry[0], "entry": entry_bytes(*entry).hex(), "size": th.size,
            "path": [h.hex() for h in tree.inclusion(entry[0], th.size)],
            "treehead": body.hex()}


def consistency_proof(conn: sqlite3.Connection, old: int) -> dict:
    """A proof that the newest signed tree head extends the ledger's first ``old`` entries."""
    th, body = _signed_head(conn)
    if not 0 <= old <= th.size:
        raise LedgerError(f"--from {old} is beyond the last signed tree head ({th.size} "
                          "entries)", f"give a size of at most {th.size}")
    tree = Tree(conn)
    row = conn.execute("SELECT body FROM ledger WHERE idx = ? AND kind = ?",
                       (old, TREEHEAD)).fetchone()
    return {"type": "consistency", "market": th.market, "from": old,
            "from_root": tree.root(0, old).hex(),
            "from_treehead": bytes(row[0]).hex() if row else None, "size": th.size,
            "proof": [h.hex() for h in tree.consistency(old, th.size)], "treehead": body.hex()}


def check_proof(proof: dict, public_key) -> str:
    """Check a proof from ``inclusion_proof`` or ``consistency_proof`` with the market key
    alone; return what it proves, or raise LedgerError saying why not."""
    def bad(what):
        return LedgerError(f"the proof does not hold: {what}", "do not trust the claim")
    try:
        th = P.verify(bytes.fromhex(proof["treehead"]), public_key, kind=TREEHEAD)
        if proof["type"] == "inclusion":
            idx, size = proof["index"], proof["size"]
            entry = bytes.fromhex(proof["entry"])
            path = [bytes.fromhex(h) for h in proof["path"]]
            item = cbor2.loads(entry)
            if not isinstance(item, list) or len(item) != 5 or item[0] != idx:
                raise bad(f"the entry is not entry #{idx}")
            if _sha256(item[3]).digest().hex() != proof["message"]:
                raise bad("the entry does not hold the message named")
            if size != th.size or not verify_inclusion(leaf_hash(entry), idx, size, path,
                                                       th.root):
                raise bad("the audit path does not lead to the signed root")
            return (f"message {proof['message']} is entry #{idx} ({item[1]}) of market "
                    f"{th.market}'s ledger, under its tree head of {th.size} entries "
                    f"(root {th.root.hex()}, signed at {th.time})")
        if proof["type"] == "consistency":
            old, old_root = proof["from"], bytes.fromhex(proof["from_root"])
            if proof.get("from_treehead"):
                earlier = P.verify(bytes.fromhex(proof["from_treehead"]), public_key,
                                   kind=TREEHEAD)
                if (earlier.size, earlier.root) != (old, old_root):
                    raise bad("the earlier tree head is not the one the proof starts from")
            path = [bytes.fromhex(h) for h in proof["proof"]]
            if proof["size"] != th.size or not verify_consistency(old, th.size, old_root,
                                                                  th.root, path):
                raise bad(f"the ledger of {th.size} entries does not extend the one of {old}")
            signed = " (a head the market signed)" if proof.get("from_treehead") else ""
            return (f"market {th.market}'s ledger of {th.size} entries (root "
                    f"{th.root.hex()}, signed at {th.time}) extends its first {old} entries "
                    f"(root {old_root.hex()}){signed}")
        raise bad(f"unknown proof type {proof.get('type')!r}")
    except P.ProtocolError as exc:
        raise bad(f"a tree head does not verify with the trusted key: {exc.reason}") from exc
    except (KeyError, TypeError, ValueError, cbor2.CBORError) as exc:
        raise LedgerError(f"not a ledger proof: {exc}",
                          "give a file written by `ledger prove` or `ledger consistency`") from exc
