"""Bidding personalities: pure functions from (params, state, context, forecast) to a tender.

The same files run on the device (MicroPython) and in the host simulator (CPython): integers
only, no MicroPython-only features, no I/O, no clock. Physics (what the appliance needs), price
policy (what it will pay) and transport (how the tender travels) are kept apart: these modules
are the first two, the agent is the third.

Shapes (plain dicts, so they cost little heap and cross into CPython unchanged):

- ``params``: the personality's fixed settings from the device config, e.g. ``{"power_w": 2000}``.
- ``state``: what changes between intervals (energy done, temperature, state of charge). The
  functions never mutate it; ``advance`` returns a new dict.
- ``market``: the verified MarketContext payload as ``view`` makes it for one interval
  (protocol/README.md); a personality reads ``start`` (the interval it bids for, unix s),
  ``interval`` (its length, s), ``floor`` and ``cap`` (that interval's grid feed-in and retail
  prices, ucr/kWh: the grid is the counterparty of last resort at both), if present ``qmax``
  (the most Wh one tender may offer), and through ``tariff_at`` and ``expected`` the
  time-of-use ``tariff`` and the market's price ``forecast`` for the next 24 h.
- ``forecast``: the device's own hints for the interval, any of ``"load_wh"`` and ``"pv_wh"``
  (what the meter saw last interval), ``"temp_out_mc"`` (outdoor temperature in milli-degrees
  Celsius). Prices come from the market's context, not from here.

The battery, the deferrable load and the thermostatic load plan over the market's forecast
every time they tender (a small dynamic programme or a ranking over up to 96 intervals) and bid
what the plan says a Wh is worth now; the fixed load and the PV are price takers at the retail
and the feed-in price.

Every personality is a module ``pers_<kind>`` (kinds in ``KINDS``) with the functions
``init``, ``tender``, ``dispatch``, ``island`` and ``advance``, imported on first use so a
device pays heap only for its own. Energies are Wh, with the sign convention *import
positive, export negative* for ``dispatch``, ``island`` and ``advance``.

A tender is ``(side, curve)`` with side ``"buy"`` or ``"sell"`` and curve a list of
``[price ucr/kWh, quantity Wh]`` steps as the protocol defines them: each step an increment of
quantity at that limit price, buy prices strictly falling, sell prices strictly rising, every
quantity at least 1 Wh, the total at most ``qmax``. ``None`` means no tender this interval.
"""

PM = 1000  # per-mille
KINDS = ("fixed", "deferrable", "thermostatic", "pv", "battery")


def interval_wh(power_w, length_s):
    """Energy of ``power_w`` running for a whole interval of ``length_s`` seconds, in Wh."""
    return power_w * length_s // 3600


def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


def offer(side, steps, market):
    """``(side, curve)`` from steps in order, empty ones dropped, equal prices merged and the
    total cut to the context's ``qmax``; None when nothing is left."""
    out = []
    left = market.get("qmax")
    for p, q in steps:
        if left is not None:
            q = q if q < left else left
            left -= q
        if q <= 0:
            continue
        if out and out[-1][0] == p:
            out[-1][1] += q
        else:
            out.append([p, q])
    return (side, out) if out else None


def tariff_at(market, t):
    """(feed-in, retail) of the grid at unix time ``t``, from the context's daily tariff (its
    first step is at 0 s)."""
    day = t % 86400
    for st in market["tariff"]:
        if st[0] > day:
            break
        f, r = st[1], st[2]
    return f, r


def view(ctx, s):
    """The context as a personality reads it for the interval starting at ``s``."""
    v = dict(ctx)
    v["start"] = s
    v["floor"], v["cap"] = tariff_at(ctx, s)
    return v


def expected(market, t):
    """The price the market expects for the interval at ``t``: its forecast, clamped into that
    interval's tariff; the retail price where the forecast does not reach."""
    lo, hi = tariff_at(market, t)
    fc = market["forecast"]
    k = (t - fc[0]) // fc[1]
    if k < 0:  # an interval begun before the forecast: its first price
        k = 0
    return clamp(fc[2][k], lo, hi) if k < len(fc[2]) else hi


def reach(market):
    """Intervals from ``start`` that the forecast covers (at least 1)."""
    fc = market["forecast"]
    n = (fc[0] + fc[1] * len(fc[2]) - market["start"]) // market["interval"]
    return n if n > 1 else 1


def kind_module(kind):
    """The module of personality ``kind`` (ValueError for an unknown one)."""
    if kind not in KINDS:
        raise ValueError("unknown personality %r" % (kind,))
    return __import__("pers_" + kind)  # CPython callers keep this directory on sys.path


def tender(kind, params, state, market, forecast=None):
    """The personality's tender for the interval in ``market``: ``(side, curve)`` or None."""
    return kind_module(kind).tender(params, state, market, forecast)


def dispatch(kind, params, state, market, forecast, award_wh, side):
    """Net Wh to draw (negative: deliver) this interval, given the award."""
    return kind_module(kind).dispatch(params, state, market, forecast, award_wh, side)


def island(kind, params, state, market, forecast=None):
    """Net Wh to draw this interval with no market (island mode)."""
    return kind_module(kind).island(params, state, market, forecast)


def advance(kind, params, state, market, forecast, wh):
    """New state after the interval, given the measured net Wh."""
    return kind_module(kind).advance(params, state, market, forecast, wh)


def ahead(kind, params, state, ctx, steps, forecast=None):
    """The state expected once ``steps`` have run: [(interval start, Wh, side)] in order, where
    side "buy"/"sell" means Wh were awarded, None that Wh (net) are already decided (the
    interval under way), and Wh None that the island policy runs it. A tender is made an
    interval or two ahead, before the state has seen the intervals in between."""
    m = kind_module(kind)
    for s, wh, side in steps:
        v = view(ctx, s)
        if side is not None:
            wh = m.dispatch(params, state, v, forecast, wh, side)
        elif wh is None:
            wh = m.island(params, state, v, forecast)
        state = m.advance(params, state, v, forecast, wh)
    return state


def initial_state(kind, params, now):
    """A starting state for ``kind`` at unix time ``now`` (params may carry start values)."""
    return kind_module(kind).init(params, now)
