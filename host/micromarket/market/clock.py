"""Clocks the market runs on, injected so tests and demos can run intervals faster than life.

A clock gives market time in Unix seconds (``now``) and sleeps for a span of market time
(``sleep``). ``ScaledClock`` runs ``speed`` times faster than the wall clock from an ``anchor``
instant, so a restarted market with the same anchor and speed carries on at the same market time.
"""

import asyncio
import time


class SystemClock:
    """Wall-clock time."""

    speed = 1.0

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ScaledClock:
    """Market time = anchor + (wall time - anchor) * speed."""

    def __init__(self, speed: float, anchor: float | None = None):
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        self.speed = float(speed)
        self.anchor = time.time() if anchor is None else float(anchor)

    def now(self) -> float:
        return self.anchor + (time.time() - self.anchor) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


class ManualClock:
    """A clock that moves only when told to (tests): ``sleep`` waits until someone advances it."""

    speed = 1.0

    def __init__(self, now: float):
        self.t = float(now)

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def set(self, now: float) -> None:
        self.t = float(now)

    async def sleep(self, seconds: float) -> None:
        target = self.t + max(0.0, seconds)
        while self.t < target:
            await asyncio.sleep(0.01)
