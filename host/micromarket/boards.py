"""Board definitions: the human-written TOML files in ``boards/``, validated and compiled.

A board file names the chip, the MicroPython architecture, heap and flash sizes, the pins of the
relay, button, LEDs and meter, the meter's calibration and the role defaults; a virtual board adds
a load or PV profile. ``get_board(name)`` loads and validates one (``name`` is the file stem, e.g.
``virtual-plug``, or a path to a ``.toml`` file); every fault is a ``BoardError`` naming the file,
the field and what is wrong. ``device_config(board)`` is the compact JSON blob the device only
reads (``config/board.json``); the checking all happens here, on the host.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BoardError
from .paths import BOARDS_DIR

CONFIG_PATH = "config/board.json"

_IN, _OUT = "input", "output"


@dataclass(frozen=True)
class Chip:
    arch: tuple[str, ...]  # accepted mpy-cross architectures, the first is the usual one
    gpios: frozenset[int]
    input_only: frozenset[int] = frozenset()
    flash_pins: dict[str, frozenset[int]] = field(default_factory=dict)  # package -> pins


_ESP32_GPIOS = frozenset(set(range(0, 40)) - {20, 24, 28, 29, 30, 31})
CHIPS = {
    "esp32": Chip(("xtensawin",), _ESP32_GPIOS, frozenset(range(34, 40)),
                  {"": frozenset(range(6, 12)),
                   "ESP32-U4WDH": frozenset({6, 7, 8, 11})}),  # in-package flash frees 9 and 10
    "esp32c3": Chip(("rv32imc",), frozenset(range(0, 22)), frozenset(),
                    {"": frozenset(range(12, 18))}),
    "unix": Chip(("x64", "x86"), frozenset(range(0, 64))),
}

ROLES = ("load", "pv", "battery", "meter")

_UNITS = {
    "size": {"": 1, "B": 1, "K": 1024, "KB": 1024, "KiB": 1024,
             "M": 1 << 20, "MB": 1 << 20, "MiB": 1 << 20},
    "resistance": {"Ohm": 1.0, "ohm": 1.0, "Ω": 1.0, "mOhm": 1e-3, "mohm": 1e-3, "mΩ": 1e-3},
    "power": {"W": 1.0, "kW": 1e3},
    "energy": {"Wh": 1.0, "kWh": 1e3},
    "duration": {"s": 1.0, "min": 60.0, "h": 3600.0},
}
_QUANTITY = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*(\S*)\s*$")


@dataclass(frozen=True)
class Board:
    """A validated board: identity, sizes, and the compiled device config."""

    name: str
    title: str
    chip: str
    arch: str
    heap_bytes: int
    flash_bytes: int
    path: Path
    config: dict

    @property
    def virtual(self) -> bool:
        return self.chip == "unix"

    @property
    def config_path(self) -> str:
        return CONFIG_PATH

    def config_bytes(self) -> bytes:
        return json.dumps(self.config, separators=(",", ":"), sort_keys=True).encode()


class _Ctx:
    """Where we are in a board file, for error messages."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, fld: str, problem: str, hint: str = "") -> BoardError:
        return BoardError(f"{self.path.name}: {fld}: {problem}",
                          hint or f"fix {self.path} (see the other files in boards/ for examples)")


def board_names(root: Path = BOARDS_DIR) -> list[str]:
    return sorted(p.stem for p in root.glob("*.toml"))


def get_board(name: str | Path, root: Path = BOARDS_DIR) -> Board:
    """The board called ``name`` (a file stem in ``boards/`` or a path to a TOML file)."""
    text = str(name)
    if text.endswith(".toml") or "/" in text:
        return load_board(Path(text))
    path = root / f"{text}.toml"
    if not path.exists():
        close = difflib.get_close_matches(text, board_names(root), n=1)
        hint = f"did you mean {close[0]!r}?" if close else ""
        raise BoardError(f"unknown board {text!r}",
                         (hint + " " if hint else "") + "known: " + ", ".join(board_names(root)))
    return load_board(path)


def all_boards(root: Path = BOARDS_DIR) -> list[Board]:
    return [load_board(root / f"{n}.toml") for n in board_names(root)]


def device_config(board: Board) -> dict[str, bytes]:
    """The device files holding the board config: device path -> bytes."""
    return {CONFIG_PATH: board.config_bytes()}


def load_board(path: Path) -> Board:
    path = Path(path)
    ctx = _Ctx(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BoardError(f"board file {path} not found", "check the path") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"{path.name}: not valid TOML: {exc}", f"fix the syntax of {path}") from exc
    return compile_board(raw, path, ctx)


_TOP = {"title", "chip", "package", "arch", "heap", "flash", "mirrors", "relay", "button",
        "switch", "leds", "sensors", "meter", "profile", "role"}


def compile_board(raw: dict, path: Path, ctx: _Ctx | None = None) -> Board:
    ctx = ctx or _Ctx(path)
    _no_unknown(ctx, "", raw, _TOP)
    chip_name = _req(ctx, raw, "chip", str)
    if chip_name not in CHIPS:
        raise ctx.fail("chip", f"unknown chip {chip_name!r}", "use one of: " + ", ".join(CHIPS))
    chip = CHIPS[chip_name]
    arch = _req(ctx, raw, "arch", str)
    if arch not in chip.arch:
        raise ctx.fail("arch", f"{arch!r} is not an architecture of the {chip_name}",
                       f"use arch = {chip.arch[0]!r}")
    package = raw.get("package", "")
    if chip.flash_pins and package not in chip.flash_pins:
        raise ctx.fail("package", f"unknown {chip_name} package {package!r}",
                       "known: " + ", ".join(p for p in chip.flash_pins if p) + " (or leave it out)")
    pins = _Pins(ctx, chip, chip_name, package)
    cfg: dict = {"name": path.stem, "title": _req(ctx, raw, "title", str), "chip": chip_name,
                 "arch": arch,
                 "heap": _size(ctx, "heap", _req(ctx, raw, "heap", (int, str))),
                 "flash": _size(ctx, "flash", _req(ctx, raw, "flash", (int, str)))}
    if cfg["heap"] < 32 * 1024:
        raise ctx.fail("heap", f"{cfg['heap']} bytes is too small for the firmware",
                       "give the MicroPython heap of the board, e.g. heap = \"110K\"")
    if "mirrors" in raw:
        cfg["mirrors"] = _typed(ctx, "mirrors", raw["mirrors"], str)
    for part in ("relay", "switch"):
        if part in raw:
            cfg[part] = _gpio_part(ctx, pins, part, raw[part], _OUT if part == "relay" else _IN)
    if "button" in raw:
        cfg["button"] = _gpio_part(ctx, pins, "button", raw["button"], _IN)
    leds = _typed(ctx, "leds", raw.get("leds", []), list)
    cfg["leds"] = [_led(ctx, pins, f"leds[{i}]", led) for i, led in enumerate(leds)]
    for key, pin in _typed(ctx, "sensors", raw.get("sensors", {}), dict).items():
        pins.take(f"sensors.{key}", pin, _IN)
    cfg["meter"] = _meter(ctx, pins, chip_name, _req(ctx, raw, "meter", dict), raw.get("profile"))
    cfg["role"] = _role(ctx, _req(ctx, raw, "role", dict))
    return Board(name=path.stem, title=cfg["title"], chip=chip_name, arch=arch,
                 heap_bytes=cfg["heap"], flash_bytes=cfg["flash"], path=path, config=cfg)


# -- pins ----------------------------------------------------------------------------------------

class _Pins:
    """Hands out GPIOs, refusing ones the chip lacks, flash pins, input-only outputs and reuse."""

    def __init__(self, ctx: _Ctx, chip: Chip, chip_name: str, package: str):
        self.ctx, self.chip, self.chip_name, self.package = ctx, chip, chip_name, package
        self.used: dict[int, str] = {}

    def take(self, fld: str, pin, direction: str) -> int:
        ctx, chip = self.ctx, self.chip
        if isinstance(pin, bool) or not isinstance(pin, int):
            raise ctx.fail(fld, f"a pin is a GPIO number, not {pin!r}")
        top = max(chip.gpios)
        if pin < 0 or pin > top:
            raise ctx.fail(fld, f"GPIO {pin} is out of range: the {self.chip_name} has GPIO 0-{top}")
        if pin not in chip.gpios:
            raise ctx.fail(fld, f"GPIO {pin} does not exist on the {self.chip_name}")
        flash = chip.flash_pins.get(self.package, frozenset())
        if pin in flash:
            what = f"{self.package} " if self.package else ""
            raise ctx.fail(fld, f"GPIO {pin} is wired to the SPI flash of the {what}{self.chip_name} "
                           f"(flash pins: {_ranges(flash)})", "pick another pin")
        if direction == _OUT and pin in chip.input_only:
            raise ctx.fail(fld, f"GPIO {pin} is input-only on the {self.chip_name} "
                           f"({_ranges(chip.input_only)}) and cannot drive an output",
                           "pick an output-capable pin")
        if pin in self.used:
            raise ctx.fail(fld, f"GPIO {pin} is already used by {self.used[pin]}")
        self.used[pin] = fld
        return pin


def _ranges(pins) -> str:
    pins, out, i = sorted(pins), [], 0
    while i < len(pins):
        j = i
        while j + 1 < len(pins) and pins[j + 1] == pins[j] + 1:
            j += 1
        out.append(str(pins[i]) if i == j else f"{pins[i]}-{pins[j]}")
        i = j + 1
    return ", ".join(out)


def _gpio_part(ctx, pins, name, raw, direction) -> dict:
    raw = _typed(ctx, name, raw, dict)
    _no_unknown(ctx, name, raw, {"pin", "inverted", "pull"})
    out = {"pin": pins.take(f"{name}.pin", _req(ctx, raw, "pin", int, name), direction),
           "inverted": _typed(ctx, f"{name}.inverted", raw.get("inverted", False), bool)}
    pull = raw.get("pull", "none")
    if pull not in ("up", "down", "none"):
        raise ctx.fail(f"{name}.pull", f"{pull!r} is not a pull", "use \"up\", \"down\" or \"none\"")
    if pull != "none":
        if direction == _OUT:
            raise ctx.fail(f"{name}.pull", "an output takes no pull resistor")
        if pins.chip_name == "esp32" and out["pin"] in pins.chip.input_only:
            raise ctx.fail(f"{name}.pull", f"GPIO {out['pin']} has no internal pull resistors",
                           "use an external resistor and pull = \"none\"")
    out["pull"] = pull
    return out


def _led(ctx, pins, name, raw) -> dict:
    raw = _typed(ctx, name, raw, dict)
    _no_unknown(ctx, name, raw, {"pin", "inverted", "kind", "count"})
    kind = raw.get("kind", "gpio")
    if kind not in ("gpio", "ws2812"):
        raise ctx.fail(f"{name}.kind", f"unknown LED kind {kind!r}", "use \"gpio\" or \"ws2812\"")
    count = _typed(ctx, f"{name}.count", raw.get("count", 1), int)
    if not 1 <= count <= 64:
        raise ctx.fail(f"{name}.count", f"{count} LEDs on one pin is out of range (1-64)")
    return {"pin": pins.take(f"{name}.pin", _req(ctx, raw, "pin", int, name), _OUT), "kind": kind,
            "count": count, "inverted": _typed(ctx, f"{name}.inverted", raw.get("inverted", False), bool)}


# -- meters --------------------------------------------------------------------------------------

# Pulse-output meter chips: CF (power), CF1 (voltage or current, chosen by SEL).
# BL0937 (datasheet): f_CF = 1721506 Vv Vi / Vref^2, f_CFU = 15397 Vv / Vref, f_CFI = 94638 Vi / Vref.
# HLW8012 (datasheet): f_CF = 48 Vv Vi fosc / (128 Vref^2), f_CFU = 2 Vv fosc / (512 Vref),
# f_CFI = 24 Vi fosc / (512 Vref), fosc = 3.579 MHz.
_FOSC = 3.579e6
_PULSE_CHIPS = {
    "bl0937": {"vref": 1.218, "kp": 1721506.0, "kv": 15397.0, "ki": 94638.0, "sel_current": 1},
    "hlw8012": {"vref": 2.43, "kp": 48 * _FOSC / 128, "kv": 2 * _FOSC / 512,
                "ki": 24 * _FOSC / 512, "sel_current": 1},
}


def _pulse_meter(ctx, pins, driver, raw) -> dict:
    _no_unknown(ctx, "meter", raw, {"driver", "cf", "cf1", "sel", "sel_inverted",
                                    "current_resistor", "voltage_divider"})
    k = _PULSE_CHIPS[driver]
    r_shunt = _quantity(ctx, "meter.current_resistor", _req(ctx, raw, "current_resistor",
                                                              (str, int, float), "meter"), "resistance")
    divider = _typed(ctx, "meter.voltage_divider", _req(ctx, raw, "voltage_divider", (int, float),
                                                        "meter"), (int, float))
    if not 1e-5 <= r_shunt <= 1.0:
        raise ctx.fail("meter.current_resistor", f"{r_shunt} Ohm is not a shunt (expected 10 uOhm-1 Ohm)",
                       "give it with its unit, e.g. \"1 mOhm\"")
    if not 1 <= divider <= 100000:
        raise ctx.fail("meter.voltage_divider", f"{divider} is not a divider ratio (1-100000)")
    inverted = _typed(ctx, "meter.sel_inverted", raw.get("sel_inverted", False), bool)
    vref = k["vref"]
    w_per_hz = vref * vref * divider / (r_shunt * k["kp"])  # = joules per CF pulse
    v_per_hz = vref * divider / k["kv"]
    a_per_hz = vref / (r_shunt * k["ki"])
    return {"driver": driver,
            "cf": pins.take("meter.cf", _req(ctx, raw, "cf", int, "meter"), _IN),
            "cf1": pins.take("meter.cf1", _req(ctx, raw, "cf1", int, "meter"), _IN),
            "sel": pins.take("meter.sel", _req(ctx, raw, "sel", int, "meter"), _OUT),
            "sel_current": k["sel_current"] ^ int(inverted),  # SEL pin level that selects current
            "mj_per_cf": round(w_per_hz * 1000), "uv_per_hz": round(v_per_hz * 1e6),
            "ua_per_hz": round(a_per_hz * 1e6)}


def _cse7766(ctx, pins, raw) -> dict:
    _no_unknown(ctx, "meter", raw, {"driver", "rx", "uart", "voltage_ratio", "current_ratio",
                                    "power_ratio"})
    out = {"driver": "cse7766", "rx": pins.take("meter.rx", _req(ctx, raw, "rx", int, "meter"), _IN),
           "uart": _typed(ctx, "meter.uart", raw.get("uart", 1), int)}
    if out["uart"] not in (1, 2):
        raise ctx.fail("meter.uart", f"UART {out['uart']} is not free for a meter", "use 1 (or 2 on the ESP32)")
    for key in ("voltage_ratio", "current_ratio", "power_ratio"):
        ratio = _typed(ctx, f"meter.{key}", raw.get(key, 1.0), (int, float))
        if not 0.5 <= ratio <= 2.0:
            raise ctx.fail(f"meter.{key}", f"{ratio} is not a correction ratio (0.5-2.0)")
        out[key[0] + "_permille"] = round(ratio * 1000)
    return out


def _ade7953(ctx, pins, raw) -> dict:
    _no_unknown(ctx, "meter", raw, {"driver", "sda", "scl", "irq", "reset", "address", "channel",
                                    "watt_counts", "vrms_counts", "irms_counts", "energy_counts"})
    out = {"driver": "ade7953",
           "sda": pins.take("meter.sda", _req(ctx, raw, "sda", int, "meter"), _OUT),
           "scl": pins.take("meter.scl", _req(ctx, raw, "scl", int, "meter"), _OUT),
           "address": _typed(ctx, "meter.address", raw.get("address", 0x38), int)}
    if out["address"] != 0x38:
        raise ctx.fail("meter.address", f"0x{out['address']:02x}: the ADE7953 answers at 0x38 only")
    if "irq" in raw:
        out["irq"] = pins.take("meter.irq", raw["irq"], _IN)
    if "reset" in raw:
        out["reset"] = pins.take("meter.reset", raw["reset"], _OUT)
    channel = raw.get("channel", "a")
    if channel not in ("a", "b"):
        raise ctx.fail("meter.channel", f"{channel!r} is not a channel", "use \"a\" or \"b\"")
    out["channel"] = channel
    for key in ("watt_counts", "vrms_counts", "irms_counts", "energy_counts"):
        val = _typed(ctx, f"meter.{key}", _req(ctx, raw, key, int, "meter"), int)
        if val <= 0:
            raise ctx.fail(f"meter.{key}", f"{val} counts per unit must be positive")
        out[key] = val
    return out


def _virtual_meter(ctx, raw, profile) -> dict:
    _no_unknown(ctx, "meter", raw, {"driver"})
    if profile is None:
        raise ctx.fail("profile", "a virtual meter needs a [profile] (kind = load, pv or setpoint)")
    profile = _typed(ctx, "profile", profile, dict)
    kind = _req(ctx, profile, "kind", str, "profile")
    if kind == "load":
        _no_unknown(ctx, "profile", profile, {"kind", "relay_gated", "points"})
        pts = _typed(ctx, "profile.points", _req(ctx, profile, "points", list, "profile"), list)
        points = []
        for i, pt in enumerate(pts):
            fld = f"profile.points[{i}]"
            if not (isinstance(pt, list) and len(pt) == 2):
                raise ctx.fail(fld, "a point is [\"HH:MM\", \"power W\"]")
            points.append([_clock(ctx, fld, pt[0]), round(_quantity(ctx, fld, pt[1], "power"))])
        if not points or points[0][0] != 0:
            raise ctx.fail("profile.points", "the first point must be at \"00:00\"")
        if any(b[0] <= a[0] for a, b in zip(points, points[1:])):
            raise ctx.fail("profile.points", "times must increase")
        return {"driver": "virtual", "kind": "load", "points": points,
                "gated": _typed(ctx, "profile.relay_gated", profile.get("relay_gated", True), bool)}
    if kind == "pv":
        _no_unknown(ctx, "profile", profile, {"kind", "peak", "sunrise", "sunset", "step"})
        peak = _quantity(ctx, "profile.peak", _req(ctx, profile, "peak", str, "profile"), "power")
        rise = _clock(ctx, "profile.sunrise", _req(ctx, profile, "sunrise", str, "profile"))
        sset = _clock(ctx, "profile.sunset", _req(ctx, profile, "sunset", str, "profile"))
        step = round(_quantity(ctx, "profile.step", profile.get("step", "15 min"), "duration") / 60)
        if not rise < sset:
            raise ctx.fail("profile.sunset", "the sun must set after it rises")
        if not 1 <= step <= 120:
            raise ctx.fail("profile.step", f"{step} min is out of range (1-120 min)")
        points = [[0, 0]]
        for t in range(rise, sset, step):  # production as negative power, mid-step of a half sine
            mid = t + step / 2
            points.append([t, -round(peak * math.sin(math.pi * (mid - rise) / (sset - rise)))])
        points.append([sset, 0])
        return {"driver": "virtual", "kind": "load", "points": points, "gated": False}
    if kind == "setpoint":
        _no_unknown(ctx, "profile", profile, {"kind", "max_charge", "max_discharge"})
        return {"driver": "virtual", "kind": "setpoint", "points": [[0, 0]], "gated": False,
                "max_charge_w": round(_quantity(ctx, "profile.max_charge",
                                                _req(ctx, profile, "max_charge", str, "profile"), "power")),
                "max_discharge_w": round(_quantity(ctx, "profile.max_discharge",
                                                   _req(ctx, profile, "max_discharge", str, "profile"),
                                                   "power"))}
    raise ctx.fail("profile.kind", f"unknown profile kind {kind!r}", "use load, pv or setpoint")


METER_DRIVERS = ("bl0937", "hlw8012", "cse7766", "ade7953", "virtual")


def _meter(ctx, pins, chip_name, raw, profile) -> dict:
    driver = _req(ctx, raw, "driver", str, "meter")
    if driver not in METER_DRIVERS:
        close = difflib.get_close_matches(driver, METER_DRIVERS, n=1)
        raise ctx.fail("meter.driver", f"unknown meter driver {driver!r}",
                       (f"did you mean {close[0]!r}? " if close else "") + "known: " + ", ".join(METER_DRIVERS))
    if (driver == "virtual") != (chip_name == "unix"):
        raise ctx.fail("meter.driver", "virtual boards (chip = \"unix\") take the virtual meter, and only they",
                       "use driver = \"virtual\" with chip = \"unix\", a chip driver otherwise")
    if profile is not None and driver != "virtual":
        raise ctx.fail("profile", "only a virtual meter follows a profile")
    if driver in _PULSE_CHIPS:
        return _pulse_meter(ctx, pins, driver, raw)
    if driver == "cse7766":
        return _cse7766(ctx, pins, raw)
    if driver == "ade7953":
        return _ade7953(ctx, pins, raw)
    return _virtual_meter(ctx, raw, profile)


# -- role ----------------------------------------------------------------------------------------

def _role(ctx, raw) -> dict:
    _no_unknown(ctx, "role", raw, {"role", "personality", "max_power", "capacity", "efficiency",
                                   "soc_min", "soc_max", "params"})
    role = _req(ctx, raw, "role", str, "role")
    if role not in ROLES:
        raise ctx.fail("role.role", f"unknown role {role!r}", "use one of: " + ", ".join(ROLES))
    pers = _req(ctx, raw, "personality", str, "role")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", pers):
        raise ctx.fail("role.personality", f"{pers!r} is not a personality name")
    out: dict = {"role": role, "personality": pers}
    if "max_power" in raw:
        out["max_power_w"] = round(_quantity(ctx, "role.max_power", raw["max_power"], "power"))
    if "capacity" in raw:
        out["capacity_wh"] = round(_quantity(ctx, "role.capacity", raw["capacity"], "energy"))
    for key in ("efficiency", "soc_min", "soc_max"):
        if key in raw:
            val = _typed(ctx, f"role.{key}", raw[key], (int, float))
            if not 0 <= val <= 1:
                raise ctx.fail(f"role.{key}", f"{val} is not a fraction (0-1)")
            out[key] = float(val)
    if role == "battery" and "capacity_wh" not in out:
        raise ctx.fail("role.capacity", "a battery needs its capacity, e.g. capacity = \"10 kWh\"")
    if out.get("soc_min", 0.0) >= out.get("soc_max", 1.0):
        raise ctx.fail("role.soc_min", "soc_min must be below soc_max")
    params = _typed(ctx, "role.params", raw.get("params", {}), dict)
    for key, val in params.items():
        if not isinstance(val, (bool, int, float, str)):
            raise ctx.fail(f"role.params.{key}", "parameters are numbers, booleans or strings")
    if params:
        out["params"] = params
    return out


# -- values --------------------------------------------------------------------------------------

def _req(ctx, raw, key, kind, where=""):
    fld = f"{where}.{key}" if where else key
    if key not in raw:
        raise ctx.fail(fld, "missing field")
    return _typed(ctx, fld, raw[key], kind)


def _typed(ctx, fld, value, kind):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        names = " or ".join({int: "an integer", float: "a number", str: "a string", bool: "true/false",
                             dict: "a table", list: "a list"}[k] for k in kinds)
        raise ctx.fail(fld, f"expected {names}, got {value!r}")
    return value


def _no_unknown(ctx, where, raw, known):
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            fld = f"{where}.{key}" if where else key
            raise ctx.fail(fld, "unknown field" + (f" (did you mean {close[0]!r}?)" if close else ""))


def _size(ctx, fld, value) -> int:
    if isinstance(value, int):
        if value <= 0:
            raise ctx.fail(fld, f"{value} bytes must be positive")
        return value
    return int(_quantity(ctx, fld, value, "size"))


def _quantity(ctx, fld, value, kind) -> float:
    """``"1 mOhm"`` -> 0.001 (in the kind's base unit); a bare number is refused for physics."""
    units = _UNITS[kind]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "" in units:
            return value
        raise ctx.fail(fld, f"{value!r} needs a unit ({', '.join(units)})",
                       f"write it as a string, e.g. \"{value} {next(iter(units))}\"")
    if not isinstance(value, str):
        raise ctx.fail(fld, f"expected a quantity such as \"10 {next(iter(units)) or 'K'}\", got {value!r}")
    m = _QUANTITY.match(value)
    if not m:
        raise ctx.fail(fld, f"{value!r} is not a number with a unit")
    number, unit = float(m.group(1).replace("_", "")), m.group(2)
    if unit not in units:
        raise ctx.fail(fld, f"unknown unit {unit!r} in {value!r}",
                       "use one of: " + ", ".join(u or "(none)" for u in units))
    return number * units[unit]


def _clock(ctx, fld, value) -> int:
    """``"07:30"`` -> minutes after midnight."""
    m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", value) if isinstance(value, str) else None
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ctx.fail(fld, f"{value!r} is not a time of day", "write it as \"HH:MM\", e.g. \"07:30\"")
    return int(m.group(1)) * 60 + int(m.group(2))
