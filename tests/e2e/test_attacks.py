"""Attacks on a trading street, each refused and never acted on: a device the registrar never
enrolled, an award forged on the broker, a replayed tender or delivery (taken as a copy: nothing
changes), app updates that are unsigned or tampered with."""

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
                board.exec("import json, update\n"
                           "k = bytes.fromhex(json.load(open('config/device.json'))['release_key'])\n"
                           f"update.install({name + '.mmb'!r}, k, {fleet.market_id!r})")
        assert board.eval("__import__('update').state()").get("version") is None
        assert board.eval("__import__('os').listdir()").count("app") == 0
        board.soft_reset()                                 # back to trading
    seen = len([d for d in ledger_messages(fleet.db, "delivery") if d.party == party])
    wait_for(lambda: len([d for d in ledger_messages(fleet.db, "delivery") if d.party == party]) > seen,
             30, "a delivery after the reset")
