"""main.py on a provisioned, configured virtual board: banner, the agent trades, Ctrl-C (SIGINT
on the unix port) stops it and leaves the REPL's world intact; an update is confirmed once the
app has traded an interval."""

import json
import signal
import time

from micromarket.paths import FIRMWARE_DIR

# helpers beside this file (tests/conftest.py puts tests/firmware on sys.path)
from agent_device import make_device
from devproc import DeviceProcess
from scripted_market import ScriptedMarket


def test_main_boots_the_agent_and_ctrl_c_stops_it(tmp_path, mosquitto, mpy_lib):
    anchor = int(time.time())
    market = ScriptedMarket(mosquitto.port, {}, speed=1440, anchor=anchor)
    party, public = make_device(tmp_path, board="virtual-plug", market_key=market.public,
                                port=mosquitto.port, speed=1440, anchor=anchor)
    market.parties[party] = public
    # an update waiting for its confirmation
    (tmp_path / "app.json").write_text(json.dumps({"version": "1.1.0", "pending": True,
                                                   "boots": 0, "previous": None}))
    market.start()
    try:
        with DeviceProcess(FIRMWARE_DIR / "main.py", heap="256K", cwd=tmp_path,
                           lib_dirs=[mpy_lib]) as dev:
            assert "on virtual-plug" in dev.expect("micromarket ")
            assert dev.expect("agent starting") == "agent starting (app 1.1.0); Ctrl-C for the REPL"
            deadline = time.monotonic() + 60  # a wait, not a timing check: CI machines are busy
            # the update is confirmed once an interval is traded; the market may see the tender
            # a moment later (it is published QoS 1 from the same interval)
            while time.monotonic() < deadline and not (market.seqs[party] and json.loads(
                    (tmp_path / "app.json").read_text()).get("pending") is False):
                time.sleep(0.1)
            assert market.seqs[party], f"no tender or delivery reached the market: {dev.seen[-15:]}"
            dev.proc.send_signal(signal.SIGINT)
            dev.expect("agent stopped")
            assert dev.wait(10) == 0
    finally:
        market.stop()
    st = json.loads((tmp_path / "app.json").read_text())
    assert st["pending"] is False and st["boots"] == 1
    assert market.deliveries[party]
