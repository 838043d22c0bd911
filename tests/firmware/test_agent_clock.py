"""A board with no clock of its own (an ESP32 starts at 2000-01-01) learns the time from the
market's signed context before its first interval, follows it forward, and trades and delivers
intervals of the market's time, never of 2000."""

import time
from pathlib import Path

# helpers beside this file (tests/conftest.py puts tests/firmware on sys.path)
from agent_device import make_device, parse_done
from devproc import DeviceProcess
from scripted_market import ScriptedMarket

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
