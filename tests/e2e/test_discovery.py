"""Discovery: the market announces itself with DNS-SD over mDNS (zeroconf on the host) and a
virtual board provisioned with `--broker mdns` finds it with firmware/lib/mdns.py, taking only an
answer that names its enrolled market key (a stranger announces the same market with another
key). Run in a network namespace with only its own loopback (`unshare -n`): nothing is sent on
any other interface."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from micromarket.sim.fleet import mosquitto_binary

HERE = Path(__file__).parent


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    return subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True).returncode == 0


def test_a_board_finds_its_market_and_not_a_stranger(tmp_path):
    if mosquitto_binary() is None:
        pytest.skip("mosquitto is not installed (make setup installs it as root)")
    if not _namespaces_work():
        pytest.skip("cannot make a network namespace here (unshare -n needs root or user namespaces)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run(["unshare", "-n", sys.executable, str(HERE / "discovery_scenario.py"), str(tmp_path)],
                          capture_output=True, env=env, timeout=300)
    assert proc.returncode == 0, (proc.stderr.decode()[-3000:], (tmp_path / "processes.log").read_text()[-2000:])
    got = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert got["agent"]["broker"] == "mdns"      # provisioned without an address
    assert got["tenders"] >= 2, got               # it found the genuine market's broker and trades
    assert got["market_alive"]
