"""README, "Running a real neighbourhood", step by step: keys and CA, `broker config`, Mosquitto with
that configuration, the market over TLS, virtual boards provisioned with credentials (then the
broker reloaded), and the boards trading over TLS; then a revoked board is shut out (the broker
restarted to cut its live connection) while the other trades on, and once let in again
(--readmit, a reload) it sends every delivery it measured meanwhile, a power cut while shut out
included (it meters the market's intervals, not the config's). Only loopback
addresses; virtual boards in place of plugs, and a sped-up clock."""

import json
import signal
import subprocess
import sys
import time

import pytest
from e2e_checks import counters

from micromarket.cli import main
from micromarket.device import vboard
from micromarket.market.store import open_db
from micromarket.sim.fleet import free_port

M = "elm-street"
SPEED, INTERVAL, GATE = 240, 300, 60     # a 5-minute interval in 1.25 s


def _cli(capsys, *args) -> str:
    assert main(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _tenders(db, party) -> int:
    conn = open_db(db, readonly=True)
    try:
        return conn.execute("SELECT count(*) FROM tenders WHERE party = ?", (party,)).fetchone()[0]
    finally:
        conn.close()


def _delivered(db, party) -> set[int]:
    conn = open_db(db, readonly=True)
    try:
        return {r[0] for r in conn.execute("SELECT interval FROM deliveries WHERE party = ?", (party,))}
    finally:
        conn.close()


def _sim(anchor) -> int:
    """The boards' and the market's clock: anchor + (now - anchor) * SPEED."""
    return int(anchor + (time.time() - anchor) * SPEED)


def _wait(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {timeout} s")


def test_running_a_real_neighbourhood(tmp_path, start_mosquitto, capsys):
    kdir, db, bdir = tmp_path / "keys", tmp_path / "market.db", tmp_path / "broker"
    port = free_port()
    where = ["--host", "localhost", "--host", "127.0.0.1", "--listen", f"127.0.0.1:{port}"]
    # 1. keys and the neighbourhood CA
    _cli(capsys, "keys", "init", "--dir", str(kdir))
    # 2. the broker (no device yet)
    _cli(capsys, "broker", "config", "--keys", str(kdir), "--registry", str(db), "--market", M,
         "-o", str(bdir), *where)
    broker = start_mosquitto(bdir / "mosquitto.conf", port)
    anchor = int(time.time())
    # 3. the market, over TLS with its credential
    market = subprocess.Popen(
        [sys.executable, "-m", "micromarket.cli", "market", "serve", "--market", M, "--db", str(db),
         "--keys", str(kdir), "--broker", f"mqtts://localhost:{port}", "--ca-file", str(bdir / "ca.pem"),
         "--password-file", str(bdir / "credentials" / f"mm-market-{M}"), "--interval", str(INTERVAL),
         "--gate", str(GATE), "--speed", str(SPEED), "--anchor", str(anchor)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    names = [f"nbh-{tmp_path.name[-12:]}-{i}" for i in range(2)]
    try:
        # 4. provisioning with credentials, then the broker learns the devices (reload, no restart)
        parties = []
        for name, (board, role, personality) in zip(names, [("virtual-plug", "load", "deferrable"),
                                                            ("virtual-meter", "meter", "fixed")]):
            vb = vboard.start(name, board=board, timeout=60)
            out = json.loads(_cli(capsys, "provision", "--keys", str(kdir), "--registry", str(db),
                                  "--port", vb.port, "--board", board, "--role", role,
                                  "--personality", personality, "--market", M,
                                  "--broker", f"mqtts://localhost:{port}", "--clock-speed", str(SPEED),
                                  "--clock-anchor", str(anchor), "--reset", "--json"))
            [dev] = out["devices"]
            assert dev["status"] == "provisioned", dev
            parties.append(dev["party"])
        _cli(capsys, "broker", "config", "--keys", str(kdir), "--registry", str(db), "--market", M,
             "-o", str(bdir), *where, "--reload", str(broker.proc.pid))
        # the boards connect over TLS with their passwords and trade
        _wait(lambda: all(_tenders(db, p) >= 2 for p in parties), 120, "tenders from both boards")
        assert market.poll() is None, market.stderr.read().decode()
        assert set(parties) | {f"mm-market-{M}"} <= broker.clients()
        assert broker.starts == 1
        assert counters(db).get("tender", 0) >= 4
        # a revoked board is shut out at its next connection; the other trades on
        _cli(capsys, "broker", "config", "--keys", str(kdir), "--registry", str(db), "--market", M,
             "-o", str(bdir), *where, "--revoke", parties[0], "--reload", str(broker.proc.pid))
        broker.restart()  # everyone reconnects: the revoked board is refused from now on
        # a power cut while shut out: it boots with no context to learn the interval from
        vboard.power_cycle(names[0])
        time.sleep(2 * INTERVAL / SPEED)
        before = [_tenders(db, p) for p in parties]
        time.sleep(4 * INTERVAL / SPEED)
        after = [_tenders(db, p) for p in parties]
        assert after[0] == before[0], "a revoked board still tenders"
        assert after[1] > before[1]
        assert "not authorised" in broker.log.read_text().lower() or \
            "not authorized" in broker.log.read_text().lower()
        # readmitted, it sends every delivery it measured while shut out: nothing is lost
        offline_from = _sim(anchor) - _sim(anchor) % INTERVAL
        time.sleep(3 * INTERVAL / SPEED)
        back = _sim(anchor)
        _cli(capsys, "broker", "config", "--keys", str(kdir), "--registry", str(db), "--market", M,
             "-o", str(bdir), *where, "--readmit", parties[0], "--reload", str(broker.proc.pid))
        missing = []

        def caught_up():
            missing[:] = sorted(set(range(offline_from, back - INTERVAL, INTERVAL)) - _delivered(db, parties[0]))
            return not missing
        try:
            _wait(caught_up, 60, "the deliveries measured while shut out")
        except AssertionError:
            raise AssertionError(f"intervals never delivered: {missing}; delivered "
                                 f"{sorted(_delivered(db, parties[0]))[:8]}; offline {offline_from}..{back}; {counters(db)}") from None
        assert offline_from + 2 * INTERVAL < back
    finally:
        market.send_signal(signal.SIGTERM)
        market.wait(15)
        for name in names:
            vboard.stop(name)
            vboard.remove(name)
