"""Tampering with a real market database, one way per test, each found by `ledger verify`
(with an earlier tree head, export or the devices' deliveries) or `ledger audit`, naming the
first bad entry; an honest ledger that grew after the earlier evidence verifies.

The database comes from the market core run as the service runs it: parties enrolled with
registrar-signed credentials, contexts logged (with a tariff that changes mid-run), tenders,
clearings, and deliveries that miss their awards both ways and name the tree head of the
clearing before them, as devices do. Evidence is kept twice: after three
intervals (``early``) and at the end (``late``)."""

import random
import shutil
import sqlite3

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.cli import main
from micromarket.market import ledger as L
from micromarket.market import loadgen
from micromarket.market import registry as R
from micromarket.market.clock import ManualClock
from micromarket.market.core import Config, Market
from micromarket.market.store import open_db, transaction

from market_helpers import enrollment

T0 = 1_800_000_000 - 1_800_000_000 % 300


def _interval(market, parties, witnessed):
    """One interval as the service runs it: tenders, gate, clearing, context, deliveries."""
    s = market.open_interval()
    market.ingest(loadgen.tenders(parties, "m1", s, *market.cfg.prices(s)))
    market.clock.advance(s - 60 - market.clock.now())
    out = market.clear(s)
    market.log_context(market.context())
    head = next(P.read(o.payload).message.head for o in out if o.topic.endswith("/clearing"))
    market.clock.advance(s + 300 + 5 - market.clock.now())
    for o in out:
        if "/award/" in o.topic:
            award = P.read(o.payload).message
            p = next(p for p in parties if p.party == award.party)
            wh = max(0, award.wh + random.Random(s + award.wh).randint(-50, 50))  # deviations
            topic, body = loadgen.delivery(p, "m1", s, award.side, wh, P.message_hash(o.payload),
                                           head=head)
            witnessed.append(body)
            market.ingest([(topic, body)])


def _evidence(conn, d, name, witnessed):
    files = {"head": d / f"{name}.head", "export": d / f"{name}.cbor",
             "witnesses": d / f"{name}.deliveries"}
    files["head"].write_bytes(L.latest_head(conn)[1])
    with open(files["export"], "wb") as f:
        L.export(conn, f, "m1", P.public_key_bytes(MARKET_KEY))
    files["witnesses"].write_bytes(b"".join(witnessed))
    return files


MARKET_KEY = Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    db = d / "market.db"
    registrar = Ed25519PrivateKey.generate()
    parties = loadgen.make_parties(8, seed=15)
    for p in parties:
        R.enroll(db, enrollment(registrar, p.key), registrar_key=P.public_key_bytes(registrar),
                 now=T0)
    conn = open_db(db)
    step = (T0 + 900) % 86_400            # the tariff changes in the run's third interval
    market = Market(conn, Config(market="m1", tariff=((0, 80_000, 400_000),
                                                      (step, 100_000, 300_000))),
                    MARKET_KEY, ManualClock(T0 + 10))
    market.log_context(market.context())
    witnessed: list[bytes] = []
    for _ in range(3):
        _interval(market, parties, witnessed)
    early = _evidence(conn, d, "early", witnessed)
    for _ in range(2):
        _interval(market, parties, witnessed)
    late = _evidence(conn, d, "late", witnessed)
    conn.close()
    return {"db": db, "early": early, "late": late, "key": P.public_key_bytes(MARKET_KEY).hex(),
            "registrar": P.public_key_bytes(registrar).hex()}


@pytest.fixture
def copy(run, tmp_path):
    path = tmp_path / "market.db"
    shutil.copy(run["db"], path)
    conn = sqlite3.connect(path, isolation_level=None)
    yield path, conn
    conn.close()


def _ledger(capsys, *args):
    rc = main(["ledger", *map(str, args)])
    out = capsys.readouterr()
    return rc, out.out + out.err


def _verify(capsys, run, path, *extra):
    return _ledger(capsys, "verify", "--db", path, "--key", run["key"], *extra)


def _entries(conn):
    return [(kind, t, bytes(body)) for _i, kind, t, body, _p, _h in L.rows(conn)]


def _rechain(conn, entries, key=None):
    """Write ``entries`` as a fresh, well-linked chain and tree, as someone who can write the
    database would; tree heads are re-signed with ``key``, or copied as they were."""
    conn.execute("DELETE FROM ledger")
    conn.execute("DELETE FROM merkle")
    with transaction(conn):
        a = L.Appender(conn)
        for kind, t, body in entries:
            if kind == L.TREEHEAD and key is not None:
                a.sign_head(key, "m1", t)
            else:
                a.append(kind, body, t)
        a.flush()


def _heads(conn):
    return [i for i, kind, *_ in L.rows(conn) if kind == L.TREEHEAD]


def test_the_run_verifies_and_its_tables_agree(run, copy, capsys):
    path, _conn = copy
    rc, out = _verify(capsys, run, path, "--since", run["late"]["head"],
                      "--witnesses", run["late"]["witnesses"])
    assert rc == 0 and "verifies" in out, out
    rc, out = _ledger(capsys, "audit", "--db", path, "--registrar", run["registrar"])
    assert rc == 0 and "agree" in out and "40 deliveries" in out, out


def test_verify_refuses_without_a_key_to_trust(run, copy, capsys):
    rc, out = _ledger(capsys, "verify", "--db", copy[0])
    assert rc == 1 and "--key HEX" in out and "never trusted" in out


def test_cut_at_a_random_entry(run, copy, capsys):
    path, conn = copy
    heads = _heads(conn)
    k = random.Random(15).choice([i for i in range(1, heads[-1]) if i - 1 not in heads])
    conn.execute("DELETE FROM ledger WHERE idx >= ?", (k,))
    rc, out = _verify(capsys, run, path, "--since", run["late"]["head"])
    assert rc == 1 and f"entries #{k}..#{heads[-1] - 1} were cut" in out, out
    rc, out = _verify(capsys, run, path, "--witnesses", run["late"]["witnesses"])
    assert rc == 1 and f"entries #{k}.." in out and "were cut" in out, out


def test_cut_at_a_tree_head(run, copy, capsys):
    """A ledger cut just after a tree head still verifies on its own: only earlier evidence,
    a saved head or a device's delivery, shows the cut."""
    path, conn = copy
    heads = _heads(conn)
    t = heads[len(heads) // 2]
    conn.execute("DELETE FROM ledger WHERE idx > ?", (t,))
    rc, out = _verify(capsys, run, path)
    assert rc == 0, out
    rc, out = _verify(capsys, run, path, "--witnesses", run["late"]["witnesses"])
    assert rc == 1 and f"first bad entry #{t + 1}" in out and "witnessed" in out, out
    rc, out = _verify(capsys, run, path, "--since", run["late"]["export"])
    assert rc == 1 and f"first bad entry #{t + 1}" in out and "were cut" in out, out


def test_appended_junk(run, copy, capsys):
    path, conn = copy
    n = conn.execute("SELECT count(*) FROM ledger").fetchone()[0]
    with transaction(conn):
        L.append(conn, "receipt", b"\xd2junk", T0 + 10_000)
    rc, out = _verify(capsys, run, path)
    assert rc == 1 and f"first bad entry #{n}" in out and "not covered by a tree head" in out


def test_rewritten_and_re_signed_with_a_new_key(run, copy, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MICROMARKET_HOME", str(tmp_path / "no-keys"))  # no market key of our own
    path, conn = copy
    forger = Ed25519PrivateKey.generate()
    entries = _entries(conn)
    j = next(i for i, (kind, _t, _b) in enumerate(entries) if kind == "receipt")
    r = P.read(entries[j][2]).message
    forged = P.sign(P.Receipt(market="m1", party=r.party, interval=r.interval, delivery=r.delivery,
                              amount=r.amount + 10**12, balance=r.balance + 10**12), forger, "m1")
    entries[j] = ("receipt", entries[j][1], forged)
    _rechain(conn, entries, key=forger)
    conn.execute("UPDATE meta SET value = ? WHERE name = 'key'", (P.public_key_bytes(forger),))
    rc, out = _ledger(capsys, "verify", "--db", path)              # the stored key: refused
    assert rc == 1 and "no market key to trust" in out
    # even trusting the forger's key, the devices' deliveries inside name roots that are gone
    rc, out = _ledger(capsys, "verify", "--db", path, "--key", P.public_key_bytes(forger).hex())
    assert rc == 1 and "names tree head" in out, out
    first_head = _heads(conn)[0]
    rc, out = _verify(capsys, run, path)
    assert rc == 1 and f"first bad entry #{first_head}" in out, out
    assert "does not verify with the trusted market key" in out
    rc, out = _verify(capsys, run, path, "--since", run["late"]["export"])
    assert rc == 1 and f"entry #{first_head} differs from" in out, out   # re-signed: differs


def test_rewritten_and_re_signed_with_the_market_key_contradicts_the_devices(run, copy,
                                                                              capsys):
    """The operator holds the market key: a history it rewrites and signs again verifies by
    signature, but the devices' deliveries inside it name roots it no longer has."""
    path, conn = copy
    entries = _entries(conn)
    j = next(i for i, (kind, _t, _b) in enumerate(entries) if kind == "award")
    a = P.read(entries[j][2]).message
    forged = P.sign(P.Award(market="m1", party=a.party, interval=a.interval, side=a.side,
                            price=a.price, wh=a.wh + 500, tender=a.tender), MARKET_KEY, "m1")
    entries[j] = ("award", entries[j][1], forged)
    _rechain(conn, entries, key=MARKET_KEY)
    rc, out = _verify(capsys, run, path)
    assert rc == 1 and "names tree head" in out and "rewritten" in out, out
    rc, out = _verify(capsys, run, path, "--since", run["early"]["export"])
    assert rc == 1 and f"first bad entry #{j}" in out, out


def test_edited_balance(run, copy, capsys):
    path, conn = copy
    party = conn.execute("SELECT party FROM parties ORDER BY party LIMIT 1").fetchone()[0]
    conn.execute("UPDATE parties SET balance = balance + 1000000000000 WHERE party = ?", (party,))
    assert _verify(capsys, run, path)[0] == 0          # the ledger itself is untouched
    rc, out = _ledger(capsys, "audit", "--db", path)
    assert rc == 1 and f"parties {party} balance" in out and "last receipt at entry #" in out, out


def test_replaced_registry_key(run, copy, capsys):
    path, conn = copy
    party = conn.execute("SELECT party FROM parties ORDER BY party LIMIT 1").fetchone()[0]
    at = next(i for i, kind, _t, body, *_ in L.rows(conn)
              if kind == "enrollment" and P.read(body).message.party == party)
    other = P.public_key_bytes(Ed25519PrivateKey.generate())
    conn.execute("UPDATE parties SET key = ? WHERE party = ?", (other, party))
    rc, out = _ledger(capsys, "audit", "--db", path)
    assert rc == 1 and f"parties {party} key" in out and f"enrollment at entry #{at}" in out, out


def test_dropped_delivery(run, copy, capsys):
    path, conn = copy
    entries = _entries(conn)
    d = next(i for i, (kind, _t, _b) in enumerate(entries) if kind == "delivery")
    gone = P.read(entries[d][2]).message
    del entries[d:d + 2]                                     # the delivery and its receipt
    _rechain(conn, entries)
    rc, out = _verify(capsys, run, path, "--since", run["late"]["export"])
    assert rc == 1 and f"first bad entry #{d}" in out and f"entry #{d} differs" in out, out
    rc, out = _ledger(capsys, "audit", "--db", path)
    assert rc == 1 and f"deliveries {gone.interval}/{gone.party}: in the table, but no " \
        "message" in out, out


def test_reordered_entries(run, copy, capsys):
    path, conn = copy
    entries = _entries(conn)
    i, j = [k for k, (kind, _t, _b) in enumerate(entries) if kind == "tender"][2:4]
    entries[i], entries[j] = entries[j], entries[i]
    _rechain(conn, entries)
    rc, out = _verify(capsys, run, path, "--since", run["late"]["export"])
    assert rc == 1 and f"first bad entry #{i}" in out, out
    rc, out = _verify(capsys, run, path)
    assert rc == 1 and "root is not the root of the entries before it" in out, out


def test_a_ledger_that_grew_after_the_earlier_evidence_verifies(run, copy, capsys):
    path, _conn = copy
    for since in (run["early"]["head"], run["early"]["export"]):
        rc, out = _verify(capsys, run, path, "--since", since, "--witnesses",
                          run["early"]["witnesses"], "--json")
        assert rc == 0, out
    early = P.read(run["early"]["head"].read_bytes()).message
    rc, out = _ledger(capsys, "consistency", "--db", path, "--from", early.size)
    proof = path.parent / "c.json"
    proof.write_text(out[:out.rindex("}") + 1])
    rc, out = _ledger(capsys, "check-proof", proof, "--key", run["key"])
    assert rc == 0 and f"extends its first {early.size} entries (root {early.root.hex()})" in out


def test_the_database_and_what_leaves_it_are_the_owners_only(run, tmp_path, capsys):
    fresh = tmp_path / "fresh" / "market.db"
    open_db(fresh).close()
    assert fresh.stat().st_mode & 0o777 == 0o600
    out = {name: tmp_path / name for name in ("ledger.cbor", "today.head", "proof.json")}
    assert _ledger(capsys, "export", "--db", run["db"], "-o", out["ledger.cbor"])[0] == 0
    assert _ledger(capsys, "head", "--db", run["db"], "-o", out["today.head"])[0] == 0
    conn = open_db(run["db"], readonly=True)
    award = next(bytes(b) for _i, kind, _t, b, *_ in L.rows(conn) if kind == "award")
    conn.close()
    assert _ledger(capsys, "prove", "--db", run["db"], P.message_hash(award).hex(),
                   "-o", out["proof.json"])[0] == 0
    for path in out.values():
        assert path.stat().st_mode & 0o777 == 0o600, path
    rc, text = _ledger(capsys, "check-proof", out["proof.json"], "--key", run["key"])
    assert rc == 0 and "(award) of market m1's ledger" in text


def test_the_audit_follows_expired_tenders_and_failed_intervals(tmp_path, capsys):
    """A tender that expired before its clearing leaves the book, an interval whose clearing
    failed is recorded without a message: neither is a difference."""
    db = tmp_path / "m.db"
    registrar = Ed25519PrivateKey.generate()
    ps = loadgen.make_parties(3, seed=16)
    for p in ps:
        R.enroll(db, enrollment(registrar, p.key), registrar_key=P.public_key_bytes(registrar),
                 now=T0)
    conn = open_db(db)
    market = Market(conn, Config(market="m1"), MARKET_KEY, ManualClock(T0 + 10))
    market.log_context(market.context())
    s = market.open_interval()
    market.ingest([loadgen.tender(ps[0], "m1", s, 80_000, 400_000, expiry=s - 200),
                   *loadgen.tenders(ps[1:], "m1", s, 80_000, 400_000)])
    market.clock.set(s - 60)
    assert market.clear(s)
    market.fail(s + 300, RuntimeError("the signer was gone"))
    assert market.counters["expired"] == 1
    conn.close()
    rc, out = _ledger(capsys, "audit", "--db", db)
    assert rc == 0 and "agree" in out, out
