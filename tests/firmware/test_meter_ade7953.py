"""ADE7953 driver on the unix port: register reads and writes over a simulated I2C bus, against
a model of the chip's register file (16-bit addresses, 32-bit sign-extended aliases, energy
registers cleared by reading, the unlock needed before register 0x120)."""

import sys
from pathlib import Path
_HERE = str(Path(__file__).parent)  # pytest runs with --import-mode=importlib
sys.path.insert(0, _HERE)
from hw_harness import board_config, cfg_literal, run  # noqa: E402
sys.path.remove(_HERE)

SETUP = """
import hal, meter_sim
sim_hw.set_time_us(0)
cfg = {cfg}
mc = cfg["meter"]
chip = meter_sim.ADE7953Model()
bus = sim_hw.I2C(0)
bus.attach(0x38, chip)
_I2C = sim_hw.I2C
sim_hw.I2C = lambda *a, **k: bus         # the driver's bus is the one the chip sits on
board = hal.Board(cfg, hw=sim_hw)
sim_hw.I2C = _I2C
m = board.meter
"""


def setup():
    return SETUP.format(cfg=cfg_literal(board_config("shelly-pro-em-50")))


def test_power_up_sequence_and_reset_pin():
    res = run(setup() + """
emit(dict(writes=[(a, list(d)) for a, d in chip.writes], reset=sim_hw.pin(mc["reset"]).value(),
          t=sim_hw.ticks_ms()))
""")
    assert res["writes"] == [[0xFE, [0xAD]], [0x120, [0x00, 0x30]]]
    assert res["reset"] == 1  # released after the pulse
    assert res["t"] >= 100  # and the chip was given its start-up time


def test_reads_power_voltage_current_energy():
    res = run(setup() + """
chip.set(0x312, 154 * 1800)          # AWATT: 1.8 kW
chip.set(0x31C, 26000 * 230)         # VRMS: 230 V
chip.set(0x31A, 100000 * 7826 // 1000)  # IRMSA: 7.826 A
chip.set(0x31E, 24000 * 3 + 100)     # AENERGYA: 3 Wh and a bit
m.poll()
first = [m.power_w, m.voltage_mv, m.current_ma, m.energy.import_wh, m.energy.import_rem]
m.poll()                             # the energy register was cleared by the read
emit(dict(first=first, again=[m.energy.import_wh, m.energy.import_rem]))
""")
    assert res["first"] == [1800, 230000, 7826, 3, 100]
    assert res["again"] == [3, 100]


def test_export_is_negative_power_and_its_own_counter():
    res = run(setup() + """
chip.set(0x312, -154 * 2500)         # PV feeding in 2.5 kW
chip.set(0x31E, -24000 * 2)
m.poll()
emit(dict(w=m.power_w, imp=m.energy.import_wh, exp=m.energy.export_wh))
""")
    assert res == dict(w=-2500, imp=0, exp=2)


def test_no_acknowledge_keeps_last_values_and_counts():
    res = run(setup() + """
chip.set(0x312, 154 * 500)
m.poll()
del bus.devices[0x38]                # the chip stops answering
m.poll()
emit(dict(w=m.power_w, errors=m.errors))
""")
    assert res == dict(w=500, errors=1)


def test_absent_chip_fails_at_start():
    cfg = cfg_literal(board_config("shelly-pro-em-50"))
    res = run(f"""
import hal
try:
    hal.Board({cfg}, hw=sim_hw)
    emit("started")
except OSError as e:
    emit(e.args[0])
""")
    assert res == 19  # ENODEV: the bus had nothing at 0x38
