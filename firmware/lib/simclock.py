# Scaled time for virtual boards, so a 24 h day of 15-minute intervals runs in minutes.
#
#     sim_time = anchor + (wall_now - anchor) * speed
#
# with anchor in Unix seconds and wall_now the host's wall clock (time.time_ns() on the unix
# port). It is the formula of the market's ScaledClock (host/micromarket/market/clock.py), so a
# virtual board and a market started with the same anchor and speed (`micromarket market serve
# --speed S --anchor A`) agree on the time with no handshake, across restarts of either. At
# speed 1 it is the wall clock.
#
# The device config gives both: config/agent.json {"clock": {"speed": 240, "anchor": 1767225600}}.
# Speeds are kept in thousandths so that fractional speeds (e.g. 0.5) stay integer arithmetic.
# The object has the interface of hal_clock.Clock that the meters and the agent use: unix(), set(),
# known().
import time

from micropython import const

_NS = const(1000000000)


class ScaledClock:
    def __init__(self, speed=1, anchor=None):
        self.speed_m = int(speed * 1000 + 0.5) if isinstance(speed, float) else speed * 1000
        if self.speed_m <= 0:
            raise ValueError("clock speed must be positive")
        self.anchor = int(time.time()) if anchor is None else int(anchor)

    def unix_ns(self):
        """Simulated time, ns."""
        a = self.anchor * _NS
        return a + (time.time_ns() - a) * self.speed_m // 1000

    def unix(self):
        """Simulated time, whole Unix seconds."""
        return self.unix_ns() // _NS

    def known(self):
        """The config gave the time: always known."""
        return True

    def set(self, t):
        """Simulated time follows the host's wall clock and the anchor; a time learnt from the
        network (e.g. a context's `issued`) is not applied."""

    def ms_until(self, t):
        """Wall milliseconds until simulated time ``t`` (0 if it has passed)."""
        left = t * _NS - self.unix_ns()
        if left <= 0:
            return 0
        return -(-left * 1000 // (self.speed_m * 1000000))


def from_config(cfg):
    """The clock a device config asks for: a ScaledClock, or None for the board's own clock."""
    c = cfg.get("clock")
    if not c:
        return None
    return ScaledClock(c.get("speed", 1), c.get("anchor"))
