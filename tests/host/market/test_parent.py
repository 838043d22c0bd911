"""Two neighbourhoods under a parent market, default gates: they trade through the parent, each
delivers what crossed its connection, the parent settles it, and the money is in both ledgers."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.market import audit
from micromarket.market import ledger as L
from micromarket.market import loadgen, registry
from micromarket.market import settlement as S
from micromarket.market.clock import ManualClock
from micromarket.market.core import Config
from micromarket.market.service import ParentLink
from micromarket.market.store import open_db

from market_helpers import Client, ServiceThread, wait_for

T0 = 1_800_000_000 - 1_800_000_000 % 300
S1 = T0 + 300
CAP = 400_000


def _street(tmp_path, url, city_clock, child_clock):
    keys_ = {m: Ed25519PrivateKey.generate() for m in ("city", "n1", "n2")}
    pubs = {m: P.public_key_bytes(k) for m, k in keys_.items()}
    sellers = loadgen.make_parties(3, seed=21)          # PV in n1
    buyers = loadgen.make_parties(3, seed=22)           # loads in n2

    def setup_city(conn):
        for child in ("n1", "n2"):
            registry.add_party(conn, pubs[child], "city", role="market", party=child)

    parent = ParentLink.from_url(f"{url}/city", pubs["city"])
    services = [
        ServiceThread(tmp_path / "city.db", Config(market="city"), keys_["city"], city_clock, url,
                      setup=setup_city),
        ServiceThread(tmp_path / "n1.db", Config(market="n1", parent="city"), keys_["n1"],
                      child_clock, url, parent, setup=lambda c: loadgen.register(c, sellers, "n1", "pv")),
        ServiceThread(tmp_path / "n2.db", Config(market="n2", parent="city"), keys_["n2"],
                      child_clock, url, ParentLink.from_url(f"{url}/city", pubs["city"]),
                      setup=lambda c: loadgen.register(c, buyers, "n2", "meter"))]
    return services, pubs, sellers, buyers


def _tenders(client, sellers, buyers):
    for p in sellers:
        msg = P.Tender(market="n1", party=p.party, seq=p.next_seq(), interval=S1, side="sell",
                       curve=((100_000, 900),), expiry=S1)
        client.publish(P.topic("n1", "tender", p.party), P.sign(msg, p.key, p.party))
    for p in buyers:
        msg = P.Tender(market="n2", party=p.party, seq=p.next_seq(), interval=S1, side="buy",
                       curve=((300_000, 500),), expiry=S1)
        client.publish(P.topic("n2", "tender", p.party), P.sign(msg, p.key, p.party))


def _deliver(client, market, parties, side, whs, awards):
    for p, wh in zip(parties, whs):
        client.publish(*loadgen.delivery(p, market, S1, side, wh, awards.get(p.party)))


def _books(path):
    conn = open_db(path, readonly=True)
    try:
        return S.books(conn), S.balances(conn)["parties"]
    finally:
        conn.close()


def _award_hashes(client, market, pub):
    got = client.wait(lambda t, _d: t.startswith(f"mm/{market}/award/"), n=3)
    return {P.verify(d, pub).party: (P.verify(d, pub), P.message_hash(d)) for _t, d in got}


def test_default_gates_trade_through_the_parent_and_settle(tmp_path, mosquitto):
    clock = ManualClock(T0 + 10)
    services, pubs, sellers, buyers = _street(tmp_path, mosquitto.url, clock, clock)
    with services[0] as city, services[1] as n1, services[2] as n2:
        client = Client(mosquitto.url)
        # both children close their gates 90 s ahead, before the parent's default 60 s
        for child in ("n1", "n2"):
            ctx = client.wait(lambda t, d, child=child: t == f"mm/{child}/context" and
                              P.verify(d, pubs[child]).gate == 90)[-1][1]
            assert P.verify(ctx, pubs[child]).start == S1
        _tenders(client, sellers, buyers)
        wait_for(lambda: n1.market.counters["tender"] == n2.market.counters["tender"] == 3,
                 what="the tenders of both neighbourhoods")
        clock.set(S1 - 89)                  # the children's gates close: positions go up
        wait_for(lambda: city.market.counters["position"] == 2, what="both positions")
        assert city.market.counters["gate-closed"] == 0
        clock.set(S1 - 59)                  # the parent's gate closes: it clears the positions
        sold = _award_hashes(client, "n1", pubs["n1"])
        bought = _award_hashes(client, "n2", pubs["n2"])
        assert [sold[p.party][0].wh for p in sellers] == [500, 500, 500]
        assert [bought[p.party][0].wh for p in buyers] == [500, 500, 500]
        price = bought[buyers[0].party][0].price
        assert price == sold[sellers[0].party][0].price == 100_000   # sellers rationed at their ask
        clock.set(S1 + 300 + 5)             # the interval is over: the meters report
        _deliver(client, "n1", sellers, "sell", [500, 500, 400],
                 {p: h for p, (_a, h) in sold.items()})
        _deliver(client, "n2", buyers, "buy", [500, 500, 500],
                 {p: h for p, (_a, h) in bought.items()})
        # each child delivers its street's net exchange; the parent settles it and answers
        ups = client.wait(lambda t, _d: t.startswith("mm/city/delivery/"), n=2)
        up = {P.verify(d, pubs[t.rsplit("/", 1)[1]]).party: P.verify(d, pubs[t.rsplit("/", 1)[1]])
              for t, d in ups}
        assert (up["n1"].side, up["n1"].wh) == ("sell", 1400)      # one PV fell 100 Wh short
        assert (up["n2"].side, up["n2"].wh) == ("buy", 1500)
        receipts = client.wait(lambda t, _d: t.startswith("mm/city/receipt/"), n=2)
        paid = {P.verify(d, pubs["city"]).party: P.verify(d, pubs["city"]).amount
                for _t, d in receipts}
        # n1 sold its award at the parent's price, the shortfall at the parent's retail
        assert paid == {"n1": S.value(1500, price) - S.value(100, CAP),
                        "n2": -S.value(1500, price)}
        for child in ("n1", "n2"):
            wait_for(lambda child=child: _books(tmp_path / f"{child}.db")[0]["intervals"][0]
                     ["parent"] != 0, what=f"{child} booking the parent's receipt")
        client.close()
    city_books, city_parties = _books(tmp_path / "city.db")
    assert {c: city_parties[c]["balance"] for c in ("n1", "n2")} == paid
    assert city_books["closing_error"] == 0
    assert city_books["grid"]["balance"] == S.value(100, CAP)     # the street's only import
    for child in ("n1", "n2"):
        books, _parties = _books(tmp_path / f"{child}.db")
        (row,) = books["intervals"]
        assert row["sum"] == 0 and row["parent"] == -paid[child]
        conn = open_db(tmp_path / f"{child}.db", readonly=True)
        kinds = [r[1] for r in L.rows(conn)]
        conn.close()
        assert kinds.count("parent-delivery") == kinds.count("parent-receipt") == 1
    for name in ("city", "n1", "n2"):        # the books follow from the signed messages alone
        conn = open_db(tmp_path / f"{name}.db", readonly=True)
        differences = audit.audit(conn).differences
        conn.close()
        assert all("no enrollment" in d for d in differences), differences


def test_a_late_parent_award_is_kept_unmatched_and_settled(tmp_path, mosquitto):
    """The parent clears only after the children fell back to the grid: its award shares nothing
    out, but the child's delivery names it and the parent settles the child against it."""
    city_clock, clock = ManualClock(T0 + 10), ManualClock(T0 + 10)
    services, pubs, sellers, buyers = _street(tmp_path, mosquitto.url, city_clock, clock)
    with services[0] as city, services[1] as n1, services[2] as n2:
        client = Client(mosquitto.url)
        _tenders(client, sellers, buyers)
        wait_for(lambda: n1.market.counters["tender"] == n2.market.counters["tender"] == 3,
                 what="the tenders of both neighbourhoods")
        clock.set(S1 - 89)
        wait_for(lambda: city.market.counters["position"] == 2, what="both positions")
        clock.set(S1 + 1)                   # no award by the interval's start: the grid stands in
        sold = _award_hashes(client, "n1", pubs["n1"])
        assert {a.wh for a, _h in sold.values()} == {0}   # 100k asks stay above the feed-in
        city_clock.set(S1 - 59)             # now the parent clears: too late for the children
        wait_for(lambda: n1.market.counters["late-parent-award"] == 1, what="the late award")
        late = client.wait(lambda t, _d: t == "mm/city/award/n1")[0][1]
        city_clock.set(S1 + 300 + 5)
        clock.set(S1 + 300 + 5)
        _deliver(client, "n1", sellers, "sell", [500, 500, 500], {})
        _deliver(client, "n2", buyers, "buy", [500, 500, 500], {})
        ups = client.wait(lambda t, _d: t == "mm/city/delivery/n1")
        up = P.verify(ups[0][1], pubs["n1"])
        assert (up.side, up.wh, up.award) == ("sell", 1500, P.message_hash(late))
        wait_for(lambda: _books(tmp_path / "n1.db")[0]["intervals"][0]["parent"] != 0,
                 what="n1 booking the parent's receipt")
        client.close()
    books, parties = _books(tmp_path / "n1.db")
    (row,) = books["intervals"]
    # the parties sold to the grid at the feed-in; the parent paid its price for the same energy
    assert row["parties"] == 3 * S.value(500, 80_000)
    assert row["parent"] == -S.value(1500, P.verify(late, pubs["city"]).price)
    assert row["sum"] == 0
    assert _books(tmp_path / "city.db")[0]["closing_error"] == 0
