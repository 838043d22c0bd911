"""Personalities: the same cases on CPython and on the MicroPython unix port give identical results,
and each personality behaves as its physics and price policy say."""

import json
import random
import sys

import pytest

from micromarket.device import upy
from micromarket.paths import FIRMWARE_DIR

sys.path.append(str(FIRMWARE_DIR / "lib"))  # kept: personalities imports pers_* on first use
import personalities as P  # noqa: E402

HERE = __import__("pathlib").Path(__file__).parent
DAY0 = 1_767_225_600  # 2026-01-01T00:00:00Z
MARKET = {"type": "context", "v": 1, "market": "m1", "start": DAY0 + 8 * 3600, "interval": 900,
          "gate": 60, "floor": 80_000, "cap": 300_000, "qmax": 100_000,
          "tariff": [[0, 80_000, 300_000]], "forecast": [DAY0 + 8 * 3600, 900, []]}

PARAMS = {
    "fixed": {"power_w": 400},
    "deferrable": {"power_w": 2000, "energy_wh": 3000, "deadline_s": 7 * 3600},
    "thermostatic": {"power_w": 2000, "lo_mc": 19000, "hi_mc": 22000, "loss_pm_h": 100,
                     "gain_mc_wh": 2, "temp_out_mc": 5000},
    "pv": {"peak_w": 4000},
    "battery": {"capacity_wh": 10000, "power_w": 3000, "soc_min_pm": 100, "soc_max_pm": 950,
                "eff_pm": 900},
}


def market_at(t, **kw):
    return dict(MARKET, start=t, **kw)


def day_prices(t, k):
    """A sunny day's clearing prices at interval ``k`` from ``t``: the feed-in price while the
    street's PV runs over (10:00-16:00 UTC), retail in the evening peak, between at night."""
    h = (t + k * 900) % 86400 // 900 / 4
    return 80_000 if 10 <= h < 16 else 300_000 if 17 <= h < 21 else 200_000


def planned_at(t, prices=day_prices, n=96, **kw):
    """The context as it reads for interval ``t``, with a forecast of ``prices`` from ``t``."""
    return P.view(dict(MARKET, start=t, forecast=[t, 900, [prices(t, k) for k in range(n)]],
                       **kw), t)


def clear_against(tender, price):
    """What a price taker's tender gets when the interval clears at ``price``: (Wh, side)."""
    if tender is None:
        return 0, None
    side, curve = tender
    if side == "buy":
        return sum(q for p, q in curve if p >= price), side
    return sum(q for p, q in curve if p <= price), side


def random_cases(n, seed=6):
    """A spread of states, markets and forecasts for every personality and every function."""
    rnd = random.Random(seed)
    cases = []
    for _ in range(n):
        kind = rnd.choice(sorted(PARAMS))
        params = dict(PARAMS[kind])
        start = DAY0 + rnd.randrange(96) * 900
        floor, cap = rnd.randrange(0, 150_000), rnd.randrange(150_000, 500_000)
        tariff = [[0, floor, cap]]
        if rnd.random() < 0.5:  # time of use
            tariff.append([rnd.randrange(1, 86400), rnd.randrange(0, floor + 1),
                           rnd.randrange(cap, 600_000)])
        ahead = rnd.choice([0, 1, 8, 96])
        market = P.view(market_at(start, tariff=tariff, qmax=rnd.choice([100_000, 300, 1]),
                                  forecast=[start - rnd.randrange(2) * 900, 900,
                                            [rnd.randrange(0, 600_000) for _ in range(ahead)]]),
                        start)
        forecast = rnd.choice([None, {}, {"pv_wh": rnd.randrange(-5, 1200),
                                          "load_wh": rnd.randrange(0, 500),
                                          "temp_out_mc": rnd.randrange(-15000, 35000)}])
        if kind == "thermostatic":
            params["mode"] = rnd.choice(["heat", "cool"])
            state = {"temp_mc": rnd.randrange(12000, 30000)}
        elif kind == "battery":
            state = {"soc_wh": rnd.randrange(0, 10001)}
        elif kind == "deferrable":
            state = {"done_wh": rnd.randrange(0, 3500),
                     "deadline": start + rnd.randrange(-2, 30) * 900}
        else:
            state = {"total_wh": rnd.randrange(0, 10**6)}
        fn = rnd.choice(["tender", "dispatch", "island", "advance", "init"])
        case = [fn, kind, params, state, market, forecast]
        if fn == "dispatch":
            case += [rnd.randrange(0, 2000), rnd.choice(["buy", "sell"])]
        elif fn in ("advance",):
            case.append(rnd.randrange(-1500, 1500))
        elif fn == "init":
            case.append(start + rnd.randrange(0, 900))
        cases.append(case)
    return cases


def cpython_results(cases):
    sys.path.insert(0, str(HERE))
    try:
        import personality_cases
    finally:
        sys.path.pop(0)
    return json.loads(json.dumps([personality_cases.run(c) for c in cases]))


def test_same_results_on_cpython_and_unix_port():
    cases = random_cases(600)
    lines = "".join(json.dumps(c) + "\n" for c in cases)
    out = upy.run_file(HERE / "personality_cases.py", input=lines.encode())
    device = [json.loads(line) for line in out.splitlines()]
    host = cpython_results(cases)
    assert len(device) == len(cases)
    for case, d, h in zip(cases, device, host):
        assert d == h, case
    # the spread really exercises the functions: tenders of both sides and idle intervals
    tenders = [h for c, h in zip(cases, host) if c[0] == "tender"]
    assert {t[0] for t in tenders if t} == {"buy", "sell"}
    assert None in tenders


def assert_curve_shape(tender, market):
    """The protocol's rules: 1..16 steps, prices in bounds and strictly monotone, q >= 1,
    total at most qmax."""
    side, curve = tender
    assert side in ("buy", "sell")
    assert 1 <= len(curve) <= 16
    prices = [p for p, _ in curve]
    assert all(isinstance(p, int) and isinstance(q, int) and q >= 1 for p, q in curve)
    assert all(market["floor"] <= p <= market["cap"] for p in prices)
    assert prices == sorted(set(prices), reverse=(side == "buy"))
    assert sum(q for _, q in curve) <= market["qmax"]


def test_every_tender_is_a_well_formed_curve():
    shaped = 0
    for case in random_cases(2000, seed=7):
        if case[0] != "tender":
            continue
        out = P.tender(*case[1:6])
        if out is not None:
            assert_curve_shape(out, case[4])
            shaped += 1
    assert shaped > 300


def test_fixed_load_is_a_price_taker():
    side, curve = P.tender("fixed", PARAMS["fixed"], {}, MARKET, None)
    assert (side, curve) == ("buy", [[MARKET["cap"], 100]])  # 400 W for 15 min
    assert P.tender("fixed", PARAMS["fixed"], {}, MARKET, {"load_wh": 37})[1] == [[300_000, 37]]
    # the market's qmax bounds any tender
    assert P.tender("fixed", PARAMS["fixed"], {}, dict(MARKET, qmax=60), None)[1] == [[300_000, 60]]


def test_deferrable_runs_in_the_cheapest_intervals_and_meets_its_deadline():
    """With the forecast right, the job runs where the forecast is cheapest before its
    deadline: every Wh at the feed-in price here, none at retail."""
    params = dict(PARAMS["deferrable"], deadline_s=21 * 3600)  # 3000 Wh, 500 Wh an interval
    state = P.initial_state("deferrable", params, DAY0)
    paid = ran = 0
    for k in range(96):
        t = DAY0 + k * 900
        market = planned_at(t)
        wh, side = clear_against(P.tender("deferrable", params, state, market, None),
                                 day_prices(t, 0))
        wh = P.dispatch("deferrable", params, state, market, None, wh, side) if side else \
            P.island("deferrable", params, state, market, None)
        paid += wh * day_prices(t, 0)
        ran += wh
        if t + 900 == DAY0 + 21 * 3600:
            assert ran == 3000  # done by its deadline
        state = P.advance("deferrable", params, state, market, None, wh)
    assert ran == 3000 and paid == 3000 * 80_000  # at the feed-in price, not retail
    assert state["deadline"] == DAY0 + 45 * 3600 and state["done_wh"] == 0


def test_deferrable_bids_what_running_now_saves():
    params = PARAMS["deferrable"]  # 3000 Wh by 07:00, 500 Wh an interval
    state = {"done_wh": 0, "deadline": DAY0 + 7 * 3600}
    t = DAY0 + 3600  # 24 intervals left, 6 needed
    rest = [200_000 - 5_000 * k for k in range(1, 24)]  # cheaper the later
    # in the plan (among the 6 cheapest): what the cheapest interval left out costs
    cheap = planned_at(t, lambda t0, k: ([90_000] + rest)[k], n=24)
    assert P.tender("deferrable", params, state, cheap, None) == ("buy", [[rest[-6], 500]])
    # not in the plan: what the dearest interval in it costs
    dear = planned_at(t, lambda t0, k: ([290_000] + rest)[k], n=24)
    assert P.tender("deferrable", params, state, dear, None) == ("buy", [[rest[-6], 500]])
    # 6 intervals left for 3000 Wh: all of it at the cap
    late = DAY0 + 7 * 3600 - 6 * 900
    assert P.tender("deferrable", params, state, planned_at(late, lambda t0, k: 90_000),
                    None) == ("buy", [[300_000, 500]])
    assert P.tender("deferrable", params, dict(state, done_wh=3000), cheap, None) is None


def test_deferrable_tender_after_its_deadline_is_for_the_next_cycle():
    """The tender for an interval past the deadline is made before the state has moved on (a
    tender goes an interval or two ahead): it plans the next day's job, not nothing, and the
    island policy never starts the next day's job at once."""
    params = PARAMS["deferrable"]
    state = {"done_wh": 3000, "deadline": DAY0 + 7 * 3600}  # today's job is done
    after = DAY0 + 7 * 3600 + 900
    side, curve = P.tender("deferrable", params, state, planned_at(after), None)
    assert side == "buy" and curve[0][0] < 300_000  # a day to go: no hurry
    assert P.island("deferrable", params, state, planned_at(after), None) == 0
    assert P.advance("deferrable", params, state, planned_at(after), None, 500) == \
        {"done_wh": 500, "deadline": DAY0 + 31 * 3600}


def test_deferrable_always_meets_its_deadline():
    """Whatever the forecast and whatever the market gives, the job is done by its deadline:
    awards where its bids meet the price, and the cap for what cannot wait."""
    rnd = random.Random(11)
    for trial in range(40):
        params = dict(PARAMS["deferrable"], energy_wh=rnd.randrange(100, 6000),
                      power_w=rnd.choice([1000, 2000, 3000]), deadline_s=rnd.randrange(86400))
        start = DAY0 + rnd.randrange(96) * 900
        state = P.initial_state("deferrable", params, start)
        real = [rnd.randrange(80_000, 300_001) for _ in range(200)]
        fc = [rnd.randrange(80_000, 300_001) for _ in range(200)]
        t, ran, deadline = start, 0, state["deadline"]
        while t < deadline:
            k = (t - start) // 900
            market = planned_at(t, lambda t0, j: fc[k + j], n=min(96, 200 - k))
            wh, side = clear_against(P.tender("deferrable", params, state, market, None), real[k])
            wh = P.dispatch("deferrable", params, state, market, None, wh, side) if side else 0
            ran += wh
            state = P.advance("deferrable", params, state, market, None, wh)
            t += 900
        # intervals that end by the deadline: one it cuts short does not count
        need = min(params["energy_wh"], (deadline - start) // 900 * params["power_w"] // 4)
        assert ran == need, (trial, params)


def battery_day(params, prices, start_soc, forecast=None):
    """A battery trading ``len(prices)`` intervals as a price taker at ``prices``, planning on
    ``forecast`` (the prices themselves by default): (money ucr, soc at the end, socs)."""
    forecast = forecast or prices
    state = {"soc_wh": start_soc}
    money, socs = 0, []
    for k in range(len(prices)):
        t = DAY0 + k * 900
        market = planned_at(t, lambda t0, j: forecast[(k + j) % len(forecast)])
        wh, side = clear_against(P.tender("battery", params, state, market, None), prices[k])
        wh = P.dispatch("battery", params, state, market, None, wh, side) if side else 0
        money -= wh * prices[k] // 1000 if wh > 0 else -((-wh) * prices[k] // 1000)
        state = P.advance("battery", params, state, market, None, wh)
        socs.append(state["soc_wh"])
    return money, state["soc_wh"], socs


def test_battery_plans_a_day_near_perfect_foresight_and_within_its_limits():
    from micromarket.bench.economics import foresight_bound
    params = PARAMS["battery"]
    prices = [day_prices(DAY0, k) for k in range(96)]
    money, end, socs = battery_day(params, prices, 5000)
    bound = foresight_bound(prices, params, 5000, end)
    assert 0.8 * bound <= money <= bound + len(prices)
    assert all(1000 <= s <= 9500 for s in socs)
    # it charged in the sun and emptied into the evening peak
    assert socs[16 * 4 - 1] > 9000 and socs[21 * 4 - 1] < 2000


def test_battery_never_beats_perfect_foresight_nor_leaves_its_limits():
    """On random price days, right or wrong forecasts: never more than the price taker's exact
    optimum from the same charge to the same charge, never outside soc_min..soc_max."""
    from micromarket.bench.economics import foresight_bound
    rnd = random.Random(12)
    ratios = []
    for trial in range(12):
        params = dict(PARAMS["battery"], capacity_wh=rnd.choice([5000, 10000, 13500]),
                      power_w=rnd.choice([1500, 3000, 5000]), eff_pm=rnd.choice([800, 900, 950]))
        prices = [rnd.randrange(80_000, 400_001) for _ in range(48)]
        forecast = prices if trial % 2 else [rnd.randrange(80_000, 400_001) for _ in range(48)]
        lo, hi = params["capacity_wh"] // 10, params["capacity_wh"] * 95 // 100
        start = rnd.randrange(lo, hi + 1)
        money, end, socs = battery_day(params, prices, start, forecast)
        # amounts are rounded toward zero, as the market books them: at most 1 ucr an interval
        assert money <= foresight_bound(prices, params, start, end) + len(prices), trial
        assert all(lo <= s <= hi for s in socs), trial
        if forecast is prices:
            ratios.append(money / foresight_bound(prices, params, start, end))
    # prices that jump at random every interval are the hardest a plan in levels can meet
    assert min(ratios) > 0.5 and sum(ratios) / len(ratios) > 0.75, ratios


def test_foresight_bound_is_the_optimum_of_a_fine_search():
    """The bound (an exact linear programme) against a brute-force search over the charge in
    steps of 40 Wh, on which every corner of this battery's programme lies: the same."""
    from micromarket.bench.economics import foresight_bound
    params = {"capacity_wh": 1000, "power_w": 800, "soc_min_pm": 100, "soc_max_pm": 900,
              "eff_pm": 800}  # 200 Wh an interval from the grid, 160 stored: steps of 40 Wh
    prices = [100_000, 300_000, 80_000, 80_000, 350_000, 200_000, 90_000, 400_000]
    best = {100: 0}  # soc -> best money so far
    from fractions import Fraction
    for p in prices:
        nxt = {}
        for soc, m in best.items():
            for to in range(100, 901, 40):
                d = to - soc
                if d > 0 and d / Fraction(8, 10) <= 200:
                    v = m - d / Fraction(8, 10) * Fraction(p, 1000)
                elif d <= 0 and -d <= 200:
                    v = m - d * Fraction(p, 1000)
                else:
                    continue
                if v > nxt.get(to, -10 ** 12):
                    nxt[to] = v
        best = nxt
    for end in (100, 500):
        search = max(v for soc, v in best.items() if soc >= end)
        bound = foresight_bound(prices, params, 100, end)
        assert bound == search


def test_thermostat_heats_ahead_into_cheap_intervals_and_keeps_the_band():
    """On a day whose cheap hours end before the evening peak, the heater takes more of its
    energy in them than their share of the day, and never leaves its band by much."""
    params = PARAMS["thermostatic"]
    state = {"temp_mc": 20500}
    cheap = total = 0
    temps = []
    for k in range(96):
        t = DAY0 + k * 900
        market = planned_at(t)
        price = day_prices(t, 0)
        wh, side = clear_against(P.tender("thermostatic", params, state, market, None), price)
        wh = P.dispatch("thermostatic", params, state, market, None, wh, "buy")
        total += wh
        cheap += wh if price == 80_000 else 0
        state = P.advance("thermostatic", params, state, market, None, wh)
        temps.append(state["temp_mc"])
    assert cheap / total > 0.3  # the cheap hours are a quarter of the day
    assert max(temps[15 * 4:16 * 4]) > 21500  # warm when the cheap hours end
    assert min(temps) >= params["lo_mc"] - 100 and max(temps) <= params["hi_mc"] + 100


def test_thermostat_bids_harder_as_it_cools_and_stays_in_band_offline():
    params = PARAMS["thermostatic"]
    market = planned_at(MARKET["start"])
    prices = []
    for temp in (21900, 21000, 20000, 19200):
        side, curve = P.tender("thermostatic", params, {"temp_mc": temp}, market, None)
        prices.append(curve[0][0] if curve[0][0] < MARKET["cap"] else curve[-1][0])
    assert prices == sorted(prices)
    # below the band, what is needed to get back is bid at the cap
    side, curve = P.tender("thermostatic", params, {"temp_mc": 18000}, market, None)
    assert curve[0][0] == MARKET["cap"] and curve[0][1] > 0
    # too warm: no tender
    assert P.tender("thermostatic", params, {"temp_mc": 23000}, market, None) is None
    state = {"temp_mc": 20500}
    temps = []
    for k in range(96):
        market = market_at(DAY0 + k * 900)
        wh = P.island("thermostatic", params, state, market)
        state = P.advance("thermostatic", params, state, market, None, wh)
        temps.append(state["temp_mc"])
    assert min(temps) >= params["lo_mc"] - 500 and max(temps) <= params["hi_mc"] + 1000


def test_cooling_mirrors_heating():
    params = dict(PARAMS["thermostatic"], mode="cool", temp_out_mc=32000)
    market = planned_at(MARKET["start"])
    assert P.tender("thermostatic", params, {"temp_mc": 19000}, market, None) is None
    side, curve = P.tender("thermostatic", params, {"temp_mc": 23000}, market, None)
    assert side == "buy" and curve[0][0] == MARKET["cap"]
    after = P.advance("thermostatic", params, {"temp_mc": 23000}, market, None, 500)
    assert after["temp_mc"] < 23000


def test_pv_offers_its_forecast_at_the_feed_in_price_of_the_interval():
    side, curve = P.tender("pv", PARAMS["pv"], {}, MARKET, {"pv_wh": 640})
    assert (side, curve) == ("sell", [[MARKET["floor"], 640]])
    # a time-of-use tariff: the feed-in price in force at the interval's start
    tou = dict(MARKET, tariff=[[0, 80_000, 300_000], [9 * 3600, 60_000, 350_000]])
    assert P.tender("pv", PARAMS["pv"], {}, P.view(tou, DAY0 + 9 * 3600), {"pv_wh": 640})[1] == \
        [[60_000, 640]]
    assert P.tender("pv", PARAMS["pv"], {}, MARKET, {"pv_wh": 0}) is None
    assert P.dispatch("pv", PARAMS["pv"], {}, MARKET, {"pv_wh": 640}, 300, "sell") == -640


def test_battery_advances_within_its_capacity():
    params = PARAMS["battery"]
    half, full = {"soc_wh": 5000}, {"soc_wh": 9500}
    # charging loses the round-trip efficiency, discharging does not; SoC never leaves [0, cap]
    assert P.advance("battery", params, half, MARKET, None, 700)["soc_wh"] == 5630
    assert P.advance("battery", params, half, MARKET, None, -700)["soc_wh"] == 4300
    assert P.advance("battery", params, full, MARKET, None, 5000)["soc_wh"] == 10000
    # an award beyond its room or charge is cut to what it can take or give
    assert P.dispatch("battery", params, full, MARKET, None, 700, "buy") == 0
    assert P.dispatch("battery", params, {"soc_wh": 1200}, MARKET, None, 700, "sell") == -200


def test_ahead_runs_the_intervals_before_a_tender():
    params = PARAMS["battery"]
    state = {"soc_wh": 5000}
    t = MARKET["start"]
    # under way: 300 Wh decided; next: awarded 700 Wh to sell; then none (island: hold)
    got = P.ahead("battery", params, state, MARKET, [(t, 300, None), (t + 900, 700, "sell"),
                                                     (t + 1800, None, None)])
    assert got == {"soc_wh": 5000 + 270 - 700}


def test_functions_do_not_mutate_their_inputs():
    for case in random_cases(300, seed=8):
        frozen = json.dumps(case, sort_keys=True)
        fn, kind, params, state, market, forecast = case[:6]
        if fn == "advance":
            P.advance(kind, params, state, market, forecast, case[6])
        elif fn == "tender":
            P.tender(kind, params, state, market, forecast)
        assert json.dumps(case, sort_keys=True) == frozen


def test_unknown_personality_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown personality 'heatpump'"):
        P.tender("heatpump", {}, {}, MARKET, None)
