# The thermostatic load's plan and tender (pers_thermostatic.py imports this module for each
# tender and drops it after); pure integer functions, the same on the device and on CPython.
#
# The band is the store: a dynamic programme over its temperature (at most _LEVELS levels, from
# the edge where it must run, lo for heating, hi for cooling) and the interval's energy in
# _CHUNKS parts finds the cheapest way to stay inside it over the next _HORIZON intervals, with
# what is left above the edge at the end worth the horizon's lowest price. The tender bids each
# chunk now at what it saves the plan later; what the band needs this interval is bid at the cap.
from personalities import interval_wh, clamp, offer, expected, reach
from pers_thermostatic import thermal_step, above, need

_LEVELS = 24
_CHUNKS = 4
_HORIZON = 48


def _at(v, dq, pos):
    """The plan's cost ``pos`` mc above the edge, between its levels (v[i] is at i * dq)."""
    i = pos // dq
    if i >= len(v) - 1:
        return v[-1]
    return v[i] + (v[i + 1] - v[i]) * (pos - i * dq) // dq


def _after(params, t, market, forecast, j, chunk, band):
    """How far inside the band an interval starting at ``t`` ends with ``j`` chunks run; None
    when that is not allowed (below the edge with power to spare, past the band)."""
    pos = above(params, thermal_step(params, t, market, forecast, j * chunk))
    if pos < 0:
        return 0 if j == _CHUNKS else None
    if pos > band:
        return band if j == 0 else None
    return pos


def plan_values(params, market, forecast):
    """The cost (ucr) of the rest of the plan from the interval after ``start``, at levels
    ``dq`` mc apart from the edge: (costs, dq, chunk Wh)."""
    band = params["hi_mc"] - params["lo_mc"]
    if band < 0:
        band = 0
    dq = max(band // _LEVELS, 1)
    n = band // dq
    full = interval_wh(params["power_w"], market["interval"])
    chunk = full // _CHUNKS
    cool = params.get("mode", "heat") == "cool"
    edge = params["hi_mc"] if cool else params["lo_mc"]
    # the prices are read from the forecast as they are needed (no list of them), and where a
    # level goes with j chunks is worked out where it is needed (the outdoor temperature taken
    # as it is now): a plan allocates its two rows and nothing else (a trading board's
    # fragmented heap had no block for a table of the moves)
    t0, step = market["start"], market["interval"]
    h = min(reach(market), _HORIZON)
    low = min(expected(market, t0 + k * step) for k in range(h))
    g = params["gain_mc_wh"] or 1
    v = [0] * (n + 1)  # two rows of the plan's costs, made at their size, swapped each step
    w = [0] * (n + 1)
    for i in range(n + 1):
        v[i] = -(i * dq * low // (g * 1000))
    for k in range(h - 1, 0, -1):
        cost = chunk * expected(market, t0 + k * step) // 1000
        for i in range(n + 1):
            t = edge - i * dq if cool else edge + i * dq
            best = None
            for j in range(_CHUNKS + 1):
                to = _after(params, t, market, forecast, j, chunk, band)
                if to is not None:
                    x = _at(v, dq, to) + j * cost
                    if best is None or x < best:
                        best = x
            w[i] = v[0] + _CHUNKS * cost if best is None else best
        v, w = w, v
    return v, dq, chunk


def tender(params, state, market, forecast):
    full, must = need(params, state, market, forecast)
    if full <= 0:
        return None
    v, dq, chunk = plan_values(params, market, forecast)
    steps = [[market["cap"], must]]
    if chunk > 0:
        band = params["hi_mc"] - params["lo_mc"]
        last = market["cap"]
        prev = None
        for j in range(_CHUNKS + 1):
            pos = above(params, thermal_step(params, state["temp_mc"], market, forecast,
                                              j * chunk))
            if j and pos > band:
                break  # past the band: no more
            here = _at(v, dq, clamp(pos, 0, band))
            more = j * chunk - max(must, (j - 1) * chunk)
            if j and more > 0:
                # the j-th chunk now saves the plan this much later, per kWh
                p = min(last, (prev - here) * 1000 // chunk)
                if p < market["floor"]:
                    break
                steps.append([p, more])
                last = p
            prev = here
    return offer("buy", steps, market)
