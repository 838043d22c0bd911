"""Whole intervals on a street of virtual boards running the firmware, through Mosquitto: every
device delivers every interval once, every award is acted on once (its delivery names it), the
ledger verifies and the balances add up."""

from e2e_checks import check_nothing_lost, counters

INTERVALS = 8


def test_whole_intervals_every_award_once_every_delivery_once(street, mosquitto):
    fleet = street(mosquitto.url, ["house", "pv", "battery", "dishwasher", "heater"])
    state = fleet.run_day(INTERVALS * fleet.interval / 3600)
    assert not state.get("timed_out"), state
    day = check_nothing_lost(fleet, INTERVALS)
    assert day.totals()["tenders"] > 0
    # trading happened between neighbours, and nothing the devices sent was refused
    assert sum(i.local for i in day.intervals) > 0
    c = counters(fleet.db)
    refused = {k: v for k, v in c.items() if k not in ("accepted", "tender", "delivery", "cleared")}
    assert refused == {}, refused
