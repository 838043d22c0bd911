"""`micromarket sim`: virtual boards and host agents (the firmware's personality code on CPython,
enrolled by the registrar, signing with `cryptography`) trade in one market; everyone delivers
every interval, the ledger verifies and the balances add up."""

from micromarket.sim.street import run_sim


def test_boards_and_host_agents_trade_a_few_intervals(tmp_path, mosquitto):
    out = run_sim(tmp_path / "sim", devices=8, hours=1.5, boards=1, speed=720, broker=mosquitto.url)
    day = out["day"]
    assert out["host_agents"] == 7
    assert len(day.intervals) == 6
    assert day.ledger["ok"] and day.balances_add_up
    delivered = {}
    for p in day.parties:
        delivered[p.party] = p.deliveries
    # every party (board or host agent) shows one delivery per interval of the day, the warm-up's
    # apart
    assert len(delivered) == 8 and set(delivered.values()) == {6}, delivered
    assert day.warmup["deliveries"] > 0 and day.totals()["closing_error"] == 0
    assert sum(i.deliveries for i in day.intervals) == 6 * 8
    assert day.totals()["tenders"] > 0 and sum(i.local for i in day.intervals) > 0
