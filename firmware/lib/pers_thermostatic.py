# Thermostatic load: keeps a temperature inside a comfort band, heating (cooling) ahead into
# the cheap intervals of the market's price forecast.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython. The plan and the
# tender are in thermo_plan.py, imported for each tender and dropped after it: a board pays
# heap for them only while it plans.
import sys

from personalities import PM, interval_wh, clamp


# params: power_w, lo_mc, hi_mc (comfort band, milli-degC), mode "heat" or "cool",
#         loss_pm_h (per-mille of the indoor-outdoor gap lost per hour),
#         gain_mc_wh (milli-degC moved per Wh of the appliance), temp_out_mc (default outdoor)
# state: temp_mc



def thermal_step(params, temp_mc, market, forecast, wh):
    """The simple thermal model: one interval of leakage toward outdoors plus the appliance."""
    out = (forecast or {}).get("temp_out_mc", params.get("temp_out_mc", 10000))
    leak = (out - temp_mc) * params["loss_pm_h"] * market["interval"] // (PM * 3600)
    move = wh * params["gain_mc_wh"]
    if params.get("mode", "heat") == "cool":
        move = -move
    return temp_mc + leak + move


def above(params, temp):
    """How far ``temp`` is inside the band from the edge where it must run (mc)."""
    if params.get("mode", "heat") == "cool":
        return params["hi_mc"] - temp
    return temp - params["lo_mc"]


def need(params, state, market, forecast):
    """(Wh this interval can take, Wh needed to stay in the band)."""
    full = interval_wh(params["power_w"], market["interval"])
    short = -above(params, thermal_step(params, state["temp_mc"], market, forecast, 0))
    must = -(-short // params["gain_mc_wh"]) if short > 0 else 0
    return full, clamp(must, 0, full)


def tender(params, state, market, forecast):
    plan = __import__("thermo_plan")
    try:
        return plan.tender(params, state, market, forecast)
    finally:
        del sys.modules["thermo_plan"]  # its code costs heap only while it plans


def dispatch(params, state, market, forecast, award_wh, side):
    full, must = need(params, state, market, forecast)
    return clamp(award_wh, must, full) if side == "buy" else must


def island(params, state, market, forecast):
    """Offline: bang-bang around the middle of the band."""
    full, must = need(params, state, market, forecast)
    middle = (params["hi_mc"] - params["lo_mc"]) // 2
    return full if above(params, state["temp_mc"]) <= middle else must


def advance(params, state, market, forecast, wh):
    new = dict(state)
    new["temp_mc"] = thermal_step(params, state["temp_mc"], market, forecast,
                                  wh if wh > 0 else 0)
    return new


def init(params, now):
    return {"temp_mc": params.get("temp_mc", (params["lo_mc"] + params["hi_mc"]) // 2)}
