# Thermostatic load: keeps a temperature inside a comfort band.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython.
from personalities import PM, interval_wh, clamp, between, offer


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


def _thermo_need(params, state, market, forecast):
    """(Wh this interval can take, Wh needed to stay in the band, discomfort per-mille)."""
    full = interval_wh(params["power_w"], market["interval"])
    lo, hi = params["lo_mc"], params["hi_mc"]
    idle = thermal_step(params, state["temp_mc"], market, forecast, 0)
    cool = params.get("mode", "heat") == "cool"
    # distance past the comfortable edge, as if heating (mirror for cooling)
    short = (idle - hi) if cool else (lo - idle)
    must = -(-short // params["gain_mc_wh"]) if short > 0 else 0
    must = clamp(must, 0, full)
    t = state["temp_mc"]
    pos = (t - lo) if cool else (hi - t)
    discomfort = clamp(pos * PM // (hi - lo), 0, PM)
    return full, must, discomfort


def tender(params, state, market, forecast):
    full, must, discomfort = _thermo_need(params, state, market, forecast)
    if discomfort <= 0 and must <= 0:
        return None
    return offer("buy", [[market["cap"], must],
                           [between(market, discomfort), full - must]], market)


def dispatch(params, state, market, forecast, award_wh, side):
    full, must, discomfort = _thermo_need(params, state, market, forecast)
    return clamp(award_wh, must, full) if side == "buy" else must


def island(params, state, market, forecast):
    """Offline: bang-bang around the middle of the band."""
    full, must, discomfort = _thermo_need(params, state, market, forecast)
    return full if discomfort >= PM // 2 else must


def advance(params, state, market, forecast, wh):
    new = dict(state)
    new["temp_mc"] = thermal_step(params, state["temp_mc"], market, forecast,
                                  wh if wh > 0 else 0)
    return new


def init(params, now):
    return {"temp_mc": params.get("temp_mc", (params["lo_mc"] + params["hi_mc"]) // 2)}
