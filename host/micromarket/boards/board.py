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
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BoardError
from ..paths import BOARDS_DIR
from .meters import METER_DRIVERS, compile_meter  # noqa: F401  (METER_DRIVERS re-exported)
from .meters import IN as _IN
from .meters import OUT as _OUT
from .values import Ctx, no_unknown, quantity, req, size, typed

CONFIG_PATH = "config/board.json"


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
    ctx = Ctx(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BoardError(f"board file {path} not found", "check the path") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"board file {path.name}: not valid TOML: {exc}", f"fix the syntax of {path}") from exc
    except IsADirectoryError as exc:
        raise BoardError(f"board file {path} is a directory", "give a .toml file or a board name") from exc
    except UnicodeDecodeError as exc:
        raise BoardError(f"board file {path} is not text", "give a board definition in TOML") from exc
    except OSError as exc:
        raise BoardError(f"cannot read board file {path}: {exc.strerror}", "check the path") from exc
    return compile_board(raw, path, ctx)


_TOP = {"title", "chip", "package", "arch", "heap", "flash", "mirrors", "relay", "button",
        "switch", "leds", "sensors", "meter", "profile", "role"}


def compile_board(raw: dict, path: Path, ctx: Ctx | None = None) -> Board:
    ctx = ctx or Ctx(path)
    no_unknown(ctx, "", raw, _TOP)
    chip_name = req(ctx, raw, "chip", str)
    if chip_name not in CHIPS:
        raise ctx.fail("chip", f"unknown chip {chip_name!r}", "use one of: " + ", ".join(CHIPS))
    chip = CHIPS[chip_name]
    arch = req(ctx, raw, "arch", str)
    if arch not in chip.arch:
        raise ctx.fail("arch", f"{arch!r} is not an architecture of the {chip_name}",
                       f"use arch = {chip.arch[0]!r}")
    package = raw.get("package", "")
    if chip.flash_pins and package not in chip.flash_pins:
        raise ctx.fail("package", f"unknown {chip_name} package {package!r}",
                       "known: " + ", ".join(p for p in chip.flash_pins if p) + " (or leave it out)")
    pins = _Pins(ctx, chip, chip_name, package)
    cfg: dict = {"name": path.stem, "title": req(ctx, raw, "title", str), "chip": chip_name,
                 "arch": arch,
                 "heap": size(ctx, "heap", req(ctx, raw, "heap", (int, str))),
                 "flash": size(ctx, "flash", req(ctx, raw, "flash", (int, str)))}
    if cfg["heap"] < 32 * 1024:
        raise ctx.fail("heap", f"{cfg['heap']} bytes is too small for the firmware",
                       "give the MicroPython heap of the board, e.g. heap = \"110K\"")
    if "mirrors" in raw:
        cfg["mirrors"] = typed(ctx, "mirrors", raw["mirrors"], str)
    for part in ("relay", "switch"):
        if part in raw:
            cfg[part] = _gpio_part(ctx, pins, part, raw[part], _OUT if part == "relay" else _IN)
    if "button" in raw:
        cfg["button"] = _gpio_part(ctx, pins, "button", raw["button"], _IN)
    leds = typed(ctx, "leds", raw.get("leds", []), list)
    cfg["leds"] = [_led(ctx, pins, f"leds[{i}]", led) for i, led in enumerate(leds)]
    for key, pin in typed(ctx, "sensors", raw.get("sensors", {}), dict).items():
        pins.take(f"sensors.{key}", pin, _IN)
    cfg["meter"] = compile_meter(ctx, pins, chip_name, req(ctx, raw, "meter", dict), raw.get("profile"))
    cfg["role"] = _role(ctx, req(ctx, raw, "role", dict))
    return Board(name=path.stem, title=cfg["title"], chip=chip_name, arch=arch,
                 heap_bytes=cfg["heap"], flash_bytes=cfg["flash"], path=path, config=cfg)


# -- pins ----------------------------------------------------------------------------------------

class _Pins:
    """Hands out GPIOs, refusing ones the chip lacks, flash pins, input-only outputs and reuse."""

    def __init__(self, ctx: Ctx, chip: Chip, chip_name: str, package: str):
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
    raw = typed(ctx, name, raw, dict)
    no_unknown(ctx, name, raw, {"pin", "inverted", "pull"})
    out = {"pin": pins.take(f"{name}.pin", req(ctx, raw, "pin", int, name), direction),
           "inverted": typed(ctx, f"{name}.inverted", raw.get("inverted", False), bool)}
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
    raw = typed(ctx, name, raw, dict)
    no_unknown(ctx, name, raw, {"pin", "inverted", "kind", "count"})
    kind = raw.get("kind", "gpio")
    if kind not in ("gpio", "ws2812"):
        raise ctx.fail(f"{name}.kind", f"unknown LED kind {kind!r}", "use \"gpio\" or \"ws2812\"")
    count = typed(ctx, f"{name}.count", raw.get("count", 1), int)
    if not 1 <= count <= 64:
        raise ctx.fail(f"{name}.count", f"{count} LEDs on one pin is out of range (1-64)")
    return {"pin": pins.take(f"{name}.pin", req(ctx, raw, "pin", int, name), _OUT), "kind": kind,
            "count": count, "inverted": typed(ctx, f"{name}.inverted", raw.get("inverted", False), bool)}


# -- role ----------------------------------------------------------------------------------------

def _role(ctx, raw) -> dict:
    no_unknown(ctx, "role", raw, {"role", "personality", "max_power", "capacity", "efficiency",
                                   "soc_min", "soc_max", "params"})
    role = req(ctx, raw, "role", str, "role")
    if role not in ROLES:
        raise ctx.fail("role.role", f"unknown role {role!r}", "use one of: " + ", ".join(ROLES))
    pers = req(ctx, raw, "personality", str, "role")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", pers):
        raise ctx.fail("role.personality", f"{pers!r} is not a personality name")
    out: dict = {"role": role, "personality": pers}
    if "max_power" in raw:
        out["max_power_w"] = round(quantity(ctx, "role.max_power", raw["max_power"], "power"))
    if "capacity" in raw:
        out["capacity_wh"] = round(quantity(ctx, "role.capacity", raw["capacity"], "energy"))
    for key in ("efficiency", "soc_min", "soc_max"):
        if key in raw:
            val = typed(ctx, f"role.{key}", raw[key], (int, float))
            if not 0 <= val <= 1:
                raise ctx.fail(f"role.{key}", f"{val} is not a fraction (0-1)")
            out[key] = float(val)
    if role == "battery" and "capacity_wh" not in out:
        raise ctx.fail("role.capacity", "a battery needs its capacity, e.g. capacity = \"10 kWh\"")
    if out.get("soc_min", 0.0) >= out.get("soc_max", 1.0):
        raise ctx.fail("role.soc_min", "soc_min must be below soc_max")
    params = typed(ctx, "role.params", raw.get("params", {}), dict)
    for key, val in params.items():
        if not isinstance(val, (bool, int, float, str)):
            raise ctx.fail(f"role.params.{key}", "parameters are numbers, booleans or strings")
    if params:
        out["params"] = params
    return out


