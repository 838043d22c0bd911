"""Island mode: the device loses its network mid-day; the device keeps metering, follows its offline
policy, signs and stores every delivery, and uploads them all, in order, when the link returns.
A forged award (signed by another key) is refused and never acted on."""

import time
from pathlib import Path

# helpers beside this file (tests/conftest.py puts tests/firmware on sys.path)
from agent_device import heap_rows, make_device, parse_done, parse_heap
from devproc import CuttableProxy, DeviceProcess
from scripted_market import ScriptedMarket

HERE = Path(__file__).parent
SPEED = 1440
HEAP = "256K"  # functional test; the heap figure is test_agent_day's


def test_outage_keeps_every_delivery_and_uploads_them_in_order(tmp_path, mosquitto, mpy_lib):
    anchor = int(time.time())
    market = ScriptedMarket(mosquitto.port, {}, speed=SPEED, anchor=anchor)
    net = CuttableProxy(mosquitto.port)  # the device's own network path to the broker
    party, public = make_device(tmp_path, board="virtual-meter", market_key=market.public,
                                port=net.port, speed=SPEED, anchor=anchor, keepalive=2)
    market.parties[party] = public
    market.start()
    intervals = 24
    try:
        with DeviceProcess(HERE / "agent_day.py", intervals, heap=HEAP, cwd=tmp_path,
                           lib_dirs=[mpy_lib]) as dev:
            for _ in range(5):
                dev.expect("HEAP")
            # a forged award for the next tender: verified against the pinned key, refused
            deadline = time.monotonic() + 5
            while True:
                pending = [b for b in market.tender_intervals(party)
                           if b > market.now() + market.gate]
                if pending:
                    break
                if time.monotonic() >= deadline:
                    raise AssertionError("no tender whose gate is still open reached the market "
                                         f"within 5 s; output: {dev.seen[-15:]}")
                time.sleep(0.02)
            market.forge_award(party, max(pending), 10**6)
            dev.expect("LOG refused: award:")
            net.cut()  # the device is off the network for ~8 intervals
            offline = [parse_heap(dev.expect("HEAP")) for _ in range(8)]
            net.restore()
            after = []  # the intervals once the link is back, up to the end of the day
            while not (line := dev.expect(("HEAP", "DONE"), timeout=60)).startswith("DONE"):
                after.append(parse_heap(line))
            done = line
            assert dev.wait() == 0
    finally:
        market.stop()
    # while offline the deliveries piled up in the store, signed
    queued = [h.stored for h in offline]
    assert max(queued) >= 5 and queued == sorted(queued), offline
    assert any(not h.connected for h in offline), offline
    # back online, the device reconnected and sent all it had kept before the day ended, and
    # the market's receipts emptied its store
    assert any(h.connected and h.stored == h.waiting for h in after), \
        f"the queue was not uploaded after the link came back: {after}"
    assert any(h.stored == 0 for h in after), f"no receipts emptied the store: {after}"
    stats = parse_done(done)
    assert stats["island"] >= 6 and stats["refused"] >= 1
    # nothing lost: every interval's delivery reached the market once, in order, verified
    got = [d for _, d in market.deliveries[party]]
    assert len(got) == intervals == stats["uploaded"] == stats["deliveries"]
    starts = [d.interval for d in got]
    assert starts == sorted(set(starts)) and starts[-1] - starts[0] == (intervals - 1) * 900
    assert [d.seq for d in got] == sorted(d.seq for d in got)
    # the island deliveries name no award; the meter kept counting through the outage
    assert sum(1 for d in got if d.award is None) >= 6
    # the house meter always draws (180 W at least); the first interval is only the part after
    # boot, which can be a few simulated seconds: under 1 Wh
    assert all(d.wh > 0 for d in got[1:]), [(d.interval, d.wh) for d in got]
    counters = [d.counter for d in got]
    assert counters == sorted(counters)
    assert market.refused == []
    # the forged award was never acted on: no delivery names an award the market did not make
    for d in got:
        if d.award is not None:
            assert market.awards[(party, d.interval)][0] == d.award


def test_deliveries_lost_or_refused_after_the_broker_had_them(tmp_path, mosquitto, mpy_lib):
    """The broker acknowledged them, then the market lost two (as a market killed before its
    commit would): with no receipt the device sends them again, and the market, answering a copy
    with the receipt it gave, records every interval once. A delivery refused for good is set
    aside on the device and never sent again; one refused as busy is sent again."""
    anchor = int(time.time())
    s0 = anchor - anchor % 900  # the interval the device boots in
    lose = {s0 + 2 * 900, s0 + 3 * 900}
    closed, busy = s0 + 4 * 900, s0 + 5 * 900
    market = ScriptedMarket(mosquitto.port, {}, speed=SPEED, anchor=anchor, lose=lose,
                            refuse={closed: "interval-closed", busy: "busy"})
    party, public = make_device(tmp_path, board="virtual-meter", market_key=market.public,
                                port=mosquitto.port, speed=SPEED, anchor=anchor)
    market.parties[party] = public
    market.start()
    intervals = 9
    try:
        with DeviceProcess(HERE / "agent_day.py", intervals, heap=HEAP, cwd=tmp_path,
                           lib_dirs=[mpy_lib]) as dev:
            done = parse_done(dev.expect("DONE", timeout=60))
            assert dev.wait() == 0
    finally:
        market.stop()
    assert sorted(s for _, s in market.lost) == sorted(lose)
    got = [d.interval for _, d in market.deliveries[party]]
    # every interval but the refused one once (one lost comes again two intervals later)
    assert len(got) == len(set(got)) == intervals - 1 and closed not in got
    assert lose | {busy} <= set(got)
    # refused for good: answered once, never sent again, kept aside on the device's flash
    assert market.errors[(party, closed)] == 1 and market.errors[(party, busy)] == 1
    assert done["set_aside"] == 1 and done["errors"] == 2
    aside = list((tmp_path / "state" / "out").glob("*.refused"))
    assert len(aside) == 1 and market.refused == []
    assert done["uploaded"] == intervals and done["resent"] >= len(lose) + 1
    # whatever copies beyond the lost and the busy ones the device sent were answered, not
    # recorded twice
    assert market.copies[party] == done["resent"] - len(lose) - 1
    # the lost ones were kept in the store until their receipts came
    assert max(r.stored for r in heap_rows(dev.seen)) >= 2
