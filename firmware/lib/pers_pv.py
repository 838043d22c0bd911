# PV seller: sells its forecast output, asking a little above feed-in.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython.
from personalities import interval_wh, between, offer


# params: peak_w (used when no forecast is given: a flat guess of half the peak), margin_pm
# (per-mille of the floor-cap spread asked above the floor, default 20)

def _pv_wh(params, market, forecast):
    wh = (forecast or {}).get("pv_wh")
    if wh is None:
        wh = interval_wh(params.get("peak_w", 0), market["interval"]) // 2
    return wh if wh > 0 else 0


def tender(params, state, market, forecast):
    wh = _pv_wh(params, market, forecast)
    return offer("sell", [[between(market, params.get("margin_pm", 20)), wh]], market)


def dispatch(params, state, market, forecast, award_wh, side):
    # the inverter stays on: what the market does not take goes to the grid at feed-in
    return -_pv_wh(params, market, forecast)


def island(params, state, market, forecast):
    return -_pv_wh(params, market, forecast)


def advance(params, state, market, forecast, wh):
    new = dict(state)
    new["total_wh"] = state.get("total_wh", 0) - wh
    return new


def init(params, now):
    return {"total_wh": 0}
