"""BL0937 / HLW8012 driver on the unix port: pulse trains through simulated pins.

The pulse frequencies come from the chips' datasheet formulas and the physical quantities, here
in CPython, not from the constants the host compiled; so the test checks the compiled
calibration and the driver together.
"""

import sys
from pathlib import Path
import pytest

_HERE = str(Path(__file__).parent)  # pytest runs with --import-mode=importlib
sys.path.insert(0, _HERE)
from hw_harness import board_config, cfg_literal, run  # noqa: E402
sys.path.remove(_HERE)

# datasheet transfer functions: frequency from the voltage on the pins
BL0937 = dict(vref=1.218, kp=1721506.0, kv=15397.0, ki=94638.0)
FOSC = 3.579e6
HLW8012 = dict(vref=2.43, kp=48 * FOSC / 128, kv=2 * FOSC / 512, ki=24 * FOSC / 512)


def freqs(chip, shunt_ohm, divider, volts, amps, watts):
    vv = volts / divider  # at the chip's voltage input
    vi = amps * shunt_ohm  # across the shunt
    vi_p = watts / volts * shunt_ohm  # in-phase current for the active power
    return (chip["kp"] * vv * vi_p / chip["vref"] ** 2,
            chip["kv"] * vv / chip["vref"],
            chip["ki"] * vi / chip["vref"])


CASES = [  # board, chip, shunt, divider
    ("shelly-plus-plug-s", BL0937, 0.001, 1830),
    ("shelly-plus-1pm", BL0937, 0.001, 1925),
    ("esp32-devkitc-hlw8012", HLW8012, 0.001, 2351),
]

SETUP = """
import hal, meter_sim
sim_hw.set_time_us(1000000)
cfg = {cfg}
board = hal.Board(cfg, hw=sim_hw)
m = board.meter
mc = cfg["meter"]
"""


@pytest.mark.parametrize("board,chip,shunt,divider", CASES)
def test_power_voltage_current_and_energy(board, chip, shunt, divider):
    cfg = board_config(board)
    f_cf, f_v, f_i = freqs(chip, shunt, divider, 230.0, 8.0, 1800.0)
    res = run(SETUP.format(cfg=cfg_literal(cfg)) + f"""
sent = meter_sim.run_pulses(m, mc, {f_cf}, {f_v}, {f_i}, 12)
e = m.energy
emit(dict(sent=sent, w=m.power_w, mv=m.voltage_mv, ma=m.current_ma, wh=e.import_wh,
          rem=e.import_rem, per=e.per_wh, exp=e.export_wh, mj=mc["mj_per_cf"]))
""")
    assert res["w"] == pytest.approx(1800, rel=0.01)
    assert res["mv"] == pytest.approx(230000, rel=0.01)
    assert res["ma"] == pytest.approx(8000, rel=0.02)
    # every pulse booked, nothing lost to rounding: Wh and remainder add up to the pulses exactly
    assert res["wh"] * res["per"] + res["rem"] == res["sent"] * res["mj"]
    assert res["rem"] < res["per"]
    # and the energy is the physical one: 1.8 kW for 12 s = 6 Wh
    assert res["wh"] * 3600 + res["rem"] / 1000 == pytest.approx(1800 * 12, rel=0.01)
    assert res["exp"] == 0


def test_sel_pin_levels_follow_the_board():
    """Shelly boards drive SEL inverted: current mode is the low level there."""
    cfg = board_config("shelly-plus-plug-s")
    assert cfg["meter"]["sel_current"] == 0
    res = run(SETUP.format(cfg=cfg_literal(cfg)) + """
levels = [sim_hw.pin(mc["sel"]).value()]
meter_sim.run_pulses(m, mc, 100.0, 1500.0, 70.0, 1.2)
levels.append(sim_hw.pin(mc["sel"]).value())
meter_sim.run_pulses(m, mc, 100.0, 1500.0, 70.0, 1.2)
levels.append(sim_hw.pin(mc["sel"]).value())
emit(levels)
""")
    assert res == [1, 0, 1]  # voltage first, then current, then voltage again


def test_low_power_between_sparse_pulses_and_idle():
    cfg = board_config("shelly-plus-plug-s")
    f_cf, f_v, f_i = freqs(BL0937, 0.001, 1830, 230.0, 0.05, 10.0)  # one pulse every ~6 s
    res = run(SETUP.format(cfg=cfg_literal(cfg)) + f"""
meter_sim.run_pulses(m, mc, {f_cf}, {f_v}, {f_i}, 40, poll_ms=500)
w_running = m.power_w
meter_sim.run_pulses(m, mc, 0, {f_v}, {f_i}, 60, poll_ms=1000)   # load switched off
w_60s = m.power_w
meter_sim.run_pulses(m, mc, 0, {f_v}, {f_i}, 620, poll_ms=5000)
emit(dict(running=w_running, after_60s=w_60s, after_idle=m.power_w))
""")
    assert res["running"] == pytest.approx(10, abs=1)
    assert res["after_60s"] <= 1  # bounded by one pulse per minute of silence
    assert res["after_idle"] == 0


def test_restore_continues_counters():
    cfg = board_config("shelly-plus-1pm")
    res = run(SETUP.format(cfg=cfg_literal(cfg)) + """
m.restore(12345, 7)
meter_sim.run_pulses(m, mc, 1000.0, 1500.0, 70.0, 4)
emit(m.counters())
""")
    assert res[0] >= 12345 + 1 and res[1] == 7
