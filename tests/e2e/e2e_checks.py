"""What the end-to-end tests check in the market's database after a run: every delivery once,
every award acted on once, the ledger verifies (the devices' deliveries witness its tree heads),
its tables follow from its signed messages (audit), the balances add up."""

from collections import Counter

from micromarket import protocol as P
from micromarket.market import audit
from micromarket.market.store import open_db
from micromarket.sim import report


def window(fleet, intervals):
    t = fleet.timing
    return t.day_start, t.day_start + (intervals - 1) * t.interval


def ledger_messages(db, kind):
    conn = open_db(db, readonly=True)
    try:
        rows = conn.execute("SELECT body FROM ledger WHERE kind = ? ORDER BY idx", (kind,)).fetchall()
    finally:
        conn.close()
    return [P.read(bytes(r[0])).message for r in rows]


def cleared_at(db) -> dict[int, int]:
    """Interval -> the market's (simulated) time when it appended that interval's Clearing."""
    conn = open_db(db, readonly=True)
    try:
        rows = conn.execute("SELECT time, body FROM ledger WHERE kind = 'clearing'").fetchall()
    finally:
        conn.close()
    return {P.read(bytes(body)).message.interval: t for t, body in rows}


def awards(db, first, last):
    """(party, interval) -> (side, wh, award hash) of the market's awards in the window."""
    conn = open_db(db, readonly=True)
    try:
        return {(p, s): (side, wh, bytes(h)) for p, s, side, wh, h in conn.execute(
            "SELECT party, interval, side, wh, hash FROM awards WHERE interval BETWEEN ? AND ?",
            (first, last))}
    finally:
        conn.close()


def counters(db):
    import json

    from micromarket.market.store import get_meta

    conn = open_db(db, readonly=True)
    try:
        return json.loads(get_meta(conn, "counters", "{}"))
    finally:
        conn.close()


def check_nothing_lost(fleet, intervals, all_awards_named=True):
    """Every device delivered every interval of the window exactly once; each delivery names
    its award (the device acted on it) or, where ``all_awards_named`` is False, names either
    the market's award or none; the ledger verifies and each balance is the sum of its
    settlements. Returns the Day report."""
    first, last = window(fleet, intervals)
    parties = set(fleet.parties.values())
    got = [d for d in ledger_messages(fleet.db, "delivery") if first <= d.interval <= last]
    per = Counter((d.party, d.interval) for d in got)
    want = {(p, first + i * fleet.timing.interval) for p in parties for i in range(intervals)}
    missing = sorted(want - set(per))
    assert not missing, f"{len(missing)} deliveries missing, e.g. {missing[:3]}"
    assert max(per.values()) == 1, [k for k, v in per.items() if v > 1]
    market_awards = awards(fleet.db, first, last)
    for d in got:
        a = market_awards.get((d.party, d.interval))
        if d.award is not None:
            assert a is not None and d.award == a[2], f"{d.party}@{d.interval} names a foreign award"
        elif all_awards_named:
            assert a is None, f"{d.party} did not act on its award for {d.interval}"
    # the devices name the newest tree head they verified: from the first clearing they saw on
    assert sum(d.head is None for d in got) <= len(parties), "deliveries name no tree head"
    day = report.collect(fleet.db, first, last)
    assert day.ledger["ok"], day.ledger
    assert day.ledger["witnessed_heads"] >= len(got) - len(parties)
    conn = open_db(fleet.db, readonly=True)
    try:
        replayed = audit.audit(conn)
    finally:
        conn.close()
    assert replayed.ok, replayed.differences[:5]
    assert day.balances_add_up
    assert len(day.intervals) == intervals
    return day


def check_every_kind_tenders(fleet):
    """Every personality in the street tendered at least once (a kind whose plans found no
    heap sends nothing and only delivers: the day still adds up, so this is checked apart). A
    PV that exported nothing (a window at night) has nothing to offer and is let be."""
    conn = open_db(fleet.db, readonly=True)
    try:
        tendered = {r[0] for r in conn.execute("SELECT DISTINCT party FROM tenders")}
    finally:
        conn.close()
    sunny = {d.party for d in ledger_messages(fleet.db, "delivery") if d.side == "sell" and d.wh}
    kinds = {m.personality for m in fleet.members
             if m.personality != "pv" or fleet.parties.get(m.name) in sunny}
    silent = sorted(kinds - {m.personality for m in fleet.members
                             if fleet.parties.get(m.name) in tendered})
    assert not silent, f"no tender from a {', '.join(silent)} device"
