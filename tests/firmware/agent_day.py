"""Run the agent through the device's real boot wiring (app.run) for N intervals, printing the
heap after each interval: `micropython agent_day.py N` in the device's directory."""

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
    print("DONE", " ".join("%s=%d" % (k, st[k]) for k in sorted(st)), "balance=%s" % a.balance)


asyncio.run(main(int(sys.argv[1])))
