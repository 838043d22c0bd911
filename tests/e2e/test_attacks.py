"""Attacks on a trading street, each refused and never acted on: a device the registrar never
enrolled, an award forged on the broker, a replayed tender or delivery (taken as a copy: nothing
changes), app updates that are unsigned or tampered with. And a barrage of hostile messages
against `micromarket market serve` alone (tests/e2e/hostile.py), each refused by name."""

import time

import paho.mqtt.client as paho
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from e2e_checks import awards, counters, ledger_messages
from e2e_street import make_street

from micromarket import keys
from micromarket import protocol as P
from micromarket.device import vboard
from micromarket.market.store import open_db
from micromarket.fleet.provision import Authority, Plan, agent_settings, provision_many
from micromarket.device.target import DeviceExecError, connect

KINDS = ["house", "pv", "battery", "dishwasher"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, mosquitto):
    f = make_street(tmp_path_factory.mktemp("attacks"), mosquitto.url, KINDS)
    try:
        f.wait_sim(f.timing.day_start + 2 * f.timing.interval)
        f.check_alive()
    except BaseException:
        f.close()
        f.remove_boards()
        raise
    yield f
    f.close()
    f.remove_boards()


def publish(url, topic, payload):
    host, port = url.split("//")[1].split(":")
    c = paho.Client(paho.CallbackAPIVersion.VERSION2)
    c.connect(host, int(port))
    c.loop_start()
    try:
        c.publish(topic, payload, qos=1).wait_for_publish(5)
    finally:
        c.loop_stop()
        c.disconnect()


def wait_for(cond, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {timeout} s")


def test_unenrolled_device_is_refused(fleet, tmp_path):
    # a virtual board with the real firmware, given a key and a credential by ANOTHER registrar,
    # trusting this market's key and pointed at its broker: it tenders and delivers, refused
    name = fleet.members[0].name.rsplit("-", 2)[0] + "-rogue-9"
    vb = vboard.start(name, board="virtual-meter", heap=fleet.heap, timeout=30)
    try:
        rogue_keys = tmp_path / "keys"
        keys.init(rogue_keys)
        reg = keys.load_private(rogue_keys, "registrar")
        auth = Authority(reg, keys.raw_public(reg), bytes.fromhex(keys.public_hex(fleet.keys_dir, "market")),
                         tmp_path / "rogue.db")
        t = fleet.timing
        plan = Plan(market=fleet.market_id, board="virtual-meter", role="meter", personality="fixed",
                    agent=agent_settings(fleet.broker_url, 3, t.speed, t.anchor), reset=True)
        [out] = provision_many([vb.port], plan, auth)
        assert out.status == "provisioned", out.error
        rogue = out.party
        wait_for(lambda: counters(fleet.db).get("unknown-party", 0) >= 2, 30, "refusals")
    finally:
        vboard.stop(name)
        vboard.remove(name)
    conn = open_db(fleet.db, readonly=True)
    try:
        for table in ("parties", "tenders", "awards", "deliveries"):
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE party = ?", (rogue,)).fetchone()[0] == 0
    finally:
        conn.close()
    assert all(m.party != rogue for kind in ("tender", "delivery") for m in ledger_messages(fleet.db, kind))


def test_forged_award_is_not_acted_on(fleet):
    t = fleet.timing
    seller = fleet.parties[fleet.members[0].name]   # the house meter tenders every interval
    forger = Ed25519PrivateKey.generate()
    now = t.sim()
    target = ((int(now) + t.gate) // t.interval + 1) * t.interval   # its gate is still open

    def cleared():
        return awards(fleet.db, target, target).get((seller, target))

    side, wh, genuine = wait_for(cleared, 20, "the market's award")
    # the genuine award is in the device's hands; now a forged one answering the same tender,
    # signed with the market's name but another key: it must not replace the genuine one
    conn = open_db(fleet.db, readonly=True)
    try:
        tender_hash = bytes(conn.execute("SELECT tender FROM awards WHERE party = ? AND interval = ?",
                                         (seller, target)).fetchone()[0])
    finally:
        conn.close()
    forged = P.sign(P.Award(market=fleet.market_id, party=seller, interval=target, side=side,
                            price=80_000, wh=wh + 5000, tender=tender_hash), forger, fleet.market_id)
    publish(fleet.broker_url, P.topic(fleet.market_id, "award", seller), forged)
    forged_hash = P.message_hash(forged)

    def delivered():
        return [d for d in ledger_messages(fleet.db, "delivery")
                if d.party == seller and d.interval == target]

    [d] = wait_for(delivered, 30, "the delivery of the interval")
    assert d.award == genuine != forged_hash


def test_replayed_tender_and_delivery_change_nothing(fleet):
    party = fleet.parties[fleet.members[0].name]
    conn = open_db(fleet.db, readonly=True)
    try:
        rows = conn.execute("SELECT kind, body FROM ledger WHERE kind IN ('tender', 'delivery')"
                            " ORDER BY idx").fetchall()
    finally:
        conn.close()
    mine = [(k, bytes(b)) for k, b in rows if P.read(bytes(b)).message.party == party]
    old_tender = next(b for k, b in mine if k == "tender")
    old_delivery = next(b for k, b in mine if k == "delivery")
    before = counters(fleet.db)
    tenders_before = _tender_rows(fleet.db, party)
    publish(fleet.broker_url, P.topic(fleet.market_id, "tender", party), old_tender)
    publish(fleet.broker_url, P.topic(fleet.market_id, "delivery", party), old_delivery)
    # both are copies of messages the market holds (a device sends a tender again until it is
    # answered, a delivery until it has its receipt): taken as such, the delivery answered with
    # the receipt it got, nothing recorded again
    wait_for(lambda: counters(fleet.db).get("resent", 0) >= before.get("resent", 0) + 2, 20,
             "the answers to the copies")
    assert counters(fleet.db).get("replay", 0) == before.get("replay", 0)
    # the replayed tender replaced nothing; the replayed delivery settled nothing twice
    after = _tender_rows(fleet.db, party)
    assert {k: v for k, v in after.items() if k in tenders_before} == tenders_before
    n = sum(1 for k, b in _ledger(fleet.db) if k == "delivery" and b == old_delivery)
    assert n == 1


def _tender_rows(db, party):
    conn = open_db(db, readonly=True)
    try:
        return {s: bytes(h) for s, h in conn.execute(
            "SELECT interval, hash FROM tenders WHERE party = ?", (party,))}
    finally:
        conn.close()


def _ledger(db):
    conn = open_db(db, readonly=True)
    try:
        return [(k, bytes(b)) for k, b in conn.execute("SELECT kind, body FROM ledger")]
    finally:
        conn.close()


def test_unsigned_and_tampered_updates_are_refused(fleet):
    from micromarket.fleet.release import make_bundle

    member = fleet.members[1]
    party = fleet.parties[member.name]
    port = vboard.get(member.name).port
    release = keys.load_private(fleet.keys_dir, "release")
    files = {"lib/personalities.py": b"def tender(*a):\n    return ('buy', [[400000, 99999]])\n"}
    good = make_bundle(files, "6.6.6", release, fleet.market_id)
    tampered = bytearray(good)
    tampered[-3] ^= 0x01                                    # one bit of a file's bytes
    foreign = make_bundle(files, "6.6.6", Ed25519PrivateKey.generate(), fleet.market_id)
    n = int.from_bytes(good[4:8], "big")
    payload = P.encode(P.read(good[8:8 + n]).message)     # the manifest without its signature
    unsigned = b"MMB1" + len(payload).to_bytes(4, "big") + payload + good[8 + n:]
    with connect(port) as board:                            # Ctrl-C stops the agent
        board.transport.enter_raw_repl(soft_reset=True)     # a fresh heap, as release install has
        for name, bundle in (("tampered", bytes(tampered)), ("foreign", foreign),
                             ("unsigned", unsigned)):
            board.write_file(f"{name}.mmb", bundle)
            with pytest.raises(DeviceExecError, match="UpdateError"):
                board.exec("import json, install\n"
                           "k = bytes.fromhex(json.load(open('config/device.json'))['release_key'])\n"
                           f"install.install({name + '.mmb'!r}, k, {fleet.market_id!r})")
        assert board.eval("__import__('update').state()").get("version") is None
        assert board.eval("__import__('os').listdir()").count("app.cur") == 0
        board.soft_reset()                                 # back to trading
    seen = len([d for d in ledger_messages(fleet.db, "delivery") if d.party == party])
    wait_for(lambda: len([d for d in ledger_messages(fleet.db, "delivery") if d.party == party]) > seen,
             30, "a delivery after the reset")


# ---------------------------------------------------------------- hostile input, by family
SPEED, INTERVAL, GATE = 30, 300, 60         # a 300 s interval passes in 10 s


@pytest.mark.slow
def test_hostile_messages_are_refused_by_name(tmp_path, mosquitto):
    """More than 300 distinct hostile messages (tests/e2e/hostile.py) over Mosquitto against
    `micromarket market serve`: each is refused with the error code its family expects, named by
    its hash; none is taken, the market never fails; afterwards it still clears, and the ledger
    verifies."""
    import json
    import random
    import subprocess
    import sys

    import hostile as H
    from market_helpers import Client

    from micromarket.market import limits, registry

    keydir = tmp_path / "keys"
    pub = bytes.fromhex(keys.init(keydir, roles=("market",))["market"])
    db = tmp_path / "m.db"

    def cast_member(seed, role, board, name=None):
        most = limits.interval_wh(limits.power_w(role, board), INTERVAL)
        return H.party(seed, role, board, most, name)

    cast = {"plug": cast_member(1, "load", "virtual-plug"),
            "meter": cast_member(2, "meter", "virtual-meter"),
            "honest": cast_member(3, "pv", "virtual-pv"),
            "child": cast_member(4, "market", "", "n1"),
            "stranger": cast_member(5, "load", "virtual-plug")}
    conn = open_db(db)
    for name in ("plug", "meter", "honest", "child"):
        p = cast[name]
        registry.add_party(conn, P.public_key_bytes(p.key), H.MARKET, p.role, p.board,
                           party=p.party if name == "child" else None)
    conn.close()
    anchor = time.time()

    def market_now():
        return int(anchor + (time.time() - anchor) * SPEED)

    def serve():
        return subprocess.Popen(
            [sys.executable, "-m", "micromarket.cli", "market", "serve", "--market", H.MARKET,
             "--db", str(db), "--broker", mosquitto.url, "--keys", str(keydir), "--interval",
             str(INTERVAL), "--gate", str(GATE), "--speed", str(SPEED), "--anchor", str(anchor)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    client = Client(mosquitto.url, [f"mm/{H.MARKET}/{k}" for k in ("context", "clearing")] +
                    [P.subscription(H.MARKET, k) for k in ("award", "error", "receipt")])
    proc = serve()
    try:
        def market_says(t, d, kind):
            """The market's signed ``kind`` message on topic ``t``, None for anything else (the
            outsider's junk on the market's own topics is among what arrives)."""
            if f"/{kind}" not in t:
                return None
            try:
                return P.verify(d, pub, kind=kind)
            except P.ProtocolError:
                return None

        def got(kind, cond=lambda m: True, timeout=60):
            def pred(t, d):
                m = market_says(t, d, kind)
                return m is not None and cond(m)
            return [market_says(t, d, kind) for t, d in client.wait(pred, timeout=timeout)]

        ctx = got("context")[0]
        # an honest interval: plug buys from honest, both awarded; plug delivers
        plug, honest = cast["plug"], cast["honest"]
        s1 = ctx.start + INTERVAL
        plug.seq = honest.seq = 499
        for p, side, price in ((plug, "buy", ctx.cap), (honest, "sell", ctx.floor)):
            client.publish(H.topic("tender", p.party),
                           H.tender(p, None, interval=s1, side=side, curve=((price, 100),)))
        got("clearing", lambda m: m.interval == s1, timeout=60)
        awards = {}
        for t, d in client.seen:
            a = market_says(t, d, "award")
            if a is not None and a.interval == s1:
                awards[a.party] = P.message_hash(d)
        assert set(awards) == {plug.party, honest.party}, awards
        while market_now() < s1 + INTERVAL + 5:
            time.sleep(0.1)
        client.publish(H.topic("delivery", plug.party),
                       H.delivery(plug, s1, 70, award=awards[plug.party]))
        got("receipt", lambda m: m.party == plug.party and m.interval == s1)
        cast["last_seq"] = {plug.party: plug.seq}
        now = market_now()
        opened = ((now + GATE) // INTERVAL + 1) * INTERVAL
        view = H.View(interval=INTERVAL, gate=GATE, open=opened, floor=ctx.floor, cap=ctx.cap,
                      qmax=ctx.qmax, future=opened + 4 * INTERVAL, now=now, settled=s1,
                      awards=awards)
        families = H.families(cast, view, random.Random(14))
        hashes = [P.message_hash(d) for fam in families.values() for _t, d, _c in fam]
        assert len(set(hashes)) == len(hashes), "every hostile message is distinct"
        crashed: dict[str, int] = {}
        for name, msgs in families.items():
            for t, data, _code in msgs:
                client.publish(t, data)
            crashed[name] = int(proc.poll() is not None)
        junk = H.outputs_junk(cast, random.Random(15))
        for t, data in junk:                # on the market's own topics: it must not notice
            client.publish(t, data)
        expected = {P.message_hash(d): c for fam in families.values() for _t, d, c in fam}
        answers: dict[bytes, str] = {}
        deadline = time.monotonic() + 90
        while set(expected) - set(answers) and time.monotonic() < deadline:
            for t, d in client.seen:
                e = market_says(t, d, "error")
                if e is not None and e.ref in expected:
                    answers[e.ref] = P.ERROR_NAMES[e.code]
            try:
                client.wait(lambda t, _d: False, timeout=0.3)
            except AssertionError:
                pass
        alive_after = proc.poll() is None
        # the market still clears: honest tenders again and is awarded
        ctx2 = got("context", lambda m: m.start > view.now)[-1]
        s2 = ctx2.start + INTERVAL
        client.publish(H.topic("tender", honest.party),
                       H.tender(honest, None, interval=s2, side="sell", curve=((ctx.floor, 50),)))
        got("award", lambda m: m.party == honest.party and m.interval == s2, timeout=60)
        got("clearing", lambda m: m.interval == s2, timeout=60)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        client.close()
    stderr = proc.stderr.read().decode(errors="replace")
    conn = open_db(db, readonly=True)
    try:
        taken = {P.message_hash(bytes(b)) for (b,) in conn.execute("SELECT body FROM ledger")}
        awarded = {P.read(bytes(b)).message.tender for (b,) in
                   conn.execute("SELECT body FROM ledger WHERE kind = 'award'")}
    finally:
        conn.close()
    rows, totals = [], [0, 0, 0, 0]
    for name, msgs in families.items():
        hs = [P.message_hash(d) for _t, d, _c in msgs]
        named = sum(1 for h in hs if answers.get(h) == expected[h])
        wrong = sum(1 for h in hs if h in (awarded if name == H.EXPIRING else taken))
        crashes = crashed[name] + sum(1 for h in hs if answers.get(h) == "internal")
        rows.append((name, len(hs), named, wrong, crashes))
        for k, v in enumerate(rows[-1][1:]):
            totals[k] += v
    print(f"\n{'family':<24}{'sent':>6}{'refused by name':>17}{'wrongly accepted':>18}"
          f"{'crashes':>9}")
    for r in rows + [("total", *totals)]:
        print(f"{r[0]:<24}{r[1]:>6}{r[2]:>17}{r[3]:>18}{r[4]:>9}")
    print(f"(and {len(junk)} junk messages on the topics the market writes, not reads: "
          f"{'still running' if alive_after else 'DEAD'})")
    off = {h.hex()[:12]: (expected[h], answers.get(h)) for h in expected
           if answers.get(h) != expected[h]}
    assert totals[2] == 0 and totals[3] == 0 and alive_after, (rows, stderr[-2000:])
    assert "Traceback" not in stderr, stderr[-2000:]
    assert totals[0] >= 300 and totals[1] == totals[0], off
    stats = json.loads(subprocess.run(
        [sys.executable, "-m", "micromarket.cli", "market", "stats", "--db", str(db), "--json"],
        capture_output=True, text=True, timeout=60).stdout)
    assert stats["failed"] == [] and "internal" not in stats["counters"]
    out = subprocess.run([sys.executable, "-m", "micromarket.cli", "ledger", "verify", "--db",
                          str(db), "--key", pub.hex(), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and json.loads(out.stdout)["ok"], out.stderr
