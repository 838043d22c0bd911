"""The ledger: every accepted signed message and every market record, in one hash chain.

Entry ``i`` is ``[i, kind, time, body, prev]`` where ``body`` is the COSE_Sign1 bytes of the
message and ``prev`` the hash of entry ``i - 1`` (32 zero bytes for the first). Its hash is the
SHA-256 of that array in deterministic CBOR. Now and then the market appends a *checkpoint*: an
entry whose body is a market-signed COSE_Sign1 over ``{"type": "checkpoint", "index": i - 1,
"head": <hash of entry i - 1>, ...}``. Whoever holds the market's public key can then check the
whole chain offline: a changed record changes its hash, a removed or reordered one breaks the
``prev`` links, and a rewritten chain no longer matches the signed heads.

``export`` writes a CBOR sequence (RFC 8742): a header map, then one array per entry.
"""

import hashlib
import sqlite3
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable, Iterator

import cbor2

from ..protocol import codec, cose
from ..protocol.errors import ProtocolError
from . import MarketError

GENESIS = bytes(32)
CHECKPOINT = "checkpoint"
EXPORT_TYPE = "ledger-export"

Entry = tuple[int, str, int, bytes, bytes]   # idx, kind, time, body, prev


class LedgerError(MarketError):
    """The ledger cannot be read or written."""


def entry_hash(idx: int, kind: str, time: int, body: bytes, prev: bytes) -> bytes:
    return hashlib.sha256(cbor2.dumps([idx, kind, time, body, prev])).digest()


def head(conn: sqlite3.Connection) -> tuple[int, bytes]:
    """``(index of the last entry, its hash)``; ``(-1, GENESIS)`` for an empty ledger."""
    row = conn.execute("SELECT idx, hash FROM ledger ORDER BY idx DESC LIMIT 1").fetchone()
    return (-1, GENESIS) if row is None else (row[0], row[1])


class Appender:
    """Appends entries inside the caller's transaction, carrying the head along."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.idx, self.hash = head(conn)
        self._rows: list[tuple] = []

    def append(self, kind: str, body: bytes, time: int) -> bytes:
        idx = self.idx + 1
        h = entry_hash(idx, kind, time, body, self.hash)
        self._rows.append((idx, kind, time, body, self.hash, h))
        self.idx, self.hash = idx, h
        return h

    def checkpoint(self, private_key, market: str, time: int) -> bytes:
        """Append a market-signed checkpoint over the current head."""
        payload = codec.dumps({"type": CHECKPOINT, "v": 1, "market": market,
                               "index": self.idx, "head": self.hash, "time": time})
        return self.append(CHECKPOINT, cose.sign1(private_key, payload, market), time)

    def flush(self) -> None:
        if self._rows:
            self.conn.executemany("INSERT INTO ledger (idx, kind, time, body, prev, hash) "
                                  "VALUES (?, ?, ?, ?, ?, ?)", self._rows)
            self._rows.clear()


def append(conn: sqlite3.Connection, kind: str, body: bytes, time: int) -> bytes:
    """Append one entry (inside the caller's transaction); return its hash."""
    a = Appender(conn)
    h = a.append(kind, body, time)
    a.flush()
    return h


@dataclass
class Report:
    """What ``verify`` found. ``ok`` is False on any problem; an unsigned tail is only noted."""

    entries: int = 0
    checkpoints: int = 0
    signed_upto: int = -1          # last index covered by a valid checkpoint
    head: bytes = GENESIS
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unsigned_tail(self) -> int:
        """Entries after the last checkpoint: intact chain, but not yet vouched for by the market."""
        return self.entries - 1 - self.signed_upto

    def to_dict(self) -> dict:
        return {"ok": self.ok, "entries": self.entries, "checkpoints": self.checkpoints,
                "signed_upto": self.signed_upto, "unsigned_tail": self.unsigned_tail,
                "head": self.head.hex(),
                "problems": [{"index": i, "problem": p} for i, p in self.problems]}


def _check_checkpoint(body: bytes, key, market: str | None, idx: int, prev_idx: int,
                      prev: bytes) -> str | None:
    try:
        env = cose.open1(body)
        payload = codec.loads(env.verify(key))
    except ProtocolError as exc:
        return f"checkpoint does not verify with the market key: {exc.reason}"
    if not isinstance(payload, dict) or payload.get("type") != CHECKPOINT:
        return "checkpoint body is not a checkpoint"
    if market is not None and payload.get("market") != market:
        return f"checkpoint is for market {payload.get('market')!r}"
    if payload.get("index") != prev_idx or payload.get("head") != prev:
        return (f"checkpoint signs head #{payload.get('index')} which is not the chain "
                f"before it: records were changed, removed or reordered")
    return None


def verify_entries(entries: Iterable[tuple], public_key, market: str | None = None) -> Report:
    """Check links, hashes and signed checkpoints of ``entries`` in stored order.

    Each entry is ``(idx, kind, time, body, prev)``, optionally followed by its stored hash.
    """
    report = Report()
    prev_idx, prev = -1, GENESIS
    broken_since = None
    for entry in entries:
        idx, kind, time, body, link = entry[:5]
        report.entries += 1
        if idx != prev_idx + 1:
            what = "removed" if idx > prev_idx + 1 else "duplicated or reordered"
            report.problems.append((idx, f"entry #{idx} follows #{prev_idx}: records {what}"))
            broken_since = idx if broken_since is None else broken_since
        if link != prev:
            report.problems.append((idx, f"entry #{idx} does not link to the entry before it: "
                                         "a record was changed, removed or reordered"))
            broken_since = idx if broken_since is None else broken_since
        h = entry_hash(idx, kind, time, body, link)
        if len(entry) > 5 and entry[5] != h:
            report.problems.append((idx, f"entry #{idx} ({kind}) does not match its hash: changed"))
            broken_since = idx if broken_since is None else broken_since
        if kind == CHECKPOINT:
            problem = _check_checkpoint(body, public_key, market, idx, prev_idx, link)
            if problem:
                report.problems.append((idx, f"entry #{idx}: {problem}"))
            else:
                report.checkpoints += 1
                if broken_since is None:
                    report.signed_upto = idx
        prev_idx, prev = idx, h
    report.head = prev
    return report


def rows(conn: sqlite3.Connection, start: int = 0, limit: int | None = None) -> Iterator[tuple]:
    sql = "SELECT idx, kind, time, body, prev, hash FROM ledger WHERE idx >= ? ORDER BY idx"
    args: tuple = (start,)
    if limit is not None:
        sql += " LIMIT ?"
        args = (start, limit)
    yield from conn.execute(sql, args)


def verify(conn: sqlite3.Connection, public_key, market: str | None = None) -> Report:
    """Verify the ledger stored in the market database (also against its stored hashes)."""
    try:
        return verify_entries(rows(conn), public_key, market)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"cannot read the ledger: {exc}", "restore the database") from exc


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
        report.problems.append((report.entries, f"header announces {header.get('entries')} "
                                                f"entries, the file holds {report.entries}"))
    return report
