"""Runs firmware code on the unix port with the simulated-hardware test helpers on the path."""

import json
from pathlib import Path

from micromarket.device import upy
from micromarket.boards.board import get_board
from micromarket.paths import FIRMWARE_DIR

LIBS = [FIRMWARE_DIR / "lib", Path(__file__).parent / "upy"]


def board_config(name: str) -> dict:
    return get_board(name).config


def run(code: str, heap: str = "110K", **kw) -> dict:
    """Run ``code`` (which must ``emit(obj)`` once) and return the object it emitted."""
    prelude = ("import json, sim_hw\n"
               "def emit(obj):\n"
               "    print('RESULT ' + json.dumps(obj))\n")
    out = upy.run_code(prelude + code, heap=heap, lib_dirs=LIBS, **kw)
    lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    assert lines, f"no result in output:\n{out}"
    return json.loads(lines[-1][7:])


def cfg_literal(cfg: dict) -> str:
    return f"json.loads({json.dumps(json.dumps(cfg))})"
