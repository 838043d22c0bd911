# PV seller: offers its expected output at the interval's feed-in price, so what the
# neighbours do not buy is a cleared export to the grid, not an unannounced surplus.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython.
#
# Asking more than the feed-in price gains nothing: the clearing price is uniform, so when the
# street is short the buyers set it at up to retail anyway, and when it has a surplus any Wh
# not sold goes to the grid at the feed-in price.
from personalities import interval_wh, offer


# params: peak_w (used when no forecast is given: a flat guess of half the peak)

def _pv_wh(params, market, forecast):
    wh = (forecast or {}).get("pv_wh")
    if wh is None:
        wh = interval_wh(params.get("peak_w", 0), market["interval"]) // 2
    return wh if wh > 0 else 0


def tender(params, state, market, forecast):
    return offer("sell", [[market["floor"], _pv_wh(params, market, forecast)]], market)


def dispatch(params, state, market, forecast, award_wh, side):
    # the inverter stays on: it delivers what the sun gives
    return -_pv_wh(params, market, forecast)


def island(params, state, market, forecast):
    return -_pv_wh(params, market, forecast)


def advance(params, state, market, forecast, wh):
    new = dict(state)
    new["total_wh"] = state.get("total_wh", 0) - wh
    return new


def init(params, now):
    return {"total_wh": 0}
