# Deferrable load: energy_wh by a deadline, run in the cheapest intervals the market expects.
# Loaded on demand by personalities.py (one module per kind, so a device pays heap only for
# its own); pure integer functions, the same on the device and on CPython.
#
# Every interval it plans the job again: of the intervals left before the deadline, the fewest
# that hold the remaining energy, the cheapest by the market's forecast (the retail tariff
# where the forecast does not reach; the earlier of equal ones). Its bid for this interval is
# what running now saves: if this interval is in the plan, the price of the cheapest interval
# left out (what it would pay instead); if not, the price of the dearest one in it (what
# running now would spare). What the deadline forces now is bid at the cap. Offline it runs
# only what the deadline forces: no prices to wait for, but no reason to run early either.
from personalities import interval_wh, clamp, offer, expected


# params: power_w, energy_wh, deadline_s (seconds after midnight UTC), period_s (default a day)
# state: done_wh, deadline (unix s of the current cycle's deadline; set by ``init``)

_SLOTS = 192  # most intervals ahead it ranks (two days of 15 min)


def init(params, now):
    """Initial state: the next deadline after ``now``."""
    period = params.get("period_s", 86400)
    deadline = now - now % period + params["deadline_s"] % period
    if deadline <= now:
        deadline += period
    return {"done_wh": 0, "deadline": deadline}


def _cycle(params, state, start):
    """(Wh done, deadline) of the job that the interval at ``start`` works for: once a deadline
    has passed, the next cycle's, with nothing done yet."""
    deadline = state["deadline"]
    if deadline > start:
        return state.get("done_wh", 0), deadline
    period = params.get("period_s", 86400)
    return 0, deadline + ((start - deadline) // period + 1) * period


def _deferrable_need(params, state, market):
    """(remaining Wh, Wh this interval can take, Wh that cannot wait, intervals left)."""
    done, deadline = _cycle(params, state, market["start"])
    remaining = params["energy_wh"] - done
    length = market["interval"]
    full = interval_wh(params["power_w"], length)
    left = (deadline - market["start"]) // length
    if remaining <= 0 or left <= 0 or full <= 0:
        return 0, 0, 0, left
    can = remaining if remaining < full else full
    must = remaining - (left - 1) * full
    must = clamp(must, 0, can)
    return remaining, can, must, left


def _nth(market, start, length, slots, m):
    """The ``m``-th lowest expected price (from 1) of the ``slots`` intervals from ``start``,
    found by halving the price range and counting: no list of prices (a list of 192 wanted a
    block a trading board's heap seldom has in one piece)."""
    lo = hi = expected(market, start)
    for k in range(1, slots):
        p = expected(market, start + k * length)
        if p < lo:
            lo = p
        elif p > hi:
            hi = p
    while lo < hi:
        mid = (lo + hi) // 2
        n = 0
        for k in range(slots):
            if expected(market, start + k * length) <= mid:
                n += 1
        if n >= m:
            hi = mid
        else:
            lo = mid + 1
    return lo


def tender(params, state, market, forecast):
    remaining, can, must, left = _deferrable_need(params, state, market)
    if can <= 0:
        return None
    full = interval_wh(params["power_w"], market["interval"])
    need = -(-remaining // full)  # intervals the rest of the job takes
    start, length = market["start"], market["interval"]
    slots = left if left < _SLOTS else _SLOTS
    if need > slots:
        need = slots
    # ranked by price, the earlier of equal ones first: this interval is in the plan when fewer
    # than ``need`` are cheaper than it
    here = expected(market, start)
    cheaper = 0
    for k in range(1, slots):
        if expected(market, start + k * length) < here:
            cheaper += 1
    if cheaper < need:
        limit = _nth(market, start, length, slots, need + 1) if need < slots else market["cap"]
    else:
        limit = _nth(market, start, length, slots, need)
    limit = clamp(limit, market["floor"], market["cap"])
    return offer("buy", [[market["cap"], must], [limit, can - must]], market)


def dispatch(params, state, market, forecast, award_wh, side):
    remaining, can, must, left = _deferrable_need(params, state, market)
    return clamp(award_wh, 0, can) if side == "buy" else 0


def island(params, state, market, forecast):
    """Offline: only what cannot wait."""
    return _deferrable_need(params, state, market)[2]


def advance(params, state, market, forecast, wh):
    done, deadline = _cycle(params, state, market["start"])
    new = dict(state)
    new["done_wh"] = done + (wh if wh > 0 else 0)
    new["deadline"] = deadline
    if market["start"] + market["interval"] >= deadline:
        new["done_wh"] = 0
        new["deadline"] = deadline + params.get("period_s", 86400)
    return new
