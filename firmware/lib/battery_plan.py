# The battery's plan and tender (pers_battery.py imports this module for each tender and
# drops it after); pure integer functions, the same on the device and on CPython.
#
# The plan is a dynamic programme over the charge, re-made for every tender: the value of the
# charge between soc_min and soc_max at up to _LEVELS points (read between them linearly), one
# interval a step over the forecast's reach (up to _HORIZON), each step charging or discharging
# in _PARTS parts of full power (or up to a limit): charging costs the grid energy it takes
# (stored / efficiency) at the interval's expected price, discharging earns the stored energy
# at it. Charge left at the end is worth the horizon's lowest price. The tender is the plan's
# own willingness: each part bought (sold) now at the price that equals what the plan values it
# at in the intervals after this one, so the market, not the forecast, decides.
from personalities import PM, clamp, offer, expected, reach
from pers_battery import shape, room_of

_PARTS = 4
_HORIZON = 96


def _at(v, dq, x):
    """The plan's value ``x`` Wh above the lowest charge, between its levels."""
    i = x // dq
    if i >= len(v) - 1:
        return v[-1]
    return v[i] + (v[i + 1] - v[i]) * (x - i * dq) // dq


def _values(market, n, dq, eff, full):
    """The plan: what the charge is worth (ucr) from the next interval on, at each level; the
    prices are read from the forecast as they are needed (no list of them)."""
    top = n * dq
    t0, step = market["start"], market["interval"]
    h = min(reach(market), _HORIZON)
    low = min(expected(market, t0 + k * step) for k in range(h))
    v = [0] * (n + 1)  # two rows made at their size (a comprehension grows its list by
    w = [0] * (n + 1)  # steps), swapped each step: a plan allocates next to nothing
    for i in range(n + 1):
        v[i] = i * dq * low // 1000
    for k in range(h - 1, 0, -1):
        p = expected(market, t0 + k * step)
        for i in range(n + 1):
            w[i] = _best(v, dq, i * dq, top, eff, full, p)
        v, w = w, v
    return v


def _best(v, dq, x, top, eff, full, p):
    """The most the charge ``x`` is worth this step at price ``p``: held, or each part of full
    power charged (grid Wh, stored at eff) up to the top, or discharged down to the bottom."""
    best = _at(v, dq, x)
    for j in range(1, 2 * _PARTS + 1):
        g = (j if j <= _PARTS else j - _PARTS) * full // _PARTS
        if j <= _PARTS:
            to = x + g * eff // PM
            if to > top:
                to, g = top, (top - x) * PM // eff
            g = -g
        else:
            to = x - g
            if to < 0:
                to, g = 0, x
        val = _at(v, dq, to) + g * p // 1000
        if val > best:
            best = val
    return best


def _side(v, dq, x, s, most, eff, full, f, c):
    """Each part of full power now at what it adds to the plan's value per kWh from the grid
    (s = 1, buy), or takes from it per kWh delivered (s = -1, sell)."""
    out, got, last, before = [], 0, c if s > 0 else f, _at(v, dq, x)
    for j in range(1, _PARTS + 1):
        g = min(j * full // _PARTS, most) - got
        if g <= 0:
            break
        got += g
        after = _at(v, dq, x + got * eff // PM if s > 0 else x - got)
        p = (after - before) * s * 1000 // g
        p = min(last, p) if s > 0 else max(last, p)
        if p < f or p > c:
            break
        out.append([p, g])
        last, before = p, after
    return out


def tender(params, state, market):
    # in small functions: the code of each is a block of its own, which a board's fragmented
    # heap finds when this module is imported for a tender (one large one it did not)
    lo, dq, n, eff, full = shape(params, market)
    if n <= 0 or full <= 0:
        return None
    v = _values(market, n, dq, eff, full)
    x = clamp(state["soc_wh"] - lo, 0, n * dq)
    f, c = market["floor"], market["cap"]
    room, avail = room_of(params, state, market)
    buys = _side(v, dq, x, 1, room, eff, full, f, c)
    sells = _side(v, dq, x, -1, avail, eff, full, f, c)
    # one side a tender: the one the plan takes at the expected price; when it would rather
    # wait, the side whose first part is nearer that price (a surprise may still pay)
    here = expected(market, market["start"])
    if buys and (not sells or here - buys[0][0] <= sells[0][0] - here):
        return offer("buy", buys, market)
    return offer("sell", sells, market)
