"""`micromarket provision` end to end: virtual boards over their serial ports (mpremote transport),
the real registrar key, the market's registry and the device's own key generation."""

import contextlib
import json
import sqlite3
import subprocess
import sys

import pytest
import serial
from ptys import answering_pty

from micromarket import keys
from micromarket import protocol as P
from micromarket.device import vboard
from micromarket.errors import DeviceError
from micromarket.market import registry
from micromarket.market.store import open_db
from micromarket.device.target import connect

def _board(name, app=True):
    for f in (vboard.stop, vboard.remove):
        try:
            f(name)
        except Exception:
            pass
    vb = vboard.start(name, board="virtual-plug", app=app)
    for attempt in range(3):  # a board that has just started may still be booting on a loaded machine
        try:
            with connect(vb.port):
                break
        except DeviceError:
            if attempt == 2:
                raise
    return vb


@pytest.fixture(scope="module")
def boards():
    names = [f"prov-{i}" for i in range(3)]
    vbs = [_board(n) for n in names]
    yield vbs
    for n in names:
        vboard.stop(n)
        vboard.remove(n)


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    d = tmp_path_factory.mktemp("provhost")
    keys.init(d / "keys")
    (d / "psk").write_text("correct horse battery\n")
    return d


def run(host, *args, ports=(), market="m1", timeout=180):
    cmd = [sys.executable, "-m", "micromarket.cli", "provision", "--board", "virtual-plug", "--role", "load",
           "--personality", "deferrable", "--market", market, "--keys", str(host / "keys"),
           "--registry", str(host / "market.db"), "--wifi-ssid", "bench", "--wifi-psk-file", str(host / "psk")]
    for p in ports:
        cmd += ["--port", p]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)


def device_status(port):
    with connect(port) as t:
        return t.eval("__import__('identity').status()")


def test_batch_then_rerun_skips_the_done(boards, host):
    ports = [vb.port for vb in boards]
    r = run(host, "--json", "--label-dir", host / "labels", ports=ports)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)["devices"]
    assert [d["status"] for d in out] == ["provisioned"] * 3
    assert [d["crypto"] for d in out] == ["viper"] * 3  # the core each device runs
    parties = [d["party"] for d in out]
    assert len(set(parties)) == 3
    conn = open_db(host / "market.db")
    try:
        for party, vb in zip(parties, boards):
            rec = registry.get(conn, party)
            assert rec is not None and rec.market == "m1"
            # the device holds the credential the registry holds, signed by the registrar
            with connect(vb.port) as t:
                cred = t.fs_get("id/enrollment.cose")
                config = json.loads(t.fs_get("config/device.json"))
            msg = P.verify(cred, bytes.fromhex(keys.public_hex(host / "keys", "registrar")), kind=P.Enrollment)
            assert msg.party == party and rec.key == msg.key
            assert config["wifi"] == {"ssid": "bench", "psk": "correct horse battery"}
            assert config["market_key"] == keys.public_hex(host / "keys", "market")
            png = (host / "labels" / f"{party}.png").read_bytes()
            assert png.startswith(b"\x89PNG")
            assert party in (host / "labels" / f"{party}.svg").read_text()
    finally:
        conn.close()
    again = run(host, "--json", ports=ports)
    assert again.returncode == 0, again.stderr
    assert [(d["status"], d["party"]) for d in json.loads(again.stdout)["devices"]] == \
        [("done", p) for p in parties]


def test_provisioned_elsewhere_is_refused_unless_forced(boards, host):
    port = boards[0].port
    before = device_status(port)["party"]
    assert before
    r = run(host, ports=[port], market="m2")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert f"already provisioned as {before}" in last and "--force" in last and "Traceback" not in r.stderr
    r = run(host, "--force", ports=[port], market="m2")
    assert r.returncode == 0, r.stderr
    after = device_status(port)
    assert after["provisioned"] and after["party"] != before


def test_interrupted_batch_finishes_on_rerun(host):
    good, late = _board("prov-good"), _board("prov-late")
    vboard.stop("prov-late")  # the late board is unplugged during the first run
    try:
        r = run(host, "--json", ports=[good.port, late.port])
        assert r.returncode == 1
        first = {d["port"]: d for d in json.loads(r.stdout)["devices"]}
        assert first[good.port]["status"] == "provisioned" and first[late.port]["status"] == "failed"
        late = vboard.start("prov-late", board="virtual-plug")
        r = run(host, "--json", ports=[good.port, late.port])
        assert r.returncode == 0, r.stderr
        second = {d["port"]: d for d in json.loads(r.stdout)["devices"]}
        assert second[good.port] == {**first[good.port], "status": "done", "step": "status"}
        assert second[late.port]["status"] == "provisioned"
    finally:
        for n in ("prov-good", "prov-late"):
            vboard.stop(n)
            vboard.remove(n)


def test_locked_registry_touches_no_device(host):
    vb = _board("prov-locked")
    holder = sqlite3.connect(host / "market.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = run(host, ports=[vb.port])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    try:
        assert r.returncode == 1
        line = r.stderr.strip().splitlines()[-1]
        assert line.startswith("micromarket: the registry") and "locked" in line and "Traceback" not in r.stderr
        assert device_status(vb.port) == {"provisioned": False, "party": None, "pending": False,
                                          "crypto": "viper"}
    finally:
        vboard.stop("prov-locked")
        vboard.remove("prov-locked")


def test_registry_locked_midway_leaves_device_unprovisioned(host):
    """The registry is taken by another process after the pre-check: the device must not commit."""
    from micromarket.fleet import provision

    vb = _board("prov-midway")
    auth = provision.load_authority(host / "keys", None, host / "market.db")
    plan = provision.Plan(market="m1", board="virtual-plug", role="plug", personality="fixed")
    holder = sqlite3.connect(host / "market.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        outcome = provision.provision_port(vb.port, plan, auth)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    try:
        assert outcome.status == "failed" and outcome.step == "registry" and "locked" in outcome.error, outcome
        st = device_status(vb.port)
        assert st["provisioned"] is False and st["pending"] is True  # the next run reuses the pending key
        again = provision.provision_port(vb.port, plan, auth)
        assert again.status == "provisioned"
    finally:
        vboard.stop("prov-midway")
        vboard.remove("prov-midway")


def test_bad_ports(host, tmp_path):
    blank = _board("prov-blank", app=False)
    garbage = contextlib.ExitStack()
    try:
        cases = {
            "/dev/does-not-exist": "port /dev/does-not-exist does not exist",
            garbage.enter_context(answering_pty(b"\x1b[0mgarbage \xff\xfe\r\n")):
                "no MicroPython REPL answered",
            blank.port: "does not run the micromarket firmware",
        }
        r = run(host, "--json", ports=list(cases))
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        try:
            got = {d["port"]: d for d in json.loads(r.stdout)["devices"]}
        except ValueError:
            raise AssertionError(repr(r.stdout) + repr(r.stderr))
        for port, message in cases.items():
            assert got[port]["status"] == "failed" and message in got[port]["error"], got[port]
        busy = serial.Serial(blank.port, exclusive=True)
        try:
            r = run(host, ports=[blank.port])
        finally:
            busy.close()
        assert r.returncode == 1 and "is busy" in r.stderr.strip().splitlines()[-1]
        r = run(host)  # no --port: the one board running is used; of several, none is guessed
        assert r.returncode == 1 and "Traceback" not in r.stderr
        running = [b for b in vboard.list_boards() if b.status == "running"]
        if len(running) == 1:
            assert f"using {blank.port} (virtual board prov-blank)" in r.stderr
            assert "does not run the micromarket firmware" in r.stderr.strip().splitlines()[-1]
        else:
            assert f"{len(running)} boards found" in r.stderr.strip().splitlines()[-1]
    finally:
        garbage.close()
        vboard.stop("prov-blank")
        vboard.remove("prov-blank")


def test_wrong_passphrase(tmp_path, boards):
    keys.init(tmp_path / "keys", passphrase=b"right")
    (tmp_path / "pw").write_text("wrong\n")
    r = subprocess.run([sys.executable, "-m", "micromarket.cli", "provision", "--port", boards[1].port,
                        "--board", "virtual-plug", "--role", "load", "--personality", "fixed", "--market", "m1",
                        "--keys", str(tmp_path / "keys"), "--passphrase-file", str(tmp_path / "pw"),
                        "--registry", str(tmp_path / "db")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == "micromarket: wrong passphrase for the registrar key — check the passphrase and try again"
