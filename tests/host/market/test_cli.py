"""The command line: market serve (embedded broker), enroll, stats; ledger verify/show/export; bench."""

import json
import signal
import subprocess
import sys
import threading
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import keys
from micromarket import protocol as P
from micromarket.cli import main
from micromarket.market import loadgen
from micromarket.market.clock import ManualClock
from micromarket.market.core import Config, Market
from micromarket.market.store import open_db

from market_helpers import Client, enrollment

T0 = 1_800_000_000 - 1_800_000_000 % 300


def _traded_db(path, key):
    conn = open_db(path)
    market = Market(conn, Config(market="m1"), key, ManualClock(T0 + 10))
    ps = loadgen.make_parties(6)
    loadgen.register(conn, ps, "m1")
    market.reload_parties()
    s = market.open_interval()
    market.ingest(loadgen.tenders(ps, "m1", s, 80_000, 400_000))
    market.clock.advance(250)
    market.clear(s)
    conn.close()


def test_ledger_verify_show_export(tmp_path, capsys, market_key):
    db = tmp_path / "m.db"
    _traded_db(db, market_key)
    pub = P.public_key_bytes(market_key).hex()
    assert main(["ledger", "verify", "--db", str(db), "--key", pub, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # 6 tenders and their tree head, 6 awards, a tree head, the clearing, a tree head
    assert report["result"] == "ok" and report["entries"] == 6 + 1 + 6 + 1 + 1 + 1
    assert report["tree_size"] == report["entries"] - 1
    assert main(["ledger", "show", "--db", str(db), "--json", "--limit", "3"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["kind"] for x in lines] == ["tender"] * 3 and lines[0]["market"] == "m1"
    out = tmp_path / "ledger.cbor"
    assert main(["ledger", "export", "--db", str(db), "-o", str(out)]) == 0
    assert main(["ledger", "verify", "--export", str(out), "--key", pub]) == 0
    assert "verifies" in capsys.readouterr().out
    other = P.public_key_bytes(Ed25519PrivateKey.generate()).hex()
    assert main(["ledger", "verify", "--export", str(out), "--key", other]) == 1
    conn = open_db(db)
    conn.execute("UPDATE ledger SET time = time + 1 WHERE idx = 2")
    conn.close()
    assert main(["ledger", "verify", "--db", str(db), "--key", pub]) == 1
    captured = capsys.readouterr()
    assert "#2" in captured.out and "does not verify" in captured.err


def test_enroll_and_stats(tmp_path, capsys, registrar_key, market_key):
    keydir = tmp_path / "keys"
    keydir.mkdir()
    (keydir / "registrar.pub").write_text(P.public_key_bytes(registrar_key).hex())
    cred = tmp_path / "device.cose"
    dev = Ed25519PrivateKey.generate()
    cred.write_bytes(enrollment(registrar_key, dev))
    db = tmp_path / "m.db"
    assert main(["market", "enroll", "--db", str(db), "--keys", str(keydir), str(cred),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["party"] == P.party_id(P.public_key_bytes(dev))
    _traded_db(db, market_key)
    assert main(["market", "stats", "--db", str(db), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["market"] == "m1" and stats["counters"]["tender"] == 6
    assert len(stats["intervals"]) == 1 and len(stats["parties"]) == 7


def test_serve_with_the_embedded_broker(tmp_path):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    keydir = tmp_path / "keys"
    pub = bytes.fromhex(keys.init(keydir, roles=("market",))["market"])
    proc = subprocess.Popen([sys.executable, "-m", "micromarket.cli", "market", "serve",
                             "--market", "m1", "--db", str(tmp_path / "m.db"), "--keys",
                             str(keydir), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        client = None
        for _ in range(100):
            try:
                client = Client(f"mqtt://127.0.0.1:{port}")
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode())
                time.sleep(0.1)
        ctx = client.wait(lambda t, _d: t == "mm/m1/context", timeout=20)[0][1]
        assert P.verify(ctx, pub, kind="context").interval == 300
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0


def test_bench_market_prints_one_json_object(capsys):
    assert main(["bench", "market", "--json", "--parties", "100", "--rounds", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"ingest_per_s", "clear_100k_s", "ledger_verify_per_s"} <= result.keys()
    assert result["ingest_messages"] == 200


def test_loadgen_drives_a_running_market(tmp_path, mosquitto, market_key, capsys):
    from market_helpers import ServiceThread, wait_for
    db = tmp_path / "m.db"
    clock = ManualClock(T0 + 10)
    with ServiceThread(db, Config(market="lg"), market_key, clock, mosquitto.url) as svc:
        def gate():         # the loadgen waits for its answers: the gate closes once all are in
            try:
                wait_for(lambda: svc.market.counters["tender"] == 300, what="300 tenders")
            finally:
                clock.set(T0 + 300 - 50)
        closer = threading.Thread(target=gate)
        closer.start()
        assert main(["market", "loadgen", "--market", "lg", "--db", str(db), "--broker",
                     mosquitto.url, "--parties", "300", "--timeout", "60", "--json"]) == 0
        closer.join()
        result = json.loads(capsys.readouterr().out)
        assert result["tenders"] == 300 and result["intervals"] == [T0 + 300]
        assert result["answers"] == {"award": 300} and result["unanswered"] == 0
        assert svc.market.counters["tender"] == 300, dict(svc.market.counters)


def test_serve_refuses_a_bad_tariff_in_one_line(tmp_path, capsys):
    """A tariff that does not parse or breaks the schedule's rules is named, before any key
    or broker is touched."""
    db = str(tmp_path / "m.db")
    for tariff, extra, says in (
            ("00:00=1/2,25:00=3/4", [], "'25:00=3/4': time or price out of range"),
            ("00:00=1/2,6h=3/4", [], "'6h=3/4' is not HH:MM=FEEDIN/RETAIL"),
            ("06:00=1/2", [], "the first step must start at 0 s"),
            ("00:00=1/2,06:00=5/3", [], "feed-in 5 above retail 3"),
            ("00:00=1/2", ["--cap", "5"], "--tariff replaces --floor and --cap")):
        assert main(["market", "serve", "--market", "m1", "--db", db, "--tariff", tariff,
                     *extra]) != 0
        err = capsys.readouterr().err.strip()
        assert err.startswith("micromarket: ") and says in err and "\n" not in err
