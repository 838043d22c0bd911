"""A board with no clock of its own (an ESP32 starts at 2000-01-01) learns the time from the
market's signed context before its first interval, follows it forward, and trades and delivers
intervals of the market's time, never of 2000; a board reset while no broker lets it in meters
intervals of the length the market's last context said."""

import json
import time
from pathlib import Path

# helpers beside this file (tests/conftest.py puts tests/firmware on sys.path)
from agent_device import make_device, parse_done
from devproc import DeviceProcess
from scripted_market import ScriptedMarket

from micromarket.sim.fleet import free_port

HERE = Path(__file__).parent
LENGTH = 4  # seconds: the market runs in real time here, as the board's clock does


def test_a_board_without_a_clock_learns_the_time_from_the_market(tmp_path, mosquitto, mpy_lib):
    market = ScriptedMarket(mosquitto.port, {}, speed=1, anchor=int(time.time()),
                            interval=LENGTH, gate=1)
    party, public = make_device(tmp_path, board="virtual-meter", market_key=market.public,
                                port=mosquitto.port, speed=None, anchor=None)
    market.parties[party] = public
    intervals = 3
    with DeviceProcess(HERE / "agent_day.py", intervals, "cold", heap="256K", cwd=tmp_path,
                       lib_dirs=[mpy_lib]) as dev:
        # no market yet: the board does not know the time, so it waits instead of trading 2000
        dev.expect("LOG waiting for the market's context to learn the time")
        time.sleep(1)
        assert not [line for line in dev.seen if line.startswith("HEAP")], dev.seen
        market.start()
        try:
            done = parse_done(dev.expect("DONE", timeout=60))
            assert dev.wait() == 0
        finally:
            market.stop()
    got = [d.interval for _, d in market.deliveries[party]]
    # the intervals it delivered are the market's, one after another, up to now
    assert len(got) == intervals == done["deliveries"], got
    assert all(b - a == LENGTH for a, b in zip(got, got[1:])), got
    assert market.now() - 60 <= got[0] and got[-1] <= market.now(), (got, market.now())
    assert market.refused == [] and done["errors"] == 0 and done["set_aside"] == 0


def test_which_clocks_know_the_time(mp):
    """A board clock at its power-on date does not, until it learns a date; a simulated clock
    takes its time from the config, so it always does, even anchored at 1970."""
    out = mp("import hal_clock, simclock\n"
             "c = hal_clock.Clock()\n"
             "c.set(946684800)\n"
             "cold = c.known()\n"
             "c.set(1767225600)\n"
             "print(cold, c.known(), simclock.ScaledClock(2, 10).known())\n")
    assert out.split() == ["False", "True", "True"]


def test_a_board_reset_while_no_broker_lets_it_in_meters_the_markets_intervals(tmp_path, mosquitto,
                                                                               mpy_lib):
    """The interval's length comes with the market's context, which a board refused by its
    broker (or with none up) does not get after a reset: it meters intervals of the length the
    last context said, kept on flash, not of its config's 900 s (a delivery of three market
    intervals was refused as too much energy, and the two after it never delivered)."""
    anchor, speed, length = int(time.time()), 150, 300  # 2 s intervals; the config's 900: 6 s
    market = ScriptedMarket(mosquitto.port, {}, speed=speed, anchor=anchor, interval=length,
                            gate=60)
    party, public = make_device(tmp_path, board="virtual-meter", market_key=market.public,
                                port=mosquitto.port, speed=speed, anchor=anchor)
    market.parties[party] = public
    market.start()
    try:
        with DeviceProcess(HERE / "agent_day.py", 1, heap="256K", cwd=tmp_path,
                           lib_dirs=[mpy_lib]) as dev:
            parse_done(dev.expect("DONE", timeout=60))
            assert dev.wait() == 0
    finally:
        market.stop()
    # the board boots again with no broker to reach: no context, intervals of the market's length
    cfg = tmp_path / "config" / "agent.json"
    agent = json.loads(cfg.read_text())
    agent["broker"] = f"mqtt://127.0.0.1:{free_port()}"
    cfg.write_text(json.dumps(agent))
    with DeviceProcess(HERE / "agent_day.py", 3, heap="256K", cwd=tmp_path,
                       lib_dirs=[mpy_lib]) as dev:
        done = parse_done(dev.expect("DONE", timeout=30))
        assert dev.wait() == 0
    begun = [int(line.split()[1]) for line in dev.seen if line.startswith("HEAP")]
    assert len(begun) == 3 and all(b - a == length for a, b in zip(begun, begun[1:])), begun
    assert done["deliveries"] == 3 and done["island"] == 3, done
