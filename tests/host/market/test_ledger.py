"""The hash-chain ledger: append, checkpoint, verify, tamper detection, offline export."""

import io

import pytest

from micromarket.market import ledger as L
from micromarket.market.store import transaction

from market_helpers import public


def fill(conn, key, n=20, every=5):
    with transaction(conn):
        a = L.Appender(conn)
        for i in range(n):
            a.append("tender", b"msg-%d" % i, 1000 + i)
            if (i + 1) % every == 0:
                a.checkpoint(key, "m1", 1000 + i)
        a.flush()


def test_a_clean_ledger_verifies(db, market_key):
    fill(db, market_key)
    r = L.verify(db, public(market_key), "m1")
    assert r.ok and r.entries == 24 and r.checkpoints == 4 and r.unsigned_tail == 0
    assert r.head == L.head(db)[1]


def test_the_tail_after_the_last_checkpoint_is_reported(db, market_key):
    fill(db, market_key, n=7)
    r = L.verify(db, public(market_key))
    assert r.ok and r.unsigned_tail == 2


@pytest.mark.parametrize("tamper", [
    "UPDATE ledger SET body = x'00' WHERE idx = 3",
    "DELETE FROM ledger WHERE idx = 7",
    "UPDATE ledger SET idx = idx + 100 WHERE idx IN (2, 3);"
    "UPDATE ledger SET idx = 3 WHERE idx = 102; UPDATE ledger SET idx = 2 WHERE idx = 103",
    "DELETE FROM ledger WHERE idx >= 10",   # truncation back to a signed head is not; see below
])
def test_changed_removed_or_reordered_records_are_found(db, market_key, tamper):
    fill(db, market_key)
    db.executescript(tamper)
    r = L.verify(db, public(market_key))
    if "idx >= 10" in tamper:
        assert r.ok and r.entries == 10      # a clean prefix still verifies, and says where it ends
        return
    assert not r.ok and r.problems


def test_a_rewritten_chain_does_not_match_the_signed_heads(db, market_key):
    fill(db, market_key)
    rows = list(L.rows(db))
    db.execute("DELETE FROM ledger")
    with transaction(db):
        a = L.Appender(db)
        for idx, kind, t, body, _prev, _h in rows:
            a.append(kind, b"forged" if idx == 1 else body, t)
        a.flush()
    r = L.verify(db, public(market_key))
    assert not r.ok and any("checkpoint" in p for _i, p in r.problems)


def test_another_market_key_does_not_verify(db, market_key, registrar_key):
    fill(db, market_key)
    assert not L.verify(db, public(registrar_key)).ok


def test_export_verifies_offline_and_tampering_shows(db, market_key):
    fill(db, market_key)
    buf = io.BytesIO()
    assert L.export(db, buf, "m1", public(market_key)) == 24
    data = buf.getvalue()
    r = L.verify_export(io.BytesIO(data), public(market_key))
    assert r.ok and r.entries == 24
    i = data.index(b"msg-3")
    bad = data[:i] + b"msg-X" + data[i + 5:]
    assert not L.verify_export(io.BytesIO(bad), public(market_key)).ok
    with pytest.raises(L.LedgerError):
        L.verify_export(io.BytesIO(b"\xff\x00"), public(market_key))
