"""The issue's limit: on the unix port with a classic ESP32's heap (110 KB, from the board file),
the firmware's agent trades a simulated 24 h of 15-minute intervals against a real broker and a
market that signs its contexts and awards, with no growth of the heap between intervals; every
delivery names the newest ledger tree head the agent verified, refusing one that went back.

The firmware runs as deployed to a virtual board: every module compiled with mpy-cross."""

import json
import statistics
import time
from pathlib import Path

import pytest

from micromarket.boards import board as boards

# helpers beside this file (tests/conftest.py puts tests/firmware on sys.path)
from agent_device import heap_rows, make_device, parse_done
from devproc import DeviceProcess
from scripted_market import ScriptedMarket

HERE = Path(__file__).parent
SPEED = 1440  # a day in a minute: 15 simulated minutes are 0.625 s of wall time


# the board file's heap (110 KB): the agent stack as .mpy on the 64-bit unix port (objects twice
# the size of the ESP32's) must trade the day with room to spare (see `micromarket bench heap`)
MIN_FREE = 12 * 1024  # the least free heap (after a collection) allowed at the board's heap


@pytest.mark.parametrize("heap_kb", [pytest.param(110, id="board-heap-110K")])
def test_a_day_of_trading_in_an_esp32_heap(tmp_path, mosquitto, mpy_lib, heap_kb):
    board = boards.get_board("virtual-battery")
    assert board.config["heap"] == heap_kb * 1024
    heap = str(board.config["heap"])
    # the simulated clock starts at real time: pick an anchor so the day begins now-ish
    anchor = int(time.time())
    market = ScriptedMarket(mosquitto.port, {}, speed=SPEED, anchor=anchor, shrink=(40,))
    party, public = make_device(tmp_path, board="virtual-battery", market_key=market.public,
                                port=mosquitto.port, speed=SPEED, anchor=anchor)
    market.parties[party] = public
    market.start()
    intervals = 96
    try:
        with DeviceProcess(HERE / "agent_day.py", intervals, heap=heap, cwd=tmp_path,
                           lib_dirs=[mpy_lib]) as dev:
            done = dev.expect("DONE", timeout=intervals * 0.625 * 2 + 30)
            assert dev.wait() == 0
    finally:
        market.stop()
    rows = heap_rows(dev.seen)
    assert len(rows) == intervals
    stats = parse_done(done)
    # every interval delivered once, in order, signed, the awarded ones naming their award
    got = market.deliveries[party]
    assert len(got) == intervals, stats
    starts = [d.interval for _, d in got]
    assert starts == sorted(set(starts)) and starts[-1] - starts[0] == (intervals - 1) * 900
    seqs = market.seqs[party]
    assert seqs == sorted(set(seqs))  # strictly increasing across tenders and deliveries
    named = [d for _, d in got if d.award is not None]
    for d in named:
        assert market.awards[(party, d.interval)][0] == d.award
    print("\n" + done)
    # each delivery names the newest tree head of a clearing it verified: never a smaller one,
    # not the head of the one clearing whose ledger went back
    named_heads = [d.head for _, d in got if d.head is not None]
    assert len(named_heads) >= intervals - 2
    sizes = [h[0] for h in named_heads]
    assert sizes == sorted(sizes) and sizes[-1] >= 8 * (intervals - 3)
    assert all(h in market.heads for h in named_heads)
    assert market.heads[40] not in named_heads
    # every award it got was acted on and named by its delivery; the battery sits out the
    # intervals whose expected price lies between its buy and sell limits (no tender)
    tendered = market.tender_intervals(party)
    assert stats["tenders"] == len(tendered) >= intervals // 3
    # (the award of the interval after the last one may already be in hand and acted on)
    assert stats["awards"] == stats["acted"] >= len(named) >= stats["acted"] - 1
    assert len(named) >= len(tendered) - 3
    assert stats["refused"] == 0, [x for x in dev.seen if "refused" in x][:5]
    assert stats["uploaded"] == intervals and market.refused == []
    # the battery bought low and sold high: both sides were awarded and delivered
    sides = {d.side for d in named if d.wh > 0}
    assert sides == {"buy", "sell"}
    # no growth of the heap between intervals: the live heap after a collection in the second
    # half of the day is no larger than the largest of the first half (after warm-up)
    live = [r.alloc for r in rows]
    first, second = live[4:48], live[48:]
    assert max(second) <= max(first), (max(first), max(second))
    report = {"board": board.name, "heap_bytes": heap, "intervals": intervals,
              "live_after_gc_min": min(live[4:]), "live_after_gc_max": max(live[4:]),
              "live_after_gc_median": int(statistics.median(live[4:])),
              "free_after_gc_min": min(r.free for r in rows[4:]),
              "peak_in_use_incl_garbage": max(r.peak for r in rows)}
    print("\nheap report:", json.dumps(report))
    assert report["free_after_gc_min"] >= MIN_FREE, report
