"""Registry (enrollment credentials, keys) and settlement arithmetic."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.market import ledger as L
from micromarket.market import registry as R
from micromarket.market import settlement as S
from micromarket.market.store import open_db, transaction

from market_helpers import enrollment, public


def test_enroll_stores_the_party_and_logs_the_credential(tmp_path, registrar_key):
    dev = Ed25519PrivateKey.generate()
    cred = enrollment(registrar_key, dev)
    party = R.enroll(tmp_path / "m.db", cred, registrar_key=public(registrar_key), now=100)
    assert party.party == P.party_id(public(dev)) and party.market == "m1" and party.last_seq == -1
    conn = open_db(tmp_path / "m.db")
    assert R.get(conn, party.party).key == public(dev)
    assert [r[1] for r in L.rows(conn)] == ["enrollment"]


def test_enroll_refuses_other_signers_and_expired_credentials(tmp_path, registrar_key):
    dev = Ed25519PrivateKey.generate()
    with pytest.raises(R.EnrollmentError, match="does not verify"):
        R.enroll(tmp_path / "m.db", enrollment(Ed25519PrivateKey.generate(), dev),
                 registrar_key=public(registrar_key))
    with pytest.raises(R.EnrollmentError, match="expired"):
        R.enroll(tmp_path / "m.db", enrollment(registrar_key, dev, exp=50),
                 registrar_key=public(registrar_key), now=100)


@pytest.mark.parametrize("key", [
    bytes(32),                                        # y = 0, order 4
    (1).to_bytes(32, "little"),                       # identity
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  # order 8
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),  # order 8
    (2**255 - 19 + 2).to_bytes(32, "little"),         # not canonical
])
def test_small_order_and_non_canonical_keys_are_refused(db, key):
    with pytest.raises(R.EnrollmentError):
        R.add_party(db, key, "m1")


def test_add_parties_in_bulk(db):
    keys = [public(Ed25519PrivateKey.generate()) for _ in range(5)]
    ids = R.add_parties(db, keys, "m1")
    assert [p.party for p in R.parties(db, "m1")] == sorted(ids)


@pytest.mark.parametrize("side,legs,measured,expected", [
    ("buy", [(1000, 200_000)], 1000, -200_000),
    ("buy", [(1000, 200_000)], 1500, -200_000 - 500 * 400),      # extra at the cap
    ("buy", [(1000, 200_000)], 400, -200_000 + 600 * 80),        # unused back at the floor
    ("sell", [(1000, 200_000)], 1000, 200_000),
    ("sell", [(1000, 200_000)], 700, 200_000 - 300 * 400),       # shortfall at the cap
    ("sell", [(1000, 200_000)], 1300, 200_000 + 300 * 80),       # surplus at the floor
    ("sell", [], 100, 100 * 80),                                 # no award: all to the grid
    ("buy", [(500, 200_000), (500, 100_000)], 1000, -150_000),   # local and parent legs
])
def test_amounts(side, legs, measured, expected):
    assert S.amount(side, legs, measured, 80_000, 400_000) == expected


def test_reputation_moves_toward_the_delivery_score():
    assert S.next_reputation(1000, 1000, 1000) == 1000
    assert S.next_reputation(1000, 1000, 0) == 875
    assert S.next_reputation(500, 1000, 1000) == 562
    assert S.next_reputation(700, 0, 300) == 700          # nothing awarded, nothing to judge
    assert S.community_credit(1000, 80_000, 400_000) == 320_000


def test_settle_delivery_updates_balance_once(db):
    pub = public(Ed25519PrivateKey.generate())
    party = R.add_party(db, pub, "m1").party
    db.execute("INSERT INTO awards (interval, party, side, price, wh, tender, hash, body) "
               "VALUES (60, ?, 'sell', 200000, 1000, x'00', x'00', x'00')", (party,))
    with transaction(db):
        s, receipt = S.settle_delivery(db, party, 60, "sell", 900, b"h" * 32, 80_000, 400_000,
                                       lambda a, b: b"receipt:%d:%d" % (a, b))
    assert (s.amount, s.balance, s.reputation) == (160_000, 160_000, 988)
    assert receipt == b"receipt:160000:160000"
    with pytest.raises(S.SettlementError):
        S.settle_delivery(db, party, 60, "sell", 900, b"h" * 32, 80_000, 400_000, lambda a, b: b"")
    assert S.balances(db)["parties"][party]["balance"] == 160_000
