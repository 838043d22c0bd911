"""HAL on the unix port: relay, button and LEDs on simulated pins, every board config opening."""

import sys
from pathlib import Path
import pytest

from micromarket.boards.board import board_names

_HERE = str(Path(__file__).parent)  # pytest runs with --import-mode=importlib
sys.path.insert(0, _HERE)
from hw_harness import board_config, cfg_literal, run  # noqa: E402
sys.path.remove(_HERE)


def test_virtual_board_needs_no_hw_argument():
    """On the unix port there is no machine.Pin: the HAL picks a virtual board's pins (vpin)
    itself, and the relay's level follows set_relay."""
    cfg = board_config("virtual-plug")
    cfg["relay"]["inverted"] = True
    res = run(f"""
import hal
b = hal.Board({cfg_literal(cfg)})
p = b.relay._pin
levels = [p.value()]
b.set_relay(True); levels.append(p.value())
b.set_relay(False); levels.append(p.value())
emit(dict(hw=hal.hardware().__name__, levels=levels, button=b.button.pressed()))
""")
    assert res["hw"] == "vpin" and res["levels"] == [1, 0, 1] and res["button"] == 0


def test_relay_starts_off_and_honours_inversion():
    cfg = board_config("virtual-plug")
    cfg["relay"]["inverted"] = True
    res = run(f"""
import hal
cfg = {cfg_literal(cfg)}
b = hal.Board(cfg, hw=sim_hw)
p = sim_hw.pin(cfg["relay"]["pin"])
levels = [p.value()]
b.set_relay(True); levels.append(p.value())
b.set_relay(True); levels.append(p.value())
b.set_relay(False); levels.append(p.value())
emit(dict(levels=levels, switches=b.relay.switches, state=b.relay.state))
""")
    assert res == dict(levels=[1, 0, 0, 1], switches=2, state=False)


def test_button_counts_presses_with_debounce():
    res = run(f"""
import hal
sim_hw.set_time_us(0)
cfg = {cfg_literal(board_config("virtual-plug"))}
b = hal.Board(cfg, hw=sim_hw)
p = sim_hw.pin(cfg["button"]["pin"])
up = p.value()                          # pulled up, not pressed
def press(bounces):
    for _ in range(bounces):
        p.drive(0); sim_hw.advance_us(2000); p.drive(1); sim_hw.advance_us(2000)
    sim_hw.advance_us(200000)
press(1); press(5); press(3)
down_while = None
p.drive(0); down_while = b.button.is_down(); p.drive(1)
emit(dict(up=up, presses=b.button.pressed(), again=b.button.pressed(), down=down_while))
""")
    assert res == dict(up=1, presses=4, again=0, down=True)  # 3 presses + the last one


def test_leds_gpio_and_ws2812():
    res = run(f"""
import hal
b = hal.Board({cfg_literal(board_config("shelly-plus-plug-s"))}, hw=sim_hw)
b.led(True)
px = b.leds[0]._px
emit(dict(kinds=[type(l).__name__ for l in b.leds], first=list(px[0]), writes=px.writes,
          n=len(px)))
""")
    assert res == dict(kinds=["PixelLed", "PixelLed"], first=[0, 24, 0], writes=1, n=2)


@pytest.mark.parametrize("name", board_names())
def test_every_board_opens_and_polls_within_heap(name):
    """Each compiled config builds its board on the unix port (real boards on simulated pins,
    an ADE7953 model on the bus) and reports what the HAL costs in heap."""
    cfg = board_config(name)
    res = run(f"""
import gc
gc.collect()
free0 = gc.mem_free()
import hal, meter_sim
cfg = {cfg_literal(cfg)}
if cfg["meter"]["driver"] == "ade7953":
    bus = sim_hw.I2C(0); bus.attach(0x38, meter_sim.ADE7953Model())
    sim_hw.I2C = lambda *a, **k: bus
board = hal.Board(cfg, hw=sim_hw)
for _ in range(5):
    board.meter.poll()
gc.collect()
emit(dict(meter=type(board.meter).__name__, used=free0 - gc.mem_free(), name=board.name,
          relay=board.relay is not None))
""", heap=f"{cfg['heap']}")
    assert res["name"] == name and res["relay"]
    assert res["used"] < 24 * 1024  # the HAL with its meter (64-bit objects here) stays small
