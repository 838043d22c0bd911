"""The virtual meter: power from the board's profile over a simulated clock, gated by the relay;
energy integrated exactly, import and export kept apart."""

import sys
from pathlib import Path
import pytest

_HERE = str(Path(__file__).parent)  # pytest runs with --import-mode=importlib
sys.path.insert(0, _HERE)
from hw_harness import board_config, cfg_literal, run  # noqa: E402
sys.path.remove(_HERE)

DAY0 = 1767225600  # 2026-01-01 00:00 UTC

SETUP = """
import hal, hal_clock
clock = hal_clock.Clock()
clock.freeze({day0})
board = hal.Board({cfg}, clock=clock)
m = board.meter
"""


def setup(name):
    return SETUP.format(day0=DAY0, cfg=cfg_literal(board_config(name)))


def day_wh(points):
    """Expected energy of one day of a step profile, in Wh (as a float)."""
    total = 0.0
    for i, (minute, watts) in enumerate(points):
        end = points[i + 1][0] if i + 1 < len(points) else 1440
        total += watts * (end - minute) / 60
    return total


@pytest.mark.parametrize("step", [900, 60, 7])
def test_plug_day_matches_profile_whatever_the_polling(step):
    cfg = board_config("virtual-plug")
    res = run(setup("virtual-plug") + f"""
board.set_relay(True)
for _ in range(86400 // {step}):
    clock.advance({step})
    m.poll()
clock.freeze({DAY0 + 86400})
m.poll()
emit(dict(wh=m.energy.import_wh, rem=m.energy.import_rem, exp=m.energy.export_wh))
""")
    expected = day_wh(cfg["meter"]["points"])
    assert res["wh"] + res["rem"] / 3600 == pytest.approx(expected, abs=1e-9)
    assert res["exp"] == 0


def test_relay_off_means_no_power_and_no_energy():
    res = run(setup("virtual-plug") + """
clock.advance(7 * 3600 + 60)           # 07:01, the appliance would draw 1.8 kW
m.poll()
off = [m.power_w, m.energy.import_wh, m.energy.import_rem]
board.set_relay(True)
on_w = m.power_w
clock.advance(1800)
board.set_relay(False)
emit(dict(off=off, on_w=on_w, after=m.power_w, wh=m.energy.import_wh))
""")
    assert res["off"] == [0, 0, 0]
    assert res["on_w"] == 1800
    assert res["after"] == 0
    assert res["wh"] == 900  # 1.8 kW for half an hour


def test_pv_exports_along_a_day():
    cfg = board_config("virtual-pv")
    res = run(setup("virtual-pv") + """
noon = None
for _ in range(96):
    clock.advance(900)
    m.poll()
    if clock.unix() % 86400 == 13 * 3600:
        noon = m.power_w
emit(dict(imp=m.energy.import_wh, exp=m.energy.export_wh, noon=noon, night=m.power_w))
""")
    assert res["imp"] == 0
    assert res["exp"] == int(-day_wh(cfg["meter"]["points"]))
    assert res["noon"] < -3900  # near the 4 kW peak at mid-day
    assert res["night"] == 0


def test_battery_setpoint_clamped_to_inverter():
    res = run(setup("virtual-battery") + """
m.set_power(5000)                      # asks beyond the 3 kW rating
w1 = m.power_w
clock.advance(3600)
m.set_power(-1500)
clock.advance(3600)
m.poll()
emit(dict(w1=w1, w2=m.power_w, imp=m.energy.import_wh, exp=m.energy.export_wh))
""")
    assert res == dict(w1=3000, w2=-1500, imp=3000, exp=1500)


def test_clock_jump_at_boot_books_nothing():
    res = run(setup("virtual-meter") + """
clock.set(clock.unix() + 10 * 365 * 86400)   # the clock learns the real date
m.poll()
emit(m.counters())
""")
    assert res == [0, 0]
