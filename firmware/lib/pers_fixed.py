# Fixed load: a price taker that needs what it needs.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython.
from personalities import interval_wh, offer


def _fixed_wh(params, market, forecast):
    wh = (forecast or {}).get("load_wh")
    if wh is None:
        wh = interval_wh(params["power_w"], market["interval"])
    return wh


def tender(params, state, market, forecast):
    return offer("buy", [[market["cap"], _fixed_wh(params, market, forecast)]], market)


def dispatch(params, state, market, forecast, award_wh, side):
    return _fixed_wh(params, market, forecast)


def island(params, state, market, forecast):
    return _fixed_wh(params, market, forecast)


def advance(params, state, market, forecast, wh):
    new = dict(state)
    new["total_wh"] = state.get("total_wh", 0) + wh
    return new


def init(params, now):
    return {"total_wh": 0}
