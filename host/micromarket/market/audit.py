"""`ledger audit`: replay the ledger's signed messages alone and compare with the tables.

The market's tables (registry, tenders, awards, intervals, deliveries, balances, the Community
Credit) are a cache of what the signed messages in the ledger say happened. The audit rebuilds
them from the messages in ledger order, with the market's own rules (settlement.py), and
reports every row where the database says something else, naming the ledger entry the
replayed value comes from:

* enrollments (registrar-signed) give each party's key, role, board, site and validity;
* tenders and positions give the stored bid of each party and interval and the last sequence
  (one the clearing did not answer had expired and left the book);
* awards (market-signed) give the awards table;
* clearings give the intervals table and, with the tariff of the newest context before them,
  the Community Credit;
* a delivery (or the market's signed ``missed`` record of a party that sent none in time) and
  the receipt after it give the deliveries table, and, from the party's awards of the interval,
  the amount (checked against the receipt), the balance, the reputation and the grid account's
  opposite booking (table ``grid``);
* in a child market, its deliveries to the parent and the parent's receipts give the
  ``parent_settlements`` table and the parent account's rows of ``grid``.

The signatures that make every entry trustworthy are checked by `ledger verify` (a market-signed
tree head covers every entry before it; the market verified each device's signature when it
took the message); the audit checks the registrar's signature of each enrollment when given the
registrar key. It decodes each message once, so it runs at hash-chain speed.
"""

import sqlite3
from dataclasses import dataclass, field

import cbor2

from .. import protocol as P
from . import ledger as L
from . import settlement as S
from .store import get_meta

_sha256 = L._sha256
# ledger kind -> the message types it holds
_TYPES = {"tender": ("tender", "position"), "parent-award": ("award",),
          "parent-receipt": ("receipt",), "parent-delivery": ("delivery",)}


@dataclass
class Result:
    entries: int = 0
    messages: int = 0
    parties: int = 0
    deliveries: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict:
        return {"result": "ok" if self.ok else "failed", "entries": self.entries,
                "messages": self.messages, "parties": self.parties,
                "deliveries": self.deliveries, "differences": self.differences}


class _Replay:
    def __init__(self, market, registrar):
        self.market, self.registrar = market, registrar
        self.diff: list[str] = []
        # party -> [key, market, role, board, site, nbf, exp, enrollment, entry]
        self.parties: dict[str, list] = {}
        self.last_seq: dict[str, int] = {}
        self.balance: dict[str, int] = {}
        self.reputation: dict[str, int] = {}
        self.balance_at: dict[str, int] = {}            # party -> entry of its last receipt
        self.tenders: dict[tuple, tuple] = {}           # (interval, party) -> row, entry
        self.tendered: dict[int, set] = {}              # interval -> parties, until cleared
        self.awards: dict[tuple, tuple] = {}            # (interval, party, side) -> row, entry
        self.intervals: dict[int, tuple] = {}
        self.deliveries: dict[tuple, tuple] = {}
        self.grid: dict[tuple, tuple] = {}
        self.parent_settlements: dict[tuple, list] = {}
        self.credit = 0
        self.tariff = None                              # the newest context's tariff
        self.unpriced: list[tuple[int, int, int]] = []  # clearings before any context
        self.pending: tuple | None = None               # a delivery waiting for its receipt

    def note(self, text: str) -> None:
        self.diff.append(text)

    def entry(self, idx: int, kind: str, body: bytes) -> None:
        try:
            kid, m = L.payload(body)
        except (cbor2.CBORError, ValueError, TypeError, AttributeError, KeyError):
            self.note(f"entry #{idx} ({kind}): the body is not a COSE_Sign1 message")
            return
        if not isinstance(m, dict) or m.get("type") not in _TYPES.get(kind, (kind,)):
            what = m.get("type") if isinstance(m, dict) else "?"
            self.note(f"entry #{idx} ({kind}): holds a {what} message")
            return
        if self.pending is not None and kind != "receipt":
            d_idx, d, _h = self.pending
            self.note(f"entry #{d_idx}: the {d['type']} of {d['party']} for {d['interval']} has "
                      "no receipt after it")
            self.pending = None
        handler = getattr(self, "_" + kind.replace("-", "_"), None)
        if handler is not None:
            try:
                handler(idx, kid, m, body)
            except (KeyError, TypeError, ValueError) as exc:
                self.note(f"entry #{idx} ({kind}): the message lacks what the market records "
                          f"({type(exc).__name__}: {exc})")

    # ------------------------------------------------------------ the messages
    def _enrollment(self, idx, _kid, m, body):
        if self.registrar is not None:
            try:
                P.verify(body, self.registrar, kind="enrollment")
            except P.ProtocolError as exc:
                self.note(f"entry #{idx}: the enrollment of {m.get('party')} does not verify "
                          f"with the registrar key: {exc.reason}")
                return
        self.parties[m["party"]] = [m["key"], m["market"], m["role"], m["board"], m["site"],
                                    m["nbf"], m["exp"], body, idx]
        self.balance.setdefault(m["party"], 0)
        self.reputation.setdefault(m["party"], S.REPUTATION_MAX)

    def _seq(self, party, seq):
        if seq > self.last_seq.get(party, -1):
            self.last_seq[party] = seq

    def _tender(self, idx, kid, m, body):
        party = m["party"]
        if kid != party:
            self.note(f"entry #{idx}: the tender of {party} is signed by {kid!r}")
        if m["type"] == "position":
            side, curves = "both", [m["buy"], m["sell"]]
        else:
            side, curves = m["side"], m["curve"]
        self.tenders[(m["interval"], party)] = ((m["seq"], _sha256(body).digest(), side,
                                                 cbor2.dumps(curves), m["type"]), idx)
        self.tendered.setdefault(m["interval"], set()).add(party)
        self._seq(party, m["seq"])

    def _position(self, idx, kid, m, body):
        if m["market"] == self.market:          # a child's position, taken as its tender
            self._tender(idx, kid, m, body)
        # else our own position, sent up to our parent: residuals hold it, not tenders

    def _award(self, idx, _kid, m, body):
        self.awards[(m["interval"], m["party"], m["side"])] = (
            (m["price"], m["wh"], m["tender"], _sha256(body).digest(), body), idx)

    def _clearing(self, idx, _kid, m, _body):
        s = m["interval"]
        for party in self.tendered.pop(s, ()):   # a tender the clearing did not answer had
            if (s, party, "buy") not in self.awards and (s, party, "sell") not in self.awards:
                del self.tenders[(s, party)]       # expired: the market took it out of the book
        if self.tariff is None:
            self.unpriced.append((idx, m["interval"], m["volume"]))
            credit = None
        else:
            credit = S.community_credit(m["volume"], *self.prices(m["interval"]))
            self.credit += credit
        self.intervals[m["interval"]] = [(m["price"], m["volume"], m["grid_buy"],
                                          m["grid_sell"], m["tenders"], credit, "cleared"), idx]

    def prices(self, s: int) -> tuple[int, int]:
        """Feed-in and retail of interval ``s``, by the newest context's tariff."""
        return P.fields.tariff_at(self.tariff, s)

    def _context(self, _idx, _kid, m, _body):
        self.tariff = m["tariff"]
        for idx, s, volume in self.unpriced:      # cleared before the first context was logged
            credit = S.community_credit(volume, *self.prices(s))
            row, at = self.intervals[s]
            if at == idx:
                self.intervals[s] = [row[:5] + (credit,) + row[6:], at]
                self.credit += credit
        self.unpriced.clear()

    def _delivery(self, idx, kid, m, body):
        if kid != m["party"]:
            self.note(f"entry #{idx}: the delivery of {m['party']} is signed by {kid!r}")
        self._seq(m["party"], m["seq"])
        self.pending = (idx, m, _sha256(body).digest())

    def _missed(self, idx, _kid, m, body):
        self.pending = (idx, m, _sha256(body).digest())

    def _parent_delivery(self, idx, _kid, m, body):
        self.parent_settlements[(m["interval"],)] = [(m["side"], m["wh"], body, None, None), idx]

    def _parent_receipt(self, idx, _kid, m, body):
        row = self.parent_settlements.get((m["interval"],))
        if row is None or _sha256(row[0][2]).digest() != m["delivery"]:
            self.note(f"entry #{idx}: the parent's receipt names no delivery of ours before it")
            return
        row[0] = row[0][:3] + (m["amount"], body)
        self.grid[(m["interval"], m["market"])] = (("parent", m["amount"], 0, 0, 0), idx)

    def _receipt(self, idx, _kid, m, body):
        if self.pending is None:
            self.note(f"entry #{idx}: a receipt for {m['party']} with no delivery before it")
            return
        d_idx, d, d_hash = self.pending
        self.pending = None
        party, s = d["party"], d["interval"]
        if m["party"] != party or m["interval"] != s or m["delivery"] != d_hash:
            self.note(f"entry #{idx}: the receipt does not answer the {d['type']} at #{d_idx}")
            return
        if self.tariff is None:
            self.note(f"entry #{d_idx}: no context before it in the ledger, so its tariff is "
                      "unknown")
            return
        awards = [(side, row[0], row[1]) for side in ("buy", "sell")
                  for row, _at in [self.awards.get((s, party, side), (None, 0))] if row]
        split, awarded, judged = S.settle(d["side"], awards, d["wh"], *self.prices(s))
        amount = split.amount
        if m["amount"] != amount:
            self.note(f"entry #{idx}: the receipt for {party}'s {d['type']} (#{d_idx}) credits "
                      f"{m['amount']} ucr, its awards and the measured Wh make {amount}")
        balance = self.balance.get(party, 0) + m["amount"]
        self.balance[party] = balance
        self.balance_at[party] = idx
        if m["balance"] != balance:
            self.note(f"entry #{idx}: the receipt says {party}'s balance is {m['balance']} ucr, "
                      f"its receipts add up to {balance}")
        self.reputation[party] = S.next_reputation(self.reputation.get(party, S.REPUTATION_MAX),
                                                   awarded, judged)
        self.deliveries[(s, party)] = ((d_hash, d["wh"], m["amount"], body), d_idx)
        kind = S.MISSED if d["type"] == S.MISSED else "delivery"
        self.grid[(s, party)] = ((kind, -m["amount"], split.imported, split.exported,
                                  -split.deviation), d_idx)

    # ------------------------------------------------------------ the tables
    def compare(self, conn: sqlite3.Connection) -> None:
        if self.pending is not None:
            d_idx, d, _h = self.pending
            self.note(f"entry #{d_idx}: the {d['type']} of {d['party']} for {d['interval']} has "
                      "no receipt after it")
        if self.unpriced:
            self.note(f"entry #{self.unpriced[0][0]}: no context in the ledger, so the "
                      "Community Credit of the clearings cannot be recomputed")
        self._parties(conn)
        self._table(conn, "tenders", "interval, party", "seq, hash, side, curve, kind",
                    self.tenders, ("seq", "hash", "side", "curve", "kind"))
        self._table(conn, "awards", "interval, party, side", "price, wh, tender, hash, body",
                    self.awards, ("price", "wh", "tender", "hash", "body"))
        self._table(conn, "intervals", "interval", "price, local, grid_buy, grid_sell, tenders, "
                    "community, state", {(k,): v for k, v in self.intervals.items()},
                    ("price", "local", "grid_buy", "grid_sell", "tenders", "community", "state"),
                    skip="state = 'failed' AND price IS NULL")  # failed: nothing traded
        self._table(conn, "deliveries", "interval, party", "hash, wh, amount, receipt",
                    self.deliveries, ("hash", "wh", "amount", "receipt"))
        self._table(conn, "grid", "interval, party", "kind, amount, imported, exported, "
                    "deviation", self.grid, ("kind", "amount", "imported", "exported",
                                             "deviation"))
        self._table(conn, "parent_settlements", "interval", "side, wh, delivery, amount, receipt",
                    {k: tuple(v) for k, v in self.parent_settlements.items()},
                    ("side", "wh", "delivery", "amount", "receipt"),
                    skip="delivery = x''")     # nothing crossed, nothing awarded: no message
        stored = int(get_meta(conn, "community_credit", 0))
        if stored != self.credit:
            self.note(f"meta community_credit: the table says {stored} ucr, the clearings add "
                      f"up to {self.credit}")

    def _parties(self, conn) -> None:
        names = ("key", "market", "role", "board", "site", "nbf", "exp", "enrollment")
        seen = set()
        for row in conn.execute("SELECT party, key, market, role, board, site, nbf, exp, "
                                "enrollment, last_seq, balance, reputation FROM parties"):
            party = row[0]
            seen.add(party)
            mine = self.parties.get(party)
            if mine is None:
                self.note(f"parties {party}: in the table, but no enrollment in the ledger "
                          "names it")
                continue
            at = mine[8]
            for name, have, want in zip(names, row[1:9], mine):
                if _norm(have) != _norm(want):
                    self.note(f"parties {party} {name}: the table says {_show(have)}, the "
                              f"enrollment at entry #{at} says {_show(want)}")
            for name, have, want, where in (
                    ("last_seq", row[9], self.last_seq.get(party, -1), "its messages"),
                    ("balance", row[10], self.balance.get(party, 0), "its receipts"),
                    ("reputation", row[11], self.reputation.get(party, S.REPUTATION_MAX),
                     "its deliveries")):
                if have != want:
                    last = self.balance_at.get(party)
                    since = f" (last receipt at entry #{last})" if last is not None else ""
                    self.note(f"parties {party} {name}: the table says {have}, {where} make "
                              f"{want}{since}")
        for party, mine in self.parties.items():
            if party not in seen:
                self.note(f"parties {party}: enrolled at entry #{mine[8]}, missing from the table")

    def _table(self, conn, table, keys, cols, replayed: dict, names, skip="0") -> None:
        seen = set()
        for row in conn.execute(f"SELECT {keys}, {cols} FROM {table} WHERE NOT ({skip})"):
            nk = len(keys.split(","))
            k, have = tuple(row[:nk]), row[nk:]
            seen.add(k)
            mine = replayed.get(k)
            where = f"{table} {'/'.join(str(x) for x in k)}"
            if mine is None:
                self.note(f"{where}: in the table, but no message in the ledger makes it")
                continue
            want, at = mine
            for name, h, w in zip(names, have, want):
                if w is not None and _norm(h) != _norm(w):
                    self.note(f"{where} {name}: the table says {_show(h)}, the message at "
                              f"entry #{at} says {_show(w)}")
        for k, (_want, at) in replayed.items():
            if k not in seen:
                self.note(f"{table} {'/'.join(str(x) for x in k)}: made by the message at entry "
                          f"#{at}, missing from the table")


def _norm(v):
    return bytes(v) if isinstance(v, (bytes, bytearray, memoryview)) else v


def _show(v) -> str:
    if isinstance(v, (bytes, bytearray, memoryview)):
        h = bytes(v).hex()
        return h if len(h) <= 16 else h[:16] + "..."
    return repr(v)


def audit(conn: sqlite3.Connection, registrar_key: bytes | None = None) -> Result:
    """Replay the ledger of ``conn`` and compare it with the tables (read only)."""
    replay = _Replay(get_meta(conn, "market"), registrar_key)
    result = Result()
    try:
        for idx, kind, _time, body in conn.execute(
                "SELECT idx, kind, time, body FROM ledger ORDER BY idx"):
            result.entries += 1
            if kind == L.TREEHEAD:
                continue
            result.messages += 1
            replay.entry(idx, kind, bytes(body))
        replay.compare(conn)
    except sqlite3.DatabaseError as exc:
        raise L.LedgerError(f"cannot read the market database: {exc}",
                            "give the file `micromarket market serve --db` wrote") from exc
    result.parties = len(replay.parties)
    result.deliveries = len(replay.deliveries)
    result.differences = replay.diff
    return result
