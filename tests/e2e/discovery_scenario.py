"""Discovery inside a network namespace of its own (test_discovery.py runs it with `unshare -n`):
only its loopback exists, with multicast routed to it, so no packet leaves it.

Keys and CA, Mosquitto from `broker config`, a stranger announcing the same market id with
another key, a virtual board provisioned with `--broker mdns` that boots while only the stranger
answers, then `market serve --advertise 127.0.0.1`: the board must pass over the stranger, find
the genuine market, connect over TLS and tender. Prints one JSON line with what happened.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from micromarket.cli import main
from micromarket.device import vboard
from micromarket.market.discovery import SERVICE, txt
from micromarket.market.store import open_db
from micromarket.sim.fleet import free_port, mosquitto_binary

M = "elm-street"
SPEED, INTERVAL, GATE = 240, 300, 60


def sh(*cmd):
    subprocess.run(cmd, check=True)


def tenders(db, party):
    conn = open_db(db, readonly=True)
    try:
        return conn.execute("SELECT count(*) FROM tenders WHERE party = ?", (party,)).fetchone()[0]
    finally:
        conn.close()


def start_market(kdir, db, bdir, port, anchor, log):
    return subprocess.Popen(
        [sys.executable, "-m", "micromarket.cli", "market", "serve", "--market", M, "--db", str(db),
         "--keys", str(kdir), "--broker", f"mqtts://localhost:{port}", "--ca-file", str(bdir / "ca.pem"),
         "--password-file", str(bdir / "credentials" / f"mm-market-{M}"), "--advertise", "127.0.0.1",
         "--interval", str(INTERVAL), "--gate", str(GATE), "--speed", str(SPEED), "--anchor", str(anchor)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def run(work: Path) -> dict:
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "link", "set", "lo", "multicast", "on")
    sh("ip", "route", "add", "224.0.0.0/4", "dev", "lo")
    kdir, db, bdir = work / "keys", work / "market.db", work / "broker"
    port = free_port()
    where = ["--host", "localhost", "--host", "127.0.0.1", "--listen", f"127.0.0.1:{port}"]
    assert main(["keys", "init", "--dir", str(kdir)]) == 0
    assert main(["broker", "config", "--keys", str(kdir), "--registry", str(db), "--market", M,
                 "-o", str(bdir), *where]) == 0
    procs = []
    log = open(work / "processes.log", "ab")
    broker = subprocess.Popen([mosquitto_binary(), "-c", str(bdir / "mosquitto.conf")], stdout=log, stderr=log)
    procs.append(broker)
    anchor = int(time.time())
    from zeroconf import ServiceInfo, Zeroconf

    # a stranger on the street: the same market id and service, another key, its own broker
    rogue = Zeroconf(interfaces=["127.0.0.1"])
    rogue_info = ServiceInfo(SERVICE, f"rogue.{SERVICE}", addresses=[socket.inet_aton("127.0.0.1")], port=1,
                             properties=txt(M, os.urandom(32), "mqtt://127.0.0.1:1"), server="rogue.local.")
    rogue.register_service(rogue_info)
    name = f"disc-{os.getpid()}"
    out = {}
    try:
        vb = vboard.start(name, board="virtual-meter", timeout=60)
        code = main(["provision", "--keys", str(kdir), "--registry", str(db), "--port", vb.port,
                     "--board", "virtual-meter", "--role", "meter", "--personality", "fixed", "--market", M,
                     "--broker", "mdns", "--clock-speed", str(SPEED), "--clock-anchor", str(anchor),
                     "--reset", "--json"])
        assert code == 0
        conn = open_db(db, readonly=True)
        party = conn.execute("SELECT party FROM parties").fetchone()[0]
        conn.close()
        assert main(["broker", "config", "--keys", str(kdir), "--registry", str(db), "--market", M,
                     "-o", str(bdir), *where, "--reload", str(broker.pid)]) == 0
        time.sleep(8)  # the board asks and only the stranger answers: it must keep asking
        market = start_market(kdir, db, bdir, port, anchor, log)
        procs.append(market)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and tenders(db, party) < 2:
            time.sleep(0.2)
        out = {"party": party, "tenders": tenders(db, party), "market_alive": market.poll() is None,
               "agent": json.loads((Path(vb.fs) / "config" / "agent.json").read_text())}
    finally:
        rogue.unregister_service(rogue_info)
        rogue.close()
        vboard.stop(name)
        vboard.remove(name)
        for p in reversed(procs):
            p.terminate()
            p.wait(15)
    return out


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]))), flush=True)
