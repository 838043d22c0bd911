# A real board's clock (hal.Board loads it when no other clock is given; virtual boards run on
# simclock). Unix seconds: time.time() (shifted to 1970 where the port counts from 2000) plus
# whatever set() learnt from the network; a simulation can freeze() the clock and advance() it,
# so a virtual board lives a day in seconds.
import time

from micropython import const

_EPOCH_2000 = const(946684800)  # seconds from 1970 to 2000, the epoch of some MicroPython ports
_KNOWN = 1700000000  # a clock below this (Nov 2023) has not learnt the time: an ESP32 at power-on


class Clock:
    def __init__(self):
        self._epoch = _EPOCH_2000 if time.gmtime(0)[0] == 2000 else 0
        self._offset = 0
        self._frozen = None

    def unix(self):
        if self._frozen is not None:
            return self._frozen
        # whole seconds: time.time() is an int on the ESP32 but a float on the unix port
        return int(time.time()) + self._epoch + self._offset

    def set(self, t):
        if self._frozen is not None:
            self._frozen = t
        else:
            self._offset += t - self.unix()

    def known(self):
        """True once the clock tells the real time (a frozen, simulated one always does)."""
        return self._frozen is not None or self.unix() >= _KNOWN

    def freeze(self, t):
        self._frozen = t

    def advance(self, seconds):
        self._frozen += seconds

    def ms_until(self, t):
        """Milliseconds until Unix time ``t`` (0 if it has passed)."""
        left = t - self.unix()
        return left * 1000 if left > 0 else 0
