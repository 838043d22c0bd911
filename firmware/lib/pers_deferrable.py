# Deferrable load: energy_wh by a deadline, urgency rising as it nears.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython.
from personalities import PM, interval_wh, clamp, between, offer


# params: power_w, energy_wh, deadline_s (seconds after midnight UTC), period_s (default a day)
# state: done_wh, deadline (unix s of the current cycle's deadline; set by ``init``)

def init(params, now):
    """Initial state: the next deadline after ``now``."""
    period = params.get("period_s", 86400)
    deadline = now - now % period + params["deadline_s"] % period
    if deadline <= now:
        deadline += period
    return {"done_wh": 0, "deadline": deadline}


def _deferrable_need(params, state, market):
    """(remaining Wh, Wh this interval can take, Wh that cannot wait, intervals left)."""
    remaining = params["energy_wh"] - state.get("done_wh", 0)
    length = market["interval"]
    full = interval_wh(params["power_w"], length)
    left = (state["deadline"] - market["start"]) // length
    if remaining <= 0 or left <= 0 or full <= 0:
        return 0, 0, 0, left
    can = remaining if remaining < full else full
    must = remaining - (left - 1) * full
    must = clamp(must, 0, can)
    return remaining, can, must, left


def tender(params, state, market, forecast):
    remaining, can, must, left = _deferrable_need(params, state, market)
    if can <= 0:
        return None
    # urgency: the share of the remaining time at full power that the job still needs
    urgency = remaining * PM // (left * interval_wh(params["power_w"], market["interval"]))
    half = (can - must) // 2
    return offer("buy", [[market["cap"], must],
                           [between(market, urgency), half],
                           [between(market, urgency // 2), can - must - half]], market)


def dispatch(params, state, market, forecast, award_wh, side):
    remaining, can, must, left = _deferrable_need(params, state, market)
    return clamp(award_wh, 0, can) if side == "buy" else 0


def island(params, state, market, forecast):
    """Offline: run now while there is work (no prices to wait for); ``"lazy"`` runs only what
    cannot wait."""
    remaining, can, must, left = _deferrable_need(params, state, market)
    return must if params.get("island") == "lazy" else can


def advance(params, state, market, forecast, wh):
    new = dict(state)
    new["done_wh"] = state.get("done_wh", 0) + (wh if wh > 0 else 0)
    end = market["start"] + market["interval"]
    if end >= state["deadline"]:
        new["done_wh"] = 0
        new["deadline"] = state["deadline"] + params.get("period_s", 86400)
    return new
