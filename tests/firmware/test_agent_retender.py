"""No tender lost on the device's side: a virtual meter (a fixed load: it tenders every interval)
at the board's heap trades against a scripted market that swallows the first two copies of
every tender, as a market killed before its commit or a broker that died would, and loses its
network once. It sends each tender again, the same bytes, every quarter of an interval and
after its reconnection until the gate closes; every tender reaches the market, is awarded, and
its award is acted on and named by the delivery."""

import time
from collections import defaultdict
from pathlib import Path

from micromarket.boards import board as boards

# helpers beside this file (tests/conftest.py puts tests/firmware on sys.path)
from agent_device import heap_rows, make_device, parse_done
from devproc import CuttableProxy, DeviceProcess
from scripted_market import ScriptedMarket

HERE = Path(__file__).parent
SPEED = 720


def test_tenders_swallowed_twice_and_cut_off_still_reach_the_market(tmp_path, mosquitto, mpy_lib):
    board = boards.get_board("virtual-meter")
    anchor = int(time.time())
    market = ScriptedMarket(mosquitto.port, {}, speed=SPEED, anchor=anchor, swallow=2)
    n = market.interval
    net = CuttableProxy(mosquitto.port)
    party, public = make_device(tmp_path, board="virtual-meter", market_key=market.public,
                                port=net.port, speed=SPEED, anchor=anchor)
    market.parties[party] = public
    market.start()
    intervals = 10
    try:
        with DeviceProcess(HERE / "agent_day.py", intervals, heap=str(board.config["heap"]),
                           cwd=tmp_path, lib_dirs=[mpy_lib]) as dev:
            for _ in range(3):
                dev.expect("HEAP")
            # off the network for about a third of an interval, right after a tender's first copy
            known = {h for _, _, _, h in market.tender_log}
            deadline = time.monotonic() + 30
            while {h for _, _, _, h in market.tender_log} <= known:
                assert time.monotonic() < deadline, "no new tender within 30 s"
                time.sleep(0.01)
            net.cut()
            off = market.now()
            time.sleep(n / 3 / SPEED)
            net.restore()
            back = market.now()
            done = parse_done(dev.expect("DONE", timeout=60))
            assert dev.wait() == 0
    finally:
        market.stop()
        net.cut()
    print(f"\ncut off from {off - anchor} to {back - anchor} s of market time; {done}")
    copies = defaultdict(list)  # tender hash -> (arrival, interval) of every copy
    for at, p, b, h in market.tender_log:
        if p == party:
            copies[h].append((at, b))
    recorded = {h for (p, _), (h, _) in market.tenders.items() if p == party}
    # every tender the device made reached the market, past the two copies swallowed: each
    # that had the time for three copies (a quarter interval apart) before its gate closed and
    # before the device stopped trading (the first, made at boot, and the last may not have)
    assert len(copies) == done["tenders"] >= intervals - 1
    # and not off the network for part of it (which may take two of the quarters' copies)
    stopped = heap_rows(dev.seen)[-1].interval
    due = {h for h, seen in copies.items()
           if seen[0][0] + n / 2 + 60 <= min(seen[0][1] - market.gate, stopped)
           and not (seen[0][0] <= back + n / 3 and seen[0][1] - market.gate >= off)}
    print(f"{len(copies)} tenders, {len(due)} with time for three copies, "
          f"{sum(h in recorded for h in copies)} recorded; copies each: "
          f"{sorted(len(c) for c in copies.values())}")
    assert len(due) >= len(copies) - 5
    assert due <= recorded, {h.hex()[:8]: c for h, c in copies.items() if h not in recorded}
    assert done["retendered"] >= 2 * done["tenders"]
    # a tender open when the network went was kept through the reconnection and sent again
    across = [seen for seen in copies.values()
              if seen[0][0] < off and seen[0][1] - market.gate > back + n / 4]
    assert across, copies
    assert all(any(at > back for at, _ in seen) for seen in across), (off, back, across)
    # each copy came before the interval's gate closed (a few seconds of transit allowed) and
    # no more of them than a quarter-interval cadence and a reconnection make
    for h in due:
        seen = copies[h]
        b = seen[0][1]
        assert all(at <= b - market.gate + 30 for at, _ in seen), (b, seen)
        assert len(seen) <= 7, seen
    # awarded, acted on, named by the delivery: all but an award published while the device was
    # off the network (a clean session loses it)
    delivered = {d.interval: d for _, d in market.deliveries[party]}
    awarded = [b for (p, b) in market.tenders if p == party and b in delivered
               and not off <= b - market.gate <= back + n / 4]
    assert len(awarded) >= intervals - 4, awarded
    assert all(delivered[b].award == market.awards[(party, b)][0] for b in awarded)
    assert done["errors"] == 0 and done["refused"] == 0 and market.refused == []
    assert done["connects"] == 2
