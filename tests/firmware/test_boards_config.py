"""The device side of board configs: the blob the host compiles, laid on a board's filesystem as
config/board.json, is what the firmware reads at boot (hal.open_board() with no arguments)."""

import sys
from pathlib import Path
import pytest

from micromarket.boards.board import device_config, get_board

_HERE = str(Path(__file__).parent)  # pytest runs with --import-mode=importlib
sys.path.insert(0, _HERE)
from hw_harness import run  # noqa: E402
sys.path.remove(_HERE)


@pytest.mark.parametrize("name", ["virtual-plug", "virtual-pv", "virtual-battery", "virtual-meter"])
def test_virtual_board_boots_from_its_config_file(tmp_path, name):
    board = get_board(name)
    for rel, data in device_config(board).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    res = run("""
import gc
gc.collect()
free0 = gc.mem_free()
import hal, store, fwinfo, json
b = hal.open_board()
role = json.load(open("config/board.json"))["role"]
st = store.Store()
b.clock.freeze(1767268800)              # 2026-01-01 12:00 UTC
b.set_relay(True)
b.meter.poll()
gc.collect()
emit(dict(name=b.name, fw=fwinfo.board_name(), role=role["role"], w=b.meter.power_w,
          used=free0 - gc.mem_free(), free=gc.mem_free(), seq=st.next_seq()))
""", cwd=tmp_path, heap=str(board.heap_bytes))
    assert res["name"] == res["fw"] == name
    assert res["role"] == board.config["role"]["role"]
    assert res["seq"] == 1
    expected_w = {"virtual-plug": 1800, "virtual-meter": 600, "virtual-battery": 0}.get(name)
    if expected_w is not None:
        assert res["w"] == expected_w
    else:
        assert res["w"] < -3900  # PV at noon
    print(f"{name}: HAL + meter + store use {res['used']} B of heap, {res['free']} B free")
