# Battery: buys low, sells high, inside its state-of-charge limits.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython.
from personalities import PM, interval_wh, clamp, offer


# params: capacity_wh, power_w, soc_min_pm, soc_max_pm, eff_pm (round trip, charged on the way in)
# state: soc_wh

def battery_limits(params, market, forecast):
    """(buy limit, sell limit): the sell limit recovers the buy price after the round-trip loss."""
    fc = forecast or {}
    ref = fc.get("mean")
    if ref is None:
        ref = (market["floor"] + market["cap"]) // 2
    eff = params.get("eff_pm", 900)
    lo, hi = market["floor"], market["cap"]
    buy = clamp(ref * (PM + eff) // (2 * PM), lo, hi)
    sell = clamp(-(-buy * PM // eff), lo, hi)
    return buy, sell


def _battery_room(params, state, market):
    """(Wh it can take in, Wh it can give out) this interval."""
    cap = params["capacity_wh"]
    soc = state["soc_wh"]
    full = interval_wh(params["power_w"], market["interval"])
    eff = params.get("eff_pm", 900)
    room = (cap * params.get("soc_max_pm", 950) // PM - soc) * PM // eff
    avail = soc - cap * params.get("soc_min_pm", 100) // PM
    return clamp(room, 0, full), clamp(avail, 0, full)


def tender(params, state, market, forecast):
    buy, sell = battery_limits(params, market, forecast)
    room, avail = _battery_room(params, state, market)
    price = (forecast or {}).get("price")
    half = params["capacity_wh"] // 2
    if price is None:
        charge = state["soc_wh"] < half
    elif price <= buy:
        charge = True
    elif price >= sell:
        charge = False
    else:
        return None
    if charge:
        return offer("buy", [[buy, room]], market)
    return offer("sell", [[sell, avail]], market)


def dispatch(params, state, market, forecast, award_wh, side):
    room, avail = _battery_room(params, state, market)
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
