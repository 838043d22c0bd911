"""Board files: every shipped board validates, carries the public pin facts, and compiles to the
device config; each kind of mistake is a BoardError naming the file, the field and the fault."""

import json
import tomllib
from pathlib import Path

import pytest

from micromarket.boards.board import (CONFIG_PATH, BoardError, all_boards, board_names, device_config,
                                get_board, load_board)
from micromarket.paths import BOARDS_DIR


def test_the_nine_boards():
    assert board_names() == ["athom-plug-v3", "esp32-devkitc-hlw8012", "shelly-plus-1pm",
                             "shelly-plus-plug-s", "shelly-pro-em-50", "virtual-battery",
                             "virtual-meter", "virtual-plug", "virtual-pv"]
    for b in all_boards():
        assert b.arch == {"esp32": "xtensawin", "esp32c3": "rv32imc", "unix": "x64"}[b.chip]
        assert 64 * 1024 <= b.heap_bytes <= 512 * 1024
        assert b.virtual == (b.chip == "unix")


def test_virtual_boards_have_the_heap_of_the_board_they_mirror():
    for name in ("virtual-plug", "virtual-meter", "virtual-pv", "virtual-battery"):
        b = get_board(name)
        real = get_board(b.config["mirrors"])
        assert b.heap_bytes == real.heap_bytes == 110 * 1024


@pytest.mark.parametrize("name,facts", [
    ("shelly-plus-plug-s", {"relay": 4, "button": 9, "leds": [25, 26],
                            "meter": {"driver": "bl0937", "cf": 10, "cf1": 22, "sel": 19}}),
    ("shelly-plus-1pm", {"relay": 26, "button": 25, "leds": [0],
                         "meter": {"driver": "bl0937", "cf": 5, "cf1": 18, "sel": 23}}),
    ("shelly-pro-em-50", {"relay": 2, "meter": {"driver": "ade7953", "sda": 15, "scl": 13,
                                                "irq": 4, "reset": 16, "address": 0x38}}),
    ("athom-plug-v3", {"relay": 5, "button": 3, "leds": [6], "meter": {"driver": "cse7766", "rx": 20}}),
])
def test_pin_facts(name, facts):
    cfg = get_board(name).config
    assert cfg["relay"]["pin"] == facts["relay"]
    if "button" in facts:
        assert cfg["button"]["pin"] == facts["button"]
    if "leds" in facts:
        assert [led["pin"] for led in cfg["leds"]] == facts["leds"]
    for key, val in facts["meter"].items():
        assert cfg["meter"][key] == val


def test_bl0937_calibration_from_shunt_and_divider():
    m = get_board("shelly-plus-plug-s").config["meter"]
    # datasheet: f_CF = 1721506 * Vv * Vi / Vref^2 -> joules per pulse = Vref^2 * div / (R * 1721506)
    assert m["mj_per_cf"] == round(1.218 ** 2 * 1830 / (0.001 * 1721506) * 1000)
    assert m["uv_per_hz"] == round(1.218 * 1830 / 15397 * 1e6)
    assert m["ua_per_hz"] == round(1.218 / (0.001 * 94638) * 1e6)
    assert m["sel_current"] == 0  # inverted SEL on the Shelly


def test_device_config_is_compact_json_the_firmware_reads():
    b = get_board("virtual-plug")
    files = device_config(b)
    assert list(files) == [CONFIG_PATH] == ["config/board.json"]
    cfg = json.loads(files[CONFIG_PATH])
    assert cfg["name"] == "virtual-plug" and cfg["heap"] == b.heap_bytes
    assert cfg["meter"]["points"][0] == [0, 1800]  # 00:00, the appliance's rated 1.8 kW
    assert len(files[CONFIG_PATH]) < 1024


def test_get_board_by_path_and_unknown_name():
    assert get_board(str(BOARDS_DIR / "athom-plug-v3.toml")).name == "athom-plug-v3"
    with pytest.raises(BoardError, match="unknown board 'virtual-plg'") as exc:
        get_board("virtual-plg")
    assert "did you mean 'virtual-plug'" in exc.value.hint


def _variant(tmp_path: Path, base: str, edit, text_edit=None) -> Path:
    """A copy of a shipped board with ``edit`` applied to its TOML (as data, re-serialised)."""
    text = (BOARDS_DIR / f"{base}.toml").read_text()
    if text_edit:
        text = text_edit(text)
    data = tomllib.loads(text)
    edit(data)
    path = tmp_path / f"{base}-variant.toml"
    path.write_text(_dump(data))
    return path


def _dump(data: dict, prefix: str = "") -> str:
    """A small TOML writer for the test variants (tables, arrays of tables, scalars, lists)."""
    def val(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return repr(v)
    lines, tables = [], []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            tables.append((k, v))
        else:
            lines.append(f"{k} = {val(v)}")
    out = "\n".join(lines) + "\n"
    for k, v in tables:
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out += f"\n[{name}]\n" + _dump(v, name + ".")
        else:
            for item in v:
                out += f"\n[[{name}]]\n" + _dump(item, name + ".")
    return out


def _set(path, value):
    def edit(d):
        *heads, last = path.split(".")
        for h in heads:
            d = d[h]
        if value is _DELETE:
            del d[last]
        else:
            d[last] = value
    return edit


_DELETE = object()

BAD = [
    ("shelly-plus-plug-s", "relay.pin", 40, "relay.pin: GPIO 40 is out of range: the esp32 has GPIO 0-39"),
    ("shelly-plus-plug-s", "relay.pin", 24, "relay.pin: GPIO 24 does not exist on the esp32"),
    ("esp32-devkitc-hlw8012", "meter.cf", 6, "meter.cf: GPIO 6 is wired to the SPI flash"),
    ("esp32-devkitc-hlw8012", "relay.pin", 9, "relay.pin: GPIO 9 is wired to the SPI flash"),
    ("shelly-plus-plug-s", "relay.pin", 7, "GPIO 7 is wired to the SPI flash of the ESP32-U4WDH"),
    ("esp32-devkitc-hlw8012", "relay.pin", 35, "relay.pin: GPIO 35 is input-only on the esp32"),
    ("esp32-devkitc-hlw8012", "meter.sel", 36, "meter.sel: GPIO 36 is input-only"),
    ("athom-plug-v3", "relay.pin", 22, "relay.pin: GPIO 22 is out of range: the esp32c3 has GPIO 0-21"),
    ("athom-plug-v3", "meter.rx", 14, "meter.rx: GPIO 14 is wired to the SPI flash"),
    ("shelly-plus-plug-s", "button.pin", 4, "button.pin: GPIO 4 is already used by relay.pin"),
    ("shelly-plus-plug-s", "chip", "esp8266", "chip: unknown chip 'esp8266'"),
    ("shelly-plus-plug-s", "arch", "rv32imc", "arch: 'rv32imc' is not an architecture of the esp32"),
    ("shelly-plus-plug-s", "heap", _DELETE, "heap: missing field"),
    ("shelly-plus-plug-s", "meter.cf1", _DELETE, "meter.cf1: missing field"),
    ("shelly-plus-plug-s", "heap", "110 kg", "heap: unknown unit 'kg' in '110 kg'"),
    ("shelly-plus-plug-s", "heap", "16K", "heap: 16384 bytes is too small"),
    ("shelly-plus-plug-s", "meter.current_resistor", 0.001, "meter.current_resistor: 0.001 needs a unit"),
    ("shelly-plus-plug-s", "meter.current_resistor", "1 Ohm", None),  # 1 Ohm is a (poor) shunt: accepted
    ("shelly-plus-plug-s", "meter.current_resistor", "5 Ohm", "meter.current_resistor: 5.0 Ohm is not a shunt"),
    ("shelly-plus-plug-s", "meter.driver", "bl0940", "meter.driver: unknown meter driver 'bl0940'"),
    ("shelly-plus-plug-s", "meter.driver", "virtual", "meter.driver: virtual boards"),
    ("virtual-plug", "meter.driver", "bl0937", "meter.driver: virtual boards"),
    ("shelly-plus-plug-s", "role.role", "heater", "role.role: unknown role 'heater'"),
    ("shelly-plus-plug-s", "relay.pin", "4", "relay.pin: expected an integer, got '4'"),
    ("shelly-plus-plug-s", "relay.pin", True, "relay.pin: expected an integer, got True"),
    ("shelly-plus-plug-s", "leds", [{"pin": 25, "kind": "rgbw"}], "leds[0].kind: unknown LED kind 'rgbw'"),
    ("virtual-plug", "profile.points", [["07:00", "5 W"]], "profile.points: the first point must be at \"00:00\""),
    ("virtual-plug", "profile.points", [["00:00", "5 W"], ["25:00", "1 W"]], "profile.points[1]: '25:00' is not a time of day"),
    ("virtual-plug", "profile.points", [["00:00", "5 V"]], "profile.points[0]: unknown unit 'V'"),
    ("virtual-battery", "role.capacity", _DELETE, "role.capacity: a battery needs its capacity"),
    ("athom-plug-v3", "package", "ESP32-PICO", "package: unknown esp32c3 package 'ESP32-PICO'"),
]


@pytest.mark.parametrize("base,fld,value,message", BAD, ids=[f"{b}:{f}={v!r}" for b, f, v, _ in BAD])
def test_mistakes_are_clear_errors(tmp_path, base, fld, value, message):
    path = _variant(tmp_path, base, _set(fld, value))
    if message is None:
        load_board(path)
        return
    with pytest.raises(BoardError) as exc:
        load_board(path)
    text = str(exc.value)
    assert text.startswith(f"{path.name}: "), text  # names the file
    assert message in text, text
    assert exc.value.hint  # and says what to do


def test_unknown_field_suggests_the_known_one(tmp_path):
    path = _variant(tmp_path, "shelly-plus-plug-s", lambda d: d["meter"].update(vltage_divider=1))
    with pytest.raises(BoardError, match=r"meter.vltage_divider: unknown field \(did you mean 'voltage_divider'\?\)"):
        load_board(path)


def test_u4wdh_frees_gpio_9_and_10_but_a_bare_esp32_does_not(tmp_path):
    load_board(BOARDS_DIR / "shelly-plus-plug-s.toml")  # button 9, CF 10 on the U4WDH
    path = _variant(tmp_path, "shelly-plus-plug-s", _set("package", _DELETE))
    with pytest.raises(BoardError, match="button.pin: GPIO 9 is wired to the SPI flash of the esp32"):
        load_board(path)


def test_not_toml_is_one_clear_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("chip = esp32\n")
    with pytest.raises(BoardError, match="broken.toml: not valid TOML"):
        load_board(path)
