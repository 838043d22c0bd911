"""The street of the end-to-end tests: a Fleet set up and trading through a given broker."""

import itertools

from micromarket.sim.fleet import Fleet, neighbourhood

SPEED = 720            # 15 simulated minutes in 1.25 s of wall time
_ids = itertools.count()


def make_street(workdir, broker_url, kinds, routes=None, speed=SPEED, market="e2e"):
    """A fleet set up and trading (the day starts a couple of intervals from now)."""
    n = next(_ids)
    members = neighbourhood(len(kinds), f"e2e{n}", mix=kinds)
    route_urls = {members[i].name: url for i, url in (routes or {}).items()}
    fleet = Fleet(workdir / f"street{n}", members, speed=speed, market_id=f"{market}{n}",
                  broker=broker_url, routes=route_urls, keepalive=3)
    try:
        fleet.setup(warmup_intervals=2)
    except BaseException:
        fleet.close()
        fleet.remove_boards()
        raise
    return fleet
