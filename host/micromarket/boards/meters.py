"""Meter tables of board files: each chip driver's pins, checks and compiled calibration."""

from __future__ import annotations

import difflib
import math

from .values import clock, no_unknown, quantity, req, typed

IN, OUT = "input", "output"

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
    no_unknown(ctx, "meter", raw, {"driver", "cf", "cf1", "sel", "sel_inverted",
                                    "current_resistor", "voltage_divider"})
    k = _PULSE_CHIPS[driver]
    r_shunt = quantity(ctx, "meter.current_resistor", req(ctx, raw, "current_resistor",
                                                              (str, int, float), "meter"), "resistance")
    divider = typed(ctx, "meter.voltage_divider", req(ctx, raw, "voltage_divider", (int, float),
                                                        "meter"), (int, float))
    if not 1e-5 <= r_shunt <= 1.0:
        raise ctx.fail("meter.current_resistor", f"{r_shunt} Ohm is not a shunt (expected 10 uOhm-1 Ohm)",
                       "give it with its unit, e.g. \"1 mOhm\"")
    if not 1 <= divider <= 100000:
        raise ctx.fail("meter.voltage_divider", f"{divider} is not a divider ratio (1-100000)")
    inverted = typed(ctx, "meter.sel_inverted", raw.get("sel_inverted", False), bool)
    vref = k["vref"]
    w_per_hz = vref * vref * divider / (r_shunt * k["kp"])  # = joules per CF pulse
    v_per_hz = vref * divider / k["kv"]
    a_per_hz = vref / (r_shunt * k["ki"])
    return {"driver": driver,
            "cf": pins.take("meter.cf", req(ctx, raw, "cf", int, "meter"), IN),
            "cf1": pins.take("meter.cf1", req(ctx, raw, "cf1", int, "meter"), IN),
            "sel": pins.take("meter.sel", req(ctx, raw, "sel", int, "meter"), OUT),
            "sel_current": k["sel_current"] ^ int(inverted),  # SEL pin level that selects current
            "mj_per_cf": round(w_per_hz * 1000), "uv_per_hz": round(v_per_hz * 1e6),
            "ua_per_hz": round(a_per_hz * 1e6)}


def _cse7766(ctx, pins, raw) -> dict:
    no_unknown(ctx, "meter", raw, {"driver", "rx", "uart", "voltage_ratio", "current_ratio",
                                    "power_ratio"})
    out = {"driver": "cse7766", "rx": pins.take("meter.rx", req(ctx, raw, "rx", int, "meter"), IN),
           "uart": typed(ctx, "meter.uart", raw.get("uart", 1), int)}
    if out["uart"] not in (1, 2):
        raise ctx.fail("meter.uart", f"UART {out['uart']} is not free for a meter", "use 1 (or 2 on the ESP32)")
    for key in ("voltage_ratio", "current_ratio", "power_ratio"):
        ratio = typed(ctx, f"meter.{key}", raw.get(key, 1.0), (int, float))
        if not 0.5 <= ratio <= 2.0:
            raise ctx.fail(f"meter.{key}", f"{ratio} is not a correction ratio (0.5-2.0)")
        out[key[0] + "_permille"] = round(ratio * 1000)
    return out


def _ade7953(ctx, pins, raw) -> dict:
    no_unknown(ctx, "meter", raw, {"driver", "sda", "scl", "irq", "reset", "address", "channel",
                                    "watt_counts", "vrms_counts", "irms_counts", "energy_counts"})
    out = {"driver": "ade7953",
           "sda": pins.take("meter.sda", req(ctx, raw, "sda", int, "meter"), OUT),
           "scl": pins.take("meter.scl", req(ctx, raw, "scl", int, "meter"), OUT),
           "address": typed(ctx, "meter.address", raw.get("address", 0x38), int)}
    if out["address"] != 0x38:
        raise ctx.fail("meter.address", f"0x{out['address']:02x}: the ADE7953 answers at 0x38 only")
    if "irq" in raw:
        out["irq"] = pins.take("meter.irq", raw["irq"], IN)
    if "reset" in raw:
        out["reset"] = pins.take("meter.reset", raw["reset"], OUT)
    channel = raw.get("channel", "a")
    if channel not in ("a", "b"):
        raise ctx.fail("meter.channel", f"{channel!r} is not a channel", "use \"a\" or \"b\"")
    out["channel"] = channel
    for key in ("watt_counts", "vrms_counts", "irms_counts", "energy_counts"):
        val = typed(ctx, f"meter.{key}", req(ctx, raw, key, int, "meter"), int)
        if val <= 0:
            raise ctx.fail(f"meter.{key}", f"{val} counts per unit must be positive")
        out[key] = val
    return out


def _virtual_meter(ctx, raw, profile) -> dict:
    no_unknown(ctx, "meter", raw, {"driver"})
    if profile is None:
        raise ctx.fail("profile", "a virtual meter needs a [profile] (kind = load, pv or setpoint)")
    profile = typed(ctx, "profile", profile, dict)
    kind = req(ctx, profile, "kind", str, "profile")
    if kind == "load":
        no_unknown(ctx, "profile", profile, {"kind", "relay_gated", "points"})
        pts = typed(ctx, "profile.points", req(ctx, profile, "points", list, "profile"), list)
        points = []
        for i, pt in enumerate(pts):
            fld = f"profile.points[{i}]"
            if not (isinstance(pt, list) and len(pt) == 2):
                raise ctx.fail(fld, "a point is [\"HH:MM\", \"power W\"]")
            points.append([clock(ctx, fld, pt[0]), round(quantity(ctx, fld, pt[1], "power"))])
        if not points or points[0][0] != 0:
            raise ctx.fail("profile.points", "the first point must be at \"00:00\"")
        if any(b[0] <= a[0] for a, b in zip(points, points[1:])):
            raise ctx.fail("profile.points", "times must increase")
        return {"driver": "virtual", "kind": "load", "points": points,
                "gated": typed(ctx, "profile.relay_gated", profile.get("relay_gated", True), bool)}
    if kind == "pv":
        no_unknown(ctx, "profile", profile, {"kind", "peak", "sunrise", "sunset", "step"})
        peak = quantity(ctx, "profile.peak", req(ctx, profile, "peak", str, "profile"), "power")
        rise = clock(ctx, "profile.sunrise", req(ctx, profile, "sunrise", str, "profile"))
        sset = clock(ctx, "profile.sunset", req(ctx, profile, "sunset", str, "profile"))
        step = round(quantity(ctx, "profile.step", profile.get("step", "15 min"), "duration") / 60)
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
        no_unknown(ctx, "profile", profile, {"kind", "max_charge", "max_discharge"})
        return {"driver": "virtual", "kind": "setpoint", "points": [[0, 0]], "gated": False,
                "max_charge_w": round(quantity(ctx, "profile.max_charge",
                                                req(ctx, profile, "max_charge", str, "profile"), "power")),
                "max_discharge_w": round(quantity(ctx, "profile.max_discharge",
                                                   req(ctx, profile, "max_discharge", str, "profile"),
                                                   "power"))}
    raise ctx.fail("profile.kind", f"unknown profile kind {kind!r}", "use load, pv or setpoint")


METER_DRIVERS = ("bl0937", "hlw8012", "cse7766", "ade7953", "virtual")


def compile_meter(ctx, pins, chip_name, raw, profile) -> dict:
    driver = req(ctx, raw, "driver", str, "meter")
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


