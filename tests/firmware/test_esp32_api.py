"""The firmware's use of the ESP32 API, checked statically against the MicroPython 1.29 stubs.

The unix port has no machine.Pin, UART, I2C or NeoPixel, so the drivers of a real board never
run in the tests. Here basedpyright (pyright's checker, shipped on PyPI with its own Node.js)
reads every firmware module that touches the hardware against the published stubs of the
ESP32 and ESP32-C3 ports (`make setup` installs each chip's stubs in .venv/stubs/<chip>): a
misspelt method, a wrong argument count or a constant the chip lacks is an error.

The drivers take the board's hardware as an argument ``hw`` (hw_esp on a board, sim_hw or vpin
in the tests), which no checker can follow. The checked copies therefore name hw_esp where the
source says ``hw.`` or ``self._hw.`` (same lines, so findings point at the real source): what is
checked is the code as it runs on a board.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from micromarket.paths import FIRMWARE_DIR

LIB = FIRMWARE_DIR / "lib"
CHIPS = ("esp32", "esp32-c3")
STUBS = Path(sys.prefix) / "stubs"
CHECKER = Path(sys.executable).with_name("basedpyright")
_HW_MODULES = r"machine|esp|esp32|network|neopixel|hw_esp"
_TOUCHES = re.compile(r"^\s*(?:import|from)\s+(?:%s)\b|def \w+\([^)]*\bhw\b" % _HW_MODULES,
                      re.M)
# modules that stand in for the hardware on the unix port: not what runs on a board
_HOST_ONLY = {"sim_hw.py", "vpin.py"}


def hardware_modules():
    """Every firmware module that imports a hardware module or drives hardware through ``hw``."""
    return sorted(p for p in LIB.glob("*.py")
                  if p.name not in _HOST_ONLY and _TOUCHES.search(p.read_text()))


def _bind_hw(src):
    """The source with the hardware argument named as the board's module, lines unchanged."""
    out = re.sub(r"\bself\._hw\.", "hw_esp.", src)
    out = re.sub(r"(?<![\w.])hw\.", "hw_esp.", out)
    return out + "\nimport hw_esp  # bound for the check\n" if out != src else src


def _stubs(chip):
    d = STUBS / chip
    if not (d / "machine.pyi").is_file() or not (d / "stdlib").is_dir():
        pytest.skip("no MicroPython stubs for %s in %s: run `make setup`" % (chip, d))
    if not CHECKER.is_file():
        pytest.skip("basedpyright is not installed: run `make setup`")
    return d


def check(chip, sources, workdir):
    """basedpyright's errors for ``sources`` ({name: text}) on ``chip``: (name, line, message)."""
    stubs = _stubs(chip)
    workdir.mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (workdir / name).write_text(text)
    (workdir / "pyrightconfig.json").write_text(json.dumps({
        "typeshedPath": str(stubs), "stubPath": str(stubs), "extraPaths": [str(stubs), str(LIB)],
        "pythonVersion": "3.11", "typeCheckingMode": "standard",
        "reportMissingModuleSource": False, "include": sorted(sources)}))
    proc = subprocess.run([str(CHECKER), "--outputjson", "-p", "pyrightconfig.json"],
                          cwd=workdir, capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("basedpyright gave no report: %s" % (proc.stderr or proc.stdout))
    assert report["summary"]["filesAnalyzed"] >= len(sources), report["summary"]
    return [(Path(d["file"]).name, d["range"]["start"]["line"] + 1, d["message"])
            for d in report["generalDiagnostics"] if d["severity"] == "error"]


def firmware_copy():
    return {p.name: _bind_hw(p.read_text()) for p in hardware_modules()}


def test_selection_covers_the_drivers():
    names = {p.name for p in hardware_modules()}
    assert {"hw_esp.py", "hal.py", "hal_button.py", "hal_led.py", "hal_pixel.py",
            "meter_ade7953.py", "meter_cse7766.py", "meter_pulse.py"} <= names
    assert not names & _HOST_ONLY


@pytest.mark.parametrize("chip", CHIPS)
def test_firmware_uses_the_chip_api_as_published(chip, tmp_path):
    errors = check(chip, firmware_copy(), tmp_path)
    assert not errors, "the ESP32 API as %s's stubs have it:\n" % chip + "\n".join(
        "firmware/lib/%s:%d: %s" % e for e in errors)


# each: (module, text in it, replaced by, what the break is)
BREAKS = [
    ("hal_led.py", "hw.Pin.OUT", "hw.Pin.OUTT", "a constant the chip does not have"),
    ("hal_pixel.py", "self._px.write()", "self._px.wrte()", "a misspelt method"),
    ("meter_cse7766.py", "parity=0,", "parityy=0,", "a keyword UART does not take"),
    ("meter_ade7953.py", "readfrom_mem_into(", "readfrom_mem_into(0, ", "one argument too many"),
    ("meter_pulse.py", "hw.ticks_diff(", "hw.ticks_diff(0, ", "one argument too many"),
]


@pytest.mark.parametrize("chip", CHIPS)
def test_checker_catches_a_broken_copy(chip, tmp_path):
    raw = {p.name: p.read_text() for p in hardware_modules()}
    lines = {}
    for name, old, new, _ in BREAKS:
        assert old in raw[name], (name, old)
        lines[name] = raw[name][:raw[name].index(old)].count("\n") + 1
        raw[name] = raw[name].replace(old, new, 1)
    errors = check(chip, {n: _bind_hw(t) for n, t in raw.items()}, tmp_path)
    for name, _, _, what in BREAKS:
        assert any(e[:2] == (name, lines[name]) for e in errors), (
            "%s not caught at %s:%d; errors: %s" % (what, name, lines[name], errors))
