"""Shared fixtures: paths, the MicroPython unix port, a loopback Mosquitto broker."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

# Test modules are imported with --import-mode=importlib (so that test files in different folders
# may share a name); their helper modules (hw_harness, protocol_helpers, ...) are found here.
for _d in sorted(p for p in Path(__file__).parent.rglob("*") if p.is_dir()):
    if "__pycache__" not in _d.parts and str(_d) not in sys.path:
        sys.path.append(str(_d))

import pytest

from micromarket.device import upy
from micromarket.sim.fleet import free_port, mosquitto_binary
from micromarket.paths import ROOT

SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def wycheproof() -> dict:
    """Wycheproof's Ed25519 vectors, as shipped in the package (selftest's default)."""
    from micromarket.device.selftest import DEFAULT_VECTORS

    return json.loads(DEFAULT_VECTORS.read_text())


I386 = SHARED / "tools" / "micropython-i386"


@pytest.fixture(scope="session")
def micropython_i386() -> str:
    """The MicroPython unix port built for i386 (shared/tools): viper ints and objects of the
    ESP32's 32-bit sizes. Skips where it is absent (a user's clone) or cannot run here."""
    if not I386.exists():
        pytest.skip(f"{I386} missing: the 32-bit runtime is in shared/, beside the repo")
    try:
        proc = subprocess.run([str(I386), "-c", "print(1)"], capture_output=True, timeout=30)
    except OSError as exc:
        pytest.skip(f"{I386} does not run here ({exc}): no 32-bit support in this kernel?")
    if proc.returncode or proc.stdout.strip() != b"1":
        pytest.skip(f"{I386} does not run here (exit {proc.returncode}): no 32-bit support?")
    return str(I386)


@pytest.fixture
def mp():
    """Run MicroPython code on the unix port with firmware/lib on the path; returns stdout."""
    return upy.run_code


@pytest.fixture(autouse=True, scope="session")
def _state_home(tmp_path_factory):
    """Keep virtual boards, keys and registries of the tests away from the user's own."""
    home = tmp_path_factory.mktemp("mmhome")
    old = os.environ.get("MICROMARKET_HOME")
    os.environ["MICROMARKET_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("MICROMARKET_HOME", None)
    else:
        os.environ["MICROMARKET_HOME"] = old


class Mosquitto:
    """A real Mosquitto on loopback that a test can stop and start again on the same port."""

    def __init__(self, workdir: Path, conf: Path | None = None, port: int | None = None):
        """A broker with anonymous access on a free port, or with ``conf`` listening on ``port``."""
        self.binary = mosquitto_binary()
        self.port = port or free_port()
        self.conf = conf or workdir / "mosquitto.conf"
        if conf is None:
            self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                                 "persistence false\n")
        self.workdir = workdir
        self.proc = None
        self.starts = 0

    @property
    def log(self) -> Path:
        """The log of the broker's current run (a restart starts a new one)."""
        return self.workdir / f"mosquitto.{self.starts}.log"

    def clients(self) -> set[str]:
        """Client ids that connected to the broker's current run."""
        marker = " as "
        return {line.split(marker, 1)[1].split(" (", 1)[0]
                for line in self.log.read_text().splitlines()
                if "New client connected" in line and marker in line}

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self):
        self.starts += 1
        with open(self.log, "wb") as log:  # mosquitto logs its connections to stderr
            self.proc = subprocess.Popen([self.binary, "-c", str(self.conf)],
                                         stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)

    def restart(self):
        self.stop()
        self.start()

    def reload(self):
        """SIGHUP: Mosquitto reads its password and ACL files again, its clients stay connected."""
        mark = self.log.read_text().count("Reloading config")
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while self.log.read_text().count("Reloading config") == mark:
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not reload")
            time.sleep(0.05)


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory, request):
    """A Mosquitto broker on loopback (installed by `make test`)."""
    if mosquitto_binary() is None:
        pytest.skip("mosquitto is not installed (make setup installs it as root)")
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


@pytest.fixture
def fresh_mosquitto(tmp_path):
    """A broker of the test's own, for tests that stop and restart it."""
    if mosquitto_binary() is None:
        pytest.skip("mosquitto is not installed (make setup installs it as root)")
    broker = Mosquitto(tmp_path).start()
    yield broker
    broker.stop()


@pytest.fixture
def start_mosquitto(tmp_path):
    """Start Mosquitto with a given configuration: ``start_mosquitto(conf, port)``; stopped after the test."""
    if mosquitto_binary() is None:
        pytest.skip("mosquitto is not installed (make setup installs it as root)")
    started = []

    def start(conf: Path, port: int) -> Mosquitto:
        broker = Mosquitto(tmp_path, conf=conf, port=port).start()
        started.append(broker)
        return broker

    yield start
    for broker in started:
        broker.stop()


@pytest.fixture
def secure_street(tmp_path, start_mosquitto):
    """Keys with the neighbourhood CA, a registry of two parties of market 'elm', and Mosquitto
    running the configuration `micromarket broker config` wrote for them."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from micromarket import keys
    from micromarket.fleet import ca
    from micromarket.fleet.broker import write_config
    from micromarket.market import registry
    from micromarket.market.store import open_db

    def add_party(conn):
        raw = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                     serialization.PublicFormat.Raw)
        return registry.add_party(conn, raw, "elm").party

    kdir = tmp_path / "keys"
    keys.init(kdir)
    ca.init(kdir)
    db = tmp_path / "market.db"
    conn = open_db(db)
    parties = [add_party(conn) for _ in range(2)]
    conn.close()
    port = free_port()
    out = tmp_path / "broker"
    cfg = write_config(kdir, db, out, hosts=["localhost", "127.0.0.1"], listen=("127.0.0.1", port))
    broker = start_mosquitto(cfg.conf, port)
    secret = ca.secret(kdir)
    return {"kdir": kdir, "db": db, "out": out, "port": port, "broker": broker, "parties": parties,
            "pw": lambda u: ca.password(secret, u), "cfg": cfg,
            "ca": out / "ca.pem", "add_party": add_party}
