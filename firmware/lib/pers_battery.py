# Battery: plans charge and discharge over the market's price forecast, inside its limits.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython. The plan and the
# tender are in battery_plan.py, imported for each tender and dropped after it (in small
# functions: each a block the fragmented heap of a trading board still finds): a board pays
# heap for them only while it plans.
import sys

from personalities import PM, interval_wh, clamp


# params: capacity_wh, power_w, soc_min_pm, soc_max_pm, eff_pm (round trip, charged on the way in)
# state: soc_wh

_LEVELS = 32  # most levels of the charge the plan keeps apart


def shape(params, market):
    """(lowest soc Wh, Wh between levels, levels, efficiency per-mille, grid Wh of an interval
    at full power)."""
    cap = params["capacity_wh"]
    lo = cap * params.get("soc_min_pm", 100) // PM
    span = cap * params.get("soc_max_pm", 950) // PM - lo
    dq = -(-span // _LEVELS) if span > 0 else 1
    return (lo, dq, span // dq if span > 0 else 0, params.get("eff_pm", 900) or 1,
            interval_wh(params["power_w"], market["interval"]))


def room_of(params, state, market):
    """(grid Wh it can take in, Wh it can give out) this interval."""
    lo, dq, n, eff, full = shape(params, market)
    soc = state["soc_wh"]
    return clamp((lo + n * dq - soc) * PM // eff, 0, full), clamp(soc - lo, 0, full)


def tender(params, state, market, forecast):
    plan = __import__("battery_plan")
    try:
        return plan.tender(params, state, market)
    finally:
        del sys.modules["battery_plan"]  # its code costs heap only while it plans


def dispatch(params, state, market, forecast, award_wh, side):
    room, avail = room_of(params, state, market)
    if side == "buy":
        return clamp(award_wh, 0, room)
    if side == "sell":
        return -clamp(award_wh, 0, avail)
    return 0


def island(params, state, market, forecast):
    """Offline: hold the charge for when the market (or an outage) needs it."""
    return 0


def advance(params, state, market, forecast, wh):
    new = dict(state)
    eff = params.get("eff_pm", 900)
    soc = state["soc_wh"] + (wh * eff // PM if wh > 0 else wh)
    new["soc_wh"] = clamp(soc, 0, params["capacity_wh"])
    return new


def init(params, now):
    return {"soc_wh": params.get("soc_wh", params["capacity_wh"] // 2)}
