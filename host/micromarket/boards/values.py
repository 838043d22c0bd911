"""Typed, unit-aware reading of board-file values, with errors that name file and field."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from ..errors import BoardError

UNITS = {
    "size": {"": 1, "B": 1, "K": 1024, "KB": 1024, "KiB": 1024,
             "M": 1 << 20, "MB": 1 << 20, "MiB": 1 << 20},
    "resistance": {"Ohm": 1.0, "ohm": 1.0, "Ω": 1.0, "mOhm": 1e-3, "mohm": 1e-3, "mΩ": 1e-3},
    "power": {"W": 1.0, "kW": 1e3},
    "energy": {"Wh": 1.0, "kWh": 1e3},
    "duration": {"s": 1.0, "min": 60.0, "h": 3600.0},
}
QUANTITY = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*(\S*)\s*$")


class Ctx:
    """Where we are in a board file, for error messages."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, fld: str, problem: str, hint: str = "") -> BoardError:
        return BoardError(f"{self.path.name}: {fld}: {problem}",
                          hint or f"fix {self.path} (see the other files in boards/ for examples)")


# -- values --------------------------------------------------------------------------------------

def req(ctx, raw, key, kind, where=""):
    fld = f"{where}.{key}" if where else key
    if key not in raw:
        raise ctx.fail(fld, "missing field")
    return typed(ctx, fld, raw[key], kind)


def typed(ctx, fld, value, kind):
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


def no_unknown(ctx, where, raw, known):
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            fld = f"{where}.{key}" if where else key
            raise ctx.fail(fld, "unknown field" + (f" (did you mean {close[0]!r}?)" if close else ""))


def size(ctx, fld, value) -> int:
    if isinstance(value, int):
        if value <= 0:
            raise ctx.fail(fld, f"{value} bytes must be positive")
        return value
    return int(quantity(ctx, fld, value, "size"))


def quantity(ctx, fld, value, kind) -> float:
    """``"1 mOhm"`` -> 0.001 (in the kind's base unit); a bare number is refused for physics."""
    units = UNITS[kind]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "" in units:
            return value
        raise ctx.fail(fld, f"{value!r} needs a unit ({', '.join(units)})",
                       f"write it as a string, e.g. \"{value} {next(iter(units))}\"")
    if not isinstance(value, str):
        raise ctx.fail(fld, f"expected a quantity such as \"10 {next(iter(units)) or 'K'}\", got {value!r}")
    m = QUANTITY.match(value)
    if not m:
        raise ctx.fail(fld, f"{value!r} is not a number with a unit")
    number, unit = float(m.group(1).replace("_", "")), m.group(2)
    if unit not in units:
        raise ctx.fail(fld, f"unknown unit {unit!r} in {value!r}",
                       "use one of: " + ", ".join(u or "(none)" for u in units))
    return number * units[unit]


def clock(ctx, fld, value) -> int:
    """``"07:30"`` -> minutes after midnight."""
    m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", value) if isinstance(value, str) else None
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ctx.fail(fld, f"{value!r} is not a time of day", "write it as \"HH:MM\", e.g. \"07:30\"")
    return int(m.group(1)) * 60 + int(m.group(2))
