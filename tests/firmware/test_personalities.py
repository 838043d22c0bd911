"""Personalities: the same cases on CPython and on the MicroPython unix port give identical results,
and each personality behaves as its physics and price policy say."""

import json
import random
import sys

import pytest

from micromarket.device import upy
from micromarket.paths import FIRMWARE_DIR

sys.path.insert(0, str(FIRMWARE_DIR / "lib"))
import personalities as P  # noqa: E402

sys.path.pop(0)

HERE = __import__("pathlib").Path(__file__).parent
DAY0 = 1_767_225_600  # 2026-01-01T00:00:00Z
MARKET = {"type": "context", "v": 1, "market": "m1", "start": DAY0 + 8 * 3600, "interval": 900,
          "gate": 60, "floor": 80_000, "cap": 300_000, "qmax": 100_000}

PARAMS = {
    "fixed": {"power_w": 400},
    "deferrable": {"power_w": 2000, "energy_wh": 3000, "deadline_s": 7 * 3600},
    "thermostatic": {"power_w": 2000, "lo_mc": 19000, "hi_mc": 22000, "loss_pm_h": 100,
                     "gain_mc_wh": 2, "temp_out_mc": 5000},
    "pv": {"peak_w": 4000, "margin_pm": 20},
    "battery": {"capacity_wh": 10000, "power_w": 3000, "soc_min_pm": 100, "soc_max_pm": 950,
                "eff_pm": 900},
}


def market_at(t, **kw):
    return dict(MARKET, start=t, **kw)


def random_cases(n, seed=6):
    """A spread of states, markets and forecasts for every personality and every function."""
    rnd = random.Random(seed)
    cases = []
    for _ in range(n):
        kind = rnd.choice(sorted(PARAMS))
        params = dict(PARAMS[kind])
        start = DAY0 + rnd.randrange(96) * 900
        market = market_at(start, floor=rnd.randrange(0, 150_000), cap=rnd.randrange(150_000, 500_000),
                           qmax=rnd.choice([100_000, 300, 1]))
        forecast = rnd.choice([None, {}, {"price": rnd.randrange(0, 400_000),
                                          "mean": rnd.randrange(50_000, 300_000),
                                          "pv_wh": rnd.randrange(-5, 1200),
                                          "load_wh": rnd.randrange(0, 500),
                                          "temp_out_mc": rnd.randrange(-15000, 35000)}])
        if kind == "thermostatic":
            params["mode"] = rnd.choice(["heat", "cool"])
            state = {"temp_mc": rnd.randrange(12000, 30000)}
        elif kind == "battery":
            state = {"soc_wh": rnd.randrange(0, 10001)}
        elif kind == "deferrable":
            params["island"] = rnd.choice(["eager", "lazy"])
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


def test_deferrable_willingness_to_pay_rises_toward_the_deadline():
    params = PARAMS["deferrable"]
    state = {"done_wh": 0, "deadline": DAY0 + 7 * 3600}
    top_prices = []
    for slots_left in (24, 12, 6, 4, 3, 2):
        market = market_at(state["deadline"] - slots_left * 900)
        side, curve = P.tender("deferrable", params, state, market, None)
        assert side == "buy"
        assert sum(q for _, q in curve) == 500  # 2 kW for 15 min
        top_prices.append(curve[0][0])
    assert top_prices == sorted(top_prices)
    assert top_prices[0] < MARKET["cap"] // 2
    # 3000 Wh left with 6 slots of 500 Wh: every slot must run, all of it at the cap
    market = market_at(state["deadline"] - 6 * 900)
    assert P.tender("deferrable", params, state, market, None)[1] == [[MARKET["cap"], 500]]
    # done, or past the deadline: nothing to buy
    assert P.tender("deferrable", params, dict(state, done_wh=3000), market, None) is None
    assert P.tender("deferrable", params, state, market_at(state["deadline"]), None) is None


def test_deferrable_finishes_by_its_deadline_on_its_island_policy():
    params = dict(PARAMS["deferrable"], island="lazy")
    now = DAY0 + 3600
    state = P.initial_state("deferrable", params, now)
    assert state["deadline"] == DAY0 + 7 * 3600
    t, deadline = now, state["deadline"]
    ran = 0
    while t < deadline:
        market = market_at(t)
        wh = P.island("deferrable", params, state, market)
        ran += wh
        state = P.advance("deferrable", params, state, market, None, wh)
        t += 900
    assert ran == 3000  # lazy: it waited, then ran exactly what it needed
    assert state == {"done_wh": 0, "deadline": DAY0 + 31 * 3600}  # next day's cycle


def test_thermostat_bids_harder_as_it_cools_and_stays_in_band_offline():
    params = PARAMS["thermostatic"]
    prices = []
    for temp in (21900, 21000, 20000, 19200):
        side, curve = P.tender("thermostatic", params, {"temp_mc": temp}, MARKET, None)
        prices.append(curve[0][0] if curve[0][0] < MARKET["cap"] else curve[-1][0])
    assert prices == sorted(prices)
    # below the band, what is needed to get back is bid at the cap
    side, curve = P.tender("thermostatic", params, {"temp_mc": 18000}, MARKET, None)
    assert curve[0][0] == MARKET["cap"] and curve[0][1] > 0
    # too warm: no tender
    assert P.tender("thermostatic", params, {"temp_mc": 23000}, MARKET, None) is None
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
    assert P.tender("thermostatic", params, {"temp_mc": 19000}, MARKET, None) is None
    side, curve = P.tender("thermostatic", params, {"temp_mc": 23000}, MARKET, None)
    assert side == "buy" and curve[0][0] == MARKET["cap"]
    after = P.advance("thermostatic", params, {"temp_mc": 23000}, MARKET, None, 500)
    assert after["temp_mc"] < 23000


def test_pv_sells_its_forecast_near_feed_in():
    side, curve = P.tender("pv", PARAMS["pv"], {}, MARKET, {"pv_wh": 640})
    assert side == "sell"
    assert curve == [[MARKET["floor"] + (MARKET["cap"] - MARKET["floor"]) * 20 // 1000, 640]]
    assert P.tender("pv", PARAMS["pv"], {}, MARKET, {"pv_wh": 0}) is None
    assert P.dispatch("pv", PARAMS["pv"], {}, MARKET, {"pv_wh": 640}, 300, "sell") == -640


def test_battery_buys_low_sells_high_within_its_limits():
    params = PARAMS["battery"]
    buy, sell = P.kind_module("battery").battery_limits(params, MARKET, {"mean": 200_000})
    assert buy < 200_000 < sell
    assert sell * params["eff_pm"] // 1000 >= buy  # a round trip at the limits does not lose money
    half = {"soc_wh": 5000}
    assert P.tender("battery", params, half, MARKET, {"mean": 200_000, "price": 100_000}) == \
        ("buy", [[buy, 750]])
    assert P.tender("battery", params, half, MARKET, {"mean": 200_000, "price": 290_000}) == \
        ("sell", [[sell, 750]])
    assert P.tender("battery", params, half, MARKET, {"mean": 200_000, "price": 200_000}) is None
    full = {"soc_wh": 9500}
    assert P.tender("battery", params, full, MARKET, {"mean": 200_000, "price": 1}) is None
    empty = {"soc_wh": 1000}
    assert P.tender("battery", params, empty, MARKET, {"mean": 200_000, "price": 299_000}) is None
    # charging loses the round-trip efficiency, discharging does not; SoC never leaves [0, cap]
    assert P.advance("battery", params, half, MARKET, None, 700)["soc_wh"] == 5630
    assert P.advance("battery", params, half, MARKET, None, -700)["soc_wh"] == 4300
    assert P.advance("battery", params, full, MARKET, None, 5000)["soc_wh"] == 10000


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
