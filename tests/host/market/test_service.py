"""The market service through a real Mosquitto: context, bad input, clearing, broker restart."""

import pytest

from micromarket import protocol as P
from micromarket.market import ledger as L
from micromarket.market import loadgen
from micromarket.market.clock import ManualClock
from micromarket.market.core import Config
from micromarket.market.store import open_db

from market_helpers import Client, ServiceThread, wait_for

T0 = 1_800_000_000 - 1_800_000_000 % 300
S1 = T0 + 300                                 # the interval open for tenders at T0 + 10


@pytest.fixture
def honest():
    return loadgen.make_parties(5, seed=11)


@pytest.fixture
def setup_parties(honest):
    def setup(conn):
        loadgen.register(conn, honest, "m1")
    return setup


def _tender(p, interval=S1, market="m1", curve=((200_000, 100),), side="buy", seq=None):
    msg = P.Tender(market=market, party=p.party, seq=p.next_seq() if seq is None else seq,
                   interval=interval, side=side, curve=curve, expiry=interval)
    return P.topic("m1", "tender", p.party), P.sign(msg, p.key, p.party)


def test_bad_input_is_refused_signed_and_counted(tmp_path, fresh_mosquitto, market_key, honest,
                                                 setup_parties):
    # a broker of its own: the session one keeps what earlier tests' markets "m1" left on it, a
    # retained context signed with another key and, for the market's fixed client id
    # (mm-market-m1, persistent session), the queued tenders of parties this market never
    # enrolled (tests/e2e/test_attacks.py), which it would refuse as unknown-party
    mosquitto = fresh_mosquitto
    clock = ManualClock(T0 + 10)
    pub = P.public_key_bytes(market_key)
    client = Client(mosquitto.url)
    with ServiceThread(tmp_path / "m.db", Config(market="m1"), market_key, clock,
                       mosquitto.url, setup=setup_parties) as svc:
        ctx = client.wait(lambda t, _p: t == "mm/m1/context")[0][1]
        assert P.verify(ctx, pub, kind="context").start == S1
        a, b = honest[0], honest[1]
        stranger = loadgen.make_parties(1, seed=99)[0]
        first = _tender(a)
        bad_sig = bytearray(_tender(b)[1])
        bad_sig[-5] ^= 0x40
        award_on_tender_topic = P.sign(P.Award(market="m1", party=b.party, interval=S1,
                                               side="buy", price=1, wh=1, tender=bytes(32)),
                                       b.key, b.party)
        cases = [  # (topic, bytes, party whose error topic answers, expected code)
            (first[0], b"\xd2\x84\xff", a, "malformed"),
            (first[0], bytes(bad_sig), a, "signature"),
            (*_tender(stranger)[:1], _tender(stranger)[1], stranger, "unknown-party"),
            (first[0], first[1], a, None),                       # honest: accepted
            (first[0], first[1], a, None),                       # the same bytes: a copy
            (*_tender(a, seq=1, curve=((190_000, 100),)), a, "replay"),  # an old seq, new bytes
            (*_tender(b, interval=T0), b, "interval-closed"),
            (*_tender(b, interval=S1 + 300 * 500), b, "interval-future"),
            (*_tender(b, curve=((900_000, 10),)), b, "out-of-bounds"),
            (*_tender(b, curve=((200_000, 200_000),)), b, "out-of-bounds"),
            (first[0], b"\x00" * 9000, a, "oversized"),
            (*_tender(b, market="m2"), b, "wrong-market"),
            (P.topic("m1", "tender", b.party), award_on_tender_topic, b, "wrong-type"),
        ]
        # the topic of a stranger's tender is its own party topic
        cases[2] = (P.topic("m1", "tender", stranger.party), cases[2][1], stranger, "unknown-party")
        for topic, data, _who, _code in cases:
            client.publish(topic, data)
        for p in honest[1:]:
            client.publish(*_tender(p))
        expected = [(who, code) for _t, _d, who, code in cases if code]
        errors = client.wait(lambda t, _p: "/error/" in t, n=len(expected))
        got = []
        for topic, data in errors:
            err = P.verify(data, pub, kind="error")
            assert topic == f"mm/m1/error/{err.party}"
            got.append((err.party, P.ERROR_NAMES[err.code]))
        assert sorted(got) == sorted((w.party, c) for w, c in expected)
        counters = svc.market.counters
        wait_for(lambda: counters["tender"] == 5, what="the honest tenders")
        wait_for(lambda: counters["resent"] == 1, what="the copy of a tender")
        assert counters["tender"] == 5 and counters["replay"] == 1 and counters["malformed"] == 1
        # after gate closure: the interval clears, late tenders are refused
        clock.set(S1 - 50)
        awards = client.wait(lambda t, _p: "/award/" in t, n=5)
        assert {P.verify(d, pub, kind="award").party for _t, d in awards} == {p.party for p in honest}
        client.publish(*_tender(honest[2]))
        late = client.wait(lambda t, _p: t == f"mm/m1/error/{honest[2].party}")
        assert P.ERROR_NAMES[P.verify(late[0][1], pub).code] == "gate-closed"
    client.close()
    conn = open_db(tmp_path / "m.db")
    assert L.verify(conn, pub, "m1").ok
    assert conn.execute("SELECT count(*) FROM tenders").fetchone()[0] == 5


def test_broker_restart_market_reconnects(tmp_path, fresh_mosquitto, market_key, honest,
                                          setup_parties):
    clock = ManualClock(T0 + 10)
    pub = P.public_key_bytes(market_key)
    with ServiceThread(tmp_path / "m.db", Config(market="m1"), market_key, clock,
                       fresh_mosquitto.url, setup=setup_parties) as svc:
        client = Client(fresh_mosquitto.url)
        client.publish(*_tender(honest[0]))
        client.wait(lambda t, _p: t == "mm/m1/context")
        client.close()
        fresh_mosquitto.restart()            # persistence is off: the retained context is gone
        client = Client(fresh_mosquitto.url)
        ctx = client.wait(lambda t, _p: t == "mm/m1/context", timeout=30)[0][1]
        assert P.verify(ctx, pub, kind="context").start == S1
        for p in honest[1:]:
            client.publish(*_tender(p))
        wait_for(lambda: svc.market.counters["tender"] == 5, what="the tenders")
        clock.set(S1 - 50)
        awards = client.wait(lambda t, _p: "/award/" in t, n=5, timeout=30)
        assert len({t for t, _d in awards}) == 5
        assert svc.market.counters["tender"] == 5
        client.close()
