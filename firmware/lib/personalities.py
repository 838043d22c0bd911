"""Bidding personalities: pure functions from (params, state, context, forecast) to a tender.

The same file runs on the device (MicroPython) and in the host simulator (CPython): integers
only, no MicroPython-only features, no I/O, no clock. Physics (what the appliance needs), price
policy (what it will pay) and transport (how the tender travels) are kept apart: this module is
the first two, the agent is the third.

Shapes (plain dicts, so they cost little heap and cross into CPython unchanged):

- ``params``: the personality's fixed settings from the device config, e.g. ``{"power_w": 2000}``.
- ``state``: what changes between intervals (energy done, temperature, state of charge). The
  functions never mutate it; ``advance`` returns a new dict.
- ``market``: the verified MarketContext payload itself (protocol/README.md); a personality
  reads ``start`` (the interval it bids for, unix s), ``interval`` (its length, s), ``floor``
  and ``cap`` (grid feed-in and retail prices, ucr/kWh: the grid is the counterparty of last
  resort at both) and, if present, ``qmax`` (the most Wh one tender may offer).
- ``forecast``: optional hints for the interval, any of ``"price"`` (expected clearing price,
  ucr/kWh), ``"mean"`` (expected mean price of the day), ``"load_wh"``, ``"pv_wh"``,
  ``"temp_out_mc"`` (outdoor temperature in milli-degrees Celsius).

Every personality is a row of the table ``KINDS``: ``tender``, ``dispatch``, ``island``,
``advance``. Energies are Wh, with the sign convention *import positive, export negative* for
``dispatch``, ``island`` and ``advance``.

A tender is ``(side, curve)`` with side ``"buy"`` or ``"sell"`` and curve a list of
``[price ucr/kWh, quantity Wh]`` steps as the protocol defines them: each step an increment of
quantity at that limit price, buy prices strictly falling, sell prices strictly rising, every
quantity at least 1 Wh, the total at most ``qmax``. ``None`` means no tender this interval.
"""

_PM = 1000  # per-mille


def interval_wh(power_w, length_s):
    """Energy of ``power_w`` running for a whole interval of ``length_s`` seconds, in Wh."""
    return power_w * length_s // 3600


def _clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


def _between(market, per_mille):
    """The price ``per_mille`` of the way from the floor to the cap."""
    lo = market["floor"]
    return lo + (market["cap"] - lo) * _clamp(per_mille, 0, _PM) // _PM


def _curve(steps, qmax):
    """Steps in order with empty ones dropped, equal prices merged, the total cut to ``qmax``."""
    out = []
    left = qmax
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
    return out or None


def _tender(side, steps, market):
    curve = _curve(steps, market.get("qmax"))
    return (side, curve) if curve else None


# --- fixed load: a price taker that needs what it needs ---------------------------------------

def _fixed_wh(params, market, forecast):
    wh = (forecast or {}).get("load_wh")
    if wh is None:
        wh = interval_wh(params["power_w"], market["interval"])
    return wh


def fixed_tender(params, state, market, forecast):
    return _tender("buy", [[market["cap"], _fixed_wh(params, market, forecast)]], market)


def fixed_dispatch(params, state, market, forecast, award_wh, side):
    return _fixed_wh(params, market, forecast)


def fixed_island(params, state, market, forecast):
    return _fixed_wh(params, market, forecast)


def fixed_advance(params, state, market, forecast, wh):
    new = dict(state)
    new["total_wh"] = state.get("total_wh", 0) + wh
    return new


# --- deferrable load: energy_wh by a deadline, urgency rising as it nears ---------------------
# params: power_w, energy_wh, deadline_s (seconds after midnight UTC), period_s (default a day)
# state: done_wh, deadline (unix s of the current cycle's deadline; set by ``deferrable_init``)

def deferrable_init(params, now):
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
    must = _clamp(must, 0, can)
    return remaining, can, must, left


def deferrable_tender(params, state, market, forecast):
    remaining, can, must, left = _deferrable_need(params, state, market)
    if can <= 0:
        return None
    # urgency: the share of the remaining time at full power that the job still needs
    urgency = remaining * _PM // (left * interval_wh(params["power_w"], market["interval"]))
    half = (can - must) // 2
    return _tender("buy", [[market["cap"], must],
                           [_between(market, urgency), half],
                           [_between(market, urgency // 2), can - must - half]], market)


def deferrable_dispatch(params, state, market, forecast, award_wh, side):
    remaining, can, must, left = _deferrable_need(params, state, market)
    return _clamp(award_wh, 0, can) if side == "buy" else 0


def deferrable_island(params, state, market, forecast):
    """Offline: run now while there is work (no prices to wait for); ``"lazy"`` runs only what
    cannot wait."""
    remaining, can, must, left = _deferrable_need(params, state, market)
    return must if params.get("island") == "lazy" else can


def deferrable_advance(params, state, market, forecast, wh):
    new = dict(state)
    new["done_wh"] = state.get("done_wh", 0) + (wh if wh > 0 else 0)
    end = market["start"] + market["interval"]
    if end >= state["deadline"]:
        new["done_wh"] = 0
        new["deadline"] = state["deadline"] + params.get("period_s", 86400)
    return new


# --- thermostatic load: keep a temperature inside a comfort band --------------------------------
# params: power_w, lo_mc, hi_mc (comfort band, milli-degC), mode "heat" or "cool",
#         loss_pm_h (per-mille of the indoor-outdoor gap lost per hour),
#         gain_mc_wh (milli-degC moved per Wh of the appliance), temp_out_mc (default outdoor)
# state: temp_mc

def thermal_step(params, temp_mc, market, forecast, wh):
    """The simple thermal model: one interval of leakage toward outdoors plus the appliance."""
    out = (forecast or {}).get("temp_out_mc", params.get("temp_out_mc", 10000))
    leak = (out - temp_mc) * params["loss_pm_h"] * market["interval"] // (_PM * 3600)
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
    must = _clamp(must, 0, full)
    t = state["temp_mc"]
    pos = (t - lo) if cool else (hi - t)
    discomfort = _clamp(pos * _PM // (hi - lo), 0, _PM)
    return full, must, discomfort


def thermo_tender(params, state, market, forecast):
    full, must, discomfort = _thermo_need(params, state, market, forecast)
    if discomfort <= 0 and must <= 0:
        return None
    return _tender("buy", [[market["cap"], must],
                           [_between(market, discomfort), full - must]], market)


def thermo_dispatch(params, state, market, forecast, award_wh, side):
    full, must, discomfort = _thermo_need(params, state, market, forecast)
    return _clamp(award_wh, must, full) if side == "buy" else must


def thermo_island(params, state, market, forecast):
    """Offline: bang-bang around the middle of the band."""
    full, must, discomfort = _thermo_need(params, state, market, forecast)
    return full if discomfort >= _PM // 2 else must


def thermo_advance(params, state, market, forecast, wh):
    new = dict(state)
    new["temp_mc"] = thermal_step(params, state["temp_mc"], market, forecast,
                                  wh if wh > 0 else 0)
    return new


# --- PV seller: sells its forecast output, asking a little above feed-in ------------------------
# params: peak_w (used when no forecast is given: a flat guess of half the peak), margin_pm
# (per-mille of the floor-cap spread asked above the floor, default 20)

def _pv_wh(params, market, forecast):
    wh = (forecast or {}).get("pv_wh")
    if wh is None:
        wh = interval_wh(params.get("peak_w", 0), market["interval"]) // 2
    return wh if wh > 0 else 0


def pv_tender(params, state, market, forecast):
    wh = _pv_wh(params, market, forecast)
    return _tender("sell", [[_between(market, params.get("margin_pm", 20)), wh]], market)


def pv_dispatch(params, state, market, forecast, award_wh, side):
    # the inverter stays on: what the market does not take goes to the grid at feed-in
    return -_pv_wh(params, market, forecast)


def pv_island(params, state, market, forecast):
    return -_pv_wh(params, market, forecast)


def pv_advance(params, state, market, forecast, wh):
    new = dict(state)
    new["total_wh"] = state.get("total_wh", 0) - wh
    return new


# --- battery: buys low, sells high, inside its state-of-charge limits ---------------------------
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
    buy = _clamp(ref * (_PM + eff) // (2 * _PM), lo, hi)
    sell = _clamp(-(-buy * _PM // eff), lo, hi)
    return buy, sell


def _battery_room(params, state, market):
    """(Wh it can take in, Wh it can give out) this interval."""
    cap = params["capacity_wh"]
    soc = state["soc_wh"]
    full = interval_wh(params["power_w"], market["interval"])
    eff = params.get("eff_pm", 900)
    room = (cap * params.get("soc_max_pm", 950) // _PM - soc) * _PM // eff
    avail = soc - cap * params.get("soc_min_pm", 100) // _PM
    return _clamp(room, 0, full), _clamp(avail, 0, full)


def battery_tender(params, state, market, forecast):
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
        return _tender("buy", [[buy, room]], market)
    return _tender("sell", [[sell, avail]], market)


def battery_dispatch(params, state, market, forecast, award_wh, side):
    room, avail = _battery_room(params, state, market)
    if side == "buy":
        return _clamp(award_wh, 0, room)
    if side == "sell":
        return -_clamp(award_wh, 0, avail)
    return 0


def battery_island(params, state, market, forecast):
    """Offline: hold the charge for when the market (or an outage) needs it."""
    return 0


def battery_advance(params, state, market, forecast, wh):
    new = dict(state)
    eff = params.get("eff_pm", 900)
    soc = state["soc_wh"] + (wh * eff // _PM if wh > 0 else wh)
    new["soc_wh"] = _clamp(soc, 0, params["capacity_wh"])
    return new


# --- the table -----------------------------------------------------------------------------------

KINDS = {
    "fixed": (fixed_tender, fixed_dispatch, fixed_island, fixed_advance),
    "deferrable": (deferrable_tender, deferrable_dispatch, deferrable_island, deferrable_advance),
    "thermostatic": (thermo_tender, thermo_dispatch, thermo_island, thermo_advance),
    "pv": (pv_tender, pv_dispatch, pv_island, pv_advance),
    "battery": (battery_tender, battery_dispatch, battery_island, battery_advance),
}


def _row(kind):
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError("unknown personality %r" % (kind,))


def tender(kind, params, state, market, forecast=None):
    """The personality's tender for the interval in ``market``: ``(side, curve)`` or None."""
    return _row(kind)[0](params, state, market, forecast)


def dispatch(kind, params, state, market, forecast, award_wh, side):
    """Net Wh to draw (negative: deliver) this interval, given the award."""
    return _row(kind)[1](params, state, market, forecast, award_wh, side)


def island(kind, params, state, market, forecast=None):
    """Net Wh to draw this interval with no market (island mode)."""
    return _row(kind)[2](params, state, market, forecast)


def advance(kind, params, state, market, forecast, wh):
    """New state after the interval, given the measured net Wh."""
    return _row(kind)[3](params, state, market, forecast, wh)


def initial_state(kind, params, now):
    """A starting state for ``kind`` at unix time ``now`` (params may carry start values)."""
    if kind == "deferrable":
        return deferrable_init(params, now)
    if kind == "thermostatic":
        return {"temp_mc": params.get("temp_mc", (params["lo_mc"] + params["hi_mc"]) // 2)}
    if kind == "battery":
        return {"soc_wh": params.get("soc_wh", params["capacity_wh"] // 2)}
    return {"total_wh": 0}
