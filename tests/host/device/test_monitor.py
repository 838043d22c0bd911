"""`micromarket monitor`: log lines with timestamps, frames decoded, through a real pty."""

import json
import os
import pty
import subprocess
import sys
import threading
import time
import tty

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import keys
from micromarket import protocol as P
from micromarket.device import serialframe as SF
from micromarket.device.monitor import Monitor

KEY = Ed25519PrivateKey.generate()
PARTY = P.party_id(keys.raw_public(KEY))
TENDER = P.sign(P.Tender(market="m1", party=PARTY, seq=7, interval=1_700_000_100, side="buy",
                         curve=((300_000, 500),), expiry=1_700_000_040), KEY, PARTY)


def test_monitor_splits_log_and_decodes_messages():
    mon = Monitor(clock=lambda: 1.0)
    data = (b"boot\r\nagent: tend" + SF.publish(f"mm/m1/tender/{PARTY}", TENDER) + b"er sent\n"
            + SF.publish("x", b"\xa1aa\x01") + SF.subscribe("mm/m1/award/#"))
    events = [e for i in range(0, len(data), 7) for e in mon.feed(data[i:i + 7])]
    logs = [e["log"] for e in events if "log" in e]
    frames = [e for e in events if "frame" in e]
    assert logs == ["boot", "agent: tender sent"]
    assert frames[0]["signer"] == PARTY and frames[0]["message"]["seq"] == 7
    assert frames[0]["message"]["curve"] == [[300_000, 500]]
    assert frames[1]["cbor"] == {"a": 1} and "note" in frames[1]
    assert frames[2] == {"t": 1.0, "frame": "subscribe", "body": "mm/m1/award/#"}


def test_monitor_cli_on_a_pty():
    m, s = pty.openpty()
    tty.setraw(s)

    def device():
        time.sleep(1.0)
        os.write(m, b"hello from the board\r\n" + SF.publish(f"mm/m1/tender/{PARTY}", TENDER))

    threading.Thread(target=device, daemon=True).start()
    r = subprocess.run([sys.executable, "-m", "micromarket.cli", "monitor", "--port", os.ttyname(s), "--json",
                        "--duration", "3"], capture_output=True, text=True, timeout=60)
    os.close(m)
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e.get("log") for e in events if "log" in e] == ["hello from the board"]
    assert [e["message"]["type"] for e in events if "frame" in e] == ["tender"]


def test_monitor_missing_port():
    r = subprocess.run([sys.executable, "-m", "micromarket.cli", "monitor", "--port", "/dev/ttyNOPE0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == ("micromarket: port /dev/ttyNOPE0 does not exist — plug the board in and "
                                "list ports with `micromarket devices`")
