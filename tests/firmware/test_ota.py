"""Updates over the air on the unix port, through a real Mosquitto: main.py trading with a
scripted market takes a release-signed offer and restarts; at boot it fetches the bundle chunk
by chunk, refuses a short chunk, trades on, takes the offer again and resumes from the chunks it
has, installs, restarts into the new app, confirms it after an interval and says so in its signed
status; an older version is refused from its offer, and a bundle whose signed manifest names
another board under an offer for ours is fetched and refused, nothing installed, the offers let
be afterwards."""

import hashlib
import json
import queue
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.fleet.release import broker_messages, make_bundle, make_offer
from micromarket.paths import FIRMWARE_DIR

from agent_device import make_device
from devproc import DeviceProcess, HostClient
from scripted_market import ScriptedMarket

RELEASE = Ed25519PrivateKey.generate()
BOARD = "virtual-plug"
NEW = {"lib/hello.py": b"WHO = 'the update'\n" + b"# padding\n" * 300}


def status_of(client, public, dev, timeout=60):
    """The next status message on the host client's subscription, verified with the device's key."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            topic, payload, _ = client.get(timeout=left)
        except queue.Empty:
            break
        if payload != b"offline":
            return P.verify(payload, public, kind=P.Status)
    while not dev.lines.empty():
        dev.seen.append(dev.lines.get())
    raise AssertionError(f"no status; the device printed {dev.seen[-25:]}")


def wait_status(client, public, dev, want, timeout=90):
    """Status messages until one whose ``update`` is ``want`` (a prefix of [version, outcome, reason])."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        st = status_of(client, public, dev, deadline - time.monotonic())
        seen.append(st)
        if st.update is not None and list(st.update[:len(want)]) == want:
            return st
    raise AssertionError(f"no status {want}: {seen}")


def test_an_update_over_mqtt_resumes_installs_and_is_confirmed(tmp_path, mosquitto, mpy_lib):
    anchor = int(time.time())
    market = ScriptedMarket(mosquitto.port, {}, speed=1440, anchor=anchor)
    party, public = make_device(tmp_path, board=BOARD, market_key=market.public, port=mosquitto.port,
                                speed=1440, anchor=anchor)
    device = json.loads((tmp_path / "config" / "device.json").read_text())
    device["release_key"] = P.public_key_bytes(RELEASE).hex()
    (tmp_path / "config" / "device.json").write_text(json.dumps(device))
    market.parties[party] = public
    host = HostClient(mosquitto.port, [f"mm/m1/status/{party}"])
    bundle = make_bundle(NEW, "1.1.0", RELEASE, "m1", BOARD)
    offer, _ = make_offer(bundle, RELEASE, "m1", chunk=256)
    messages = broker_messages(bundle, offer, "m1")
    chunks, (offer_topic, _) = messages[:-1], messages[-1]
    assert len(chunks) > 8 and offer_topic == f"mm/m1/offer/{BOARD}"
    market.start()

    def device():
        # 120K: a plug at 1440x on the 64-bit port, whose objects are larger than the board's
        # (the 110 KB trading figures are test_heap_report's and test_agent_day's)
        return DeviceProcess(FIRMWARE_DIR / "main.py", heap="120K", cwd=tmp_path, lib_dirs=[mpy_lib])

    try:
        with device() as dev:
            dev.expect("agent starting (app built-in)")
            st = status_of(host, public, dev)
            assert (st.party, st.board, st.version, st.update) == (party, BOARD, "0.1.0", None)
            # a stream cut short: chunk 5 holds 100 bytes instead of 256
            for t, p in chunks:
                host.publish(t, p[:100] if t.endswith("/5") else p, retain=True)
            host.publish(offer_topic, offer, retain=True)
            dev.expect("update 1.1.0 offered: restarting to fetch it")
            dev.expect("restarting for the update")
            assert dev.wait(30) == 0
        with device() as dev:  # fetched at boot, before the agent starts: refused at chunk 5
            assert dev.expect("update: fetching") == f"update: fetching {len(bundle)} bytes, chunk 0 of {len(chunks)} on"
            assert dev.expect("update not fetched") == f"update not fetched: chunk 5 of {len(chunks)} has 100 bytes"
            assert dev.wait(30) == 0  # reset: the agent starts on a whole heap
        host.publish(chunks[5][0], chunks[5][1], retain=True)  # the whole chunk now
        with device() as dev:
            dev.expect("agent starting (app built-in)")
            st = wait_status(host, public, dev, ["1.1.0", "refused"])
            assert st.update[2] == f"chunk 5 of {len(chunks)} has 100 bytes" and st.version == "0.1.0"
            assert not (tmp_path / "app.cur").exists() and not (tmp_path / "update.mmb").exists()
            # the retained offer came again with the connection: a second try
            dev.expect("update 1.1.0 offered: restarting to fetch it")
            assert dev.wait(30) == 0
        with device() as dev:  # resumed at chunk 5, then a reset
            assert dev.expect("update: fetching") == f"update: fetching {len(bundle)} bytes, chunk 5 of {len(chunks)} on"
            assert dev.wait(30) == 0
        assert (tmp_path / "update.mmb").read_bytes() == bundle and not (tmp_path / "app.cur").exists()
        with device() as dev:  # installed at boot, on a heap the fetch did not touch; a reset
            dev.expect("update 1.1.0 installed")
            assert dev.wait(30) == 0
        assert json.loads((tmp_path / "app.json").read_text())["pending"] is True
        assert (tmp_path / "app.cur" / "lib" / "hello.py").read_bytes() == NEW["lib/hello.py"]
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(("dl", "update."))]
        with device() as dev:
            dev.expect("agent starting (app 1.1.0)")
            st = wait_status(host, public, dev, ["1.1.0", "installed"])  # confirmed after an interval
            assert st.version == "1.1.0"
            assert json.loads((tmp_path / "app.json").read_text())["pending"] is False
            # an older version: its offer is refused at boot, nothing fetched
            b = make_bundle(NEW, "1.0.9", RELEASE, "m1", BOARD)
            for t, p in broker_messages(b, make_offer(b, RELEASE, "m1", chunk=512)[0], "m1"):
                host.publish(t, p, retain=True)
            dev.expect("restarting for the update")
            assert dev.wait(30) == 0
        with device() as dev:
            assert dev.expect("update not fetched") == \
                "update not fetched: version 1.0.9 is older than 1.1.0 (not signed as a downgrade)"
            assert dev.wait(30) == 0
        with device() as dev:
            st = wait_status(host, public, dev, ["1.0.9", "refused"])
            assert st.update[2] == "version 1.0.9 is older than 1.1.0 (not signed as a downgrade)"
            assert st.version == "1.1.0"
            # a bundle whose signed manifest names another board, under an offer for ours:
            # fetched, then refused at boot by the manifest's own check
            b = make_bundle(NEW, "1.2.0", RELEASE, "m1", "shelly-plus-plug-s")
            o = P.sign(P.Offer(market="m1", board=BOARD, version="1.2.0", downgrade=False,
                               bundle=hashlib.sha256(b).digest(), size=len(b), chunk=512), RELEASE, "release")
            for t, p in broker_messages(b, o, "m1"):
                host.publish(t, p, retain=True)
            dev.expect("restarting for the update")
            assert dev.wait(30) == 0
        with device() as dev:
            dev.expect("update: fetching")
            assert dev.wait(30) == 0
        with device() as dev:
            assert dev.expect("update refused") == \
                "update refused: bundle is for board 'shelly-plus-plug-s', this is 'virtual-plug'"
            assert dev.wait(30) == 0
        with device() as dev:
            dev.expect("agent starting (app 1.1.0)")
            st = wait_status(host, public, dev, ["1.2.0", "refused"])
            assert st.update[2].startswith("bundle is for board 'shelly-plus-plug-s'") and st.version == "1.1.0"
            assert (tmp_path / "app.cur" / "lib" / "hello.py").read_bytes() == NEW["lib/hello.py"]
            assert json.loads((tmp_path / "app.json").read_text())["rejected"] == "1.2.0"
            # its offer, retained, came again with this connection: let be, the agent trades on
            seqs = len(market.seqs[party])
            deadline = time.monotonic() + 60
            while len(market.seqs[party]) <= seqs and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(market.seqs[party]) > seqs and dev.proc.poll() is None
    finally:
        market.stop()
        host.close()
