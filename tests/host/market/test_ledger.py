"""The ledger: hash chain and RFC 9162 Merkle tree, signed tree heads, proofs, tampering, export."""

import hashlib
import io
import random

import pytest

from micromarket import protocol as P
from micromarket.market import ledger as L
from micromarket.market.store import transaction

from market_helpers import public


def fill(conn, key, n=20, every=5):
    with transaction(conn):
        a = L.Appender(conn)
        for i in range(n):
            a.append("tender", b"msg-%d" % i, 1000 + i)
            if (i + 1) % every == 0:
                a.sign_head(key, "m1", 1000 + i)
        a.flush()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1 written out recursively, to hold the stored tree against."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def test_the_stored_tree_is_the_rfc_9162_tree_at_every_size(db, market_key):
    leaves = []
    for i in range(70):
        with transaction(db):
            L.append(db, "tender", b"m%d" % i, i)
        idx, kind, t, body, prev, _h = list(L.rows(db, i))[0]
        leaves.append(hashlib.sha256(b"\x00" + L.entry_bytes(idx, kind, t, body, prev)).digest())
        tree = L.Tree(db)
        assert tree.size == i + 1 and tree.root(0, i + 1) == mth(leaves)
    tree = L.Tree(db)
    for size in (1, 2, 3, 7, 8, 9, 31, 32, 33, 64, 70):
        root = mth(leaves[:size])
        for index in range(size):
            path = tree.inclusion(index, size)
            assert L.verify_inclusion(leaves[index], index, size, path, root)
            assert not L.verify_inclusion(leaves[index], index ^ 1, size, path, root) or size == 1
            if path:
                bad = [bytes(32)] + path[1:]
                assert not L.verify_inclusion(leaves[index], index, size, bad, root)
        for old in range(0, size + 1):
            proof = tree.consistency(old, size)
            old_root = mth(leaves[:old])
            assert L.verify_consistency(old, size, old_root, root, proof), (old, size)
            if 0 < old < size:
                assert not L.verify_consistency(old, size, mth(leaves[:old - 1] + [bytes(32)]),
                                                root, proof)
                assert not L.verify_consistency(old, size, old_root, bytes(32), proof)


def test_the_tree_is_rebuilt_from_the_entries_when_its_table_is_lost(db, market_key):
    fill(db, market_key)
    root = L.Tree(db).root(0, 24)
    db.execute("DELETE FROM merkle WHERE level = 3")
    with transaction(db):
        L.append(db, "tender", b"after", 2000)
    assert L.Tree(db).root(0, 24) == root
    assert L.verify(db, public(market_key), "m1").problems == [
        (24, "entries #24..#24 are not covered by a tree head the market signed: appended "
             "afterwards, or the market stopped before signing")]


def test_a_clean_ledger_verifies(db, market_key):
    fill(db, market_key)
    r = L.verify(db, public(market_key), "m1")
    assert r.ok and r.entries == 24 and r.treeheads == 4 and r.tree_size == 23
    assert r.root == L.Tree(db).root(0, 23) and r.head == L.head(db)[1]
    head = P.verify(L.latest_head(db)[1], public(market_key), kind="treehead")
    assert (head.size, head.root, head.market) == (23, r.root, "m1")


def test_entries_after_the_last_tree_head_are_a_problem_naming_the_first(db, market_key):
    fill(db, market_key, n=7)
    r = L.verify(db, public(market_key))
    assert not r.ok and r.first_bad() == 6 and "#6..#7" in r.problems[0][1]


@pytest.mark.parametrize("tamper, first", [
    ("UPDATE ledger SET body = x'00' WHERE idx = 3", 3),
    ("DELETE FROM ledger WHERE idx = 7", 8),
    ("UPDATE ledger SET idx = idx + 100 WHERE idx IN (2, 3);"
     "UPDATE ledger SET idx = 3 WHERE idx = 102; UPDATE ledger SET idx = 2 WHERE idx = 103", 2),
])
def test_changed_removed_or_reordered_records_are_found(db, market_key, tamper, first):
    fill(db, market_key)
    db.executescript(tamper)
    r = L.verify(db, public(market_key))
    assert not r.ok and r.first_bad() == first


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
    assert not r.ok and r.first_bad() == 5 and "root" in r.problems[0][1]


def test_another_market_key_does_not_verify(db, market_key, registrar_key):
    fill(db, market_key)
    r = L.verify(db, public(registrar_key))
    assert not r.ok and r.first_bad() == 5 and "trusted market key" in r.problems[0][1]


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


def test_proofs_check_with_the_market_key_alone(db, market_key, registrar_key):
    fill(db, market_key, n=40)
    body = b"msg-17"
    proof = L.inclusion_proof(db, hashlib.sha256(body).digest())
    assert proof["index"] == 17 + 17 // 5 and proof["size"] == 47
    assert "entry #20 (tender)" in L.check_proof(proof, public(market_key))
    with pytest.raises(L.LedgerError, match="does not verify with the trusted key"):
        L.check_proof(proof, public(registrar_key))
    forged = dict(proof, path=list(reversed(proof["path"])))
    with pytest.raises(L.LedgerError, match="audit path"):
        L.check_proof(forged, public(market_key))
    for old in (5, 11, 30):
        c = L.consistency_proof(db, old)
        assert f"extends its first {old} entries" in L.check_proof(c, public(market_key))
        assert (c["from_treehead"] is not None) == (old % 6 == 5)
    c = L.consistency_proof(db, 11)
    c["from_root"] = random.Random(1).randbytes(32).hex()
    with pytest.raises(L.LedgerError):
        L.check_proof(c, public(market_key))
