"""Run the agent through the device's real boot wiring (app.run) for N intervals, printing the
heap after each interval: `micropython agent_day.py N [cold]` in the device's directory (cold:
the board's own clock starts at 2000-01-01, as an ESP32's does at power-on)."""

import asyncio
import gc
import sys

import app


def report(agent, s):
    gc.collect()
    print("HEAP", s, gc.mem_alloc(), gc.mem_free(), agent.heap_peak, agent.link.connected,
          agent.stats["acted"], agent.stats["island"], len(agent.store), len(agent.sent))


async def main(n):
    a = await app.run(n, report, log=lambda *m: print("LOG", *m))
    st = a.stats
    print("DONE", " ".join("%s=%d" % (k, st[k]) for k in sorted(st)), "balance=%s" % a.balance,
          "connects=%d" % a.link.connects, "dropped=%d" % getattr(a.link, "dropped", 0))


if sys.argv[2:] == ["cold"]:  # the board's own clock as an ESP32 has it at power-on
    import hal_clock

    class ColdClock(hal_clock.Clock):
        def __init__(self):
            super().__init__()
            self._offset = 946684800 - self.unix()  # 2000-01-01, nothing learnt yet

    hal_clock.Clock = ColdClock

asyncio.run(main(int(sys.argv[1])))
