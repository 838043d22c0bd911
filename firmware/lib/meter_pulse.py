# BL0937 / HLW8012 pulse-output meters (Shelly Plus Plug S and 1PM, maker HLW8012 boards).
#
# CF pulses at a frequency proportional to active power: each pulse is a fixed energy
# (mj_per_cf, from the board's shunt and divider, compiled on the host). CF1 pulses in
# proportion to RMS voltage or current, chosen by the SEL pin; we alternate between them.
# Pulses are counted in IRQ handlers that only bump integers (no allocation), and poll() turns
# the counts into energy, power, voltage and current.
from micropython import const

import meter

_WINDOW_MS = const(1000)  # CF1 counting window per quantity
_SETTLE_MS = const(100)  # after switching SEL, pulses of the old quantity are ignored
_IDLE_MS = const(600000)  # no CF pulse for this long: power is taken as 0


class PulseMeter(meter.Meter):
    def __init__(self, cfg, hw):
        super().__init__(3600000)  # energy in mJ
        Pin = hw.Pin
        self._hw = hw
        self._mj = cfg["mj_per_cf"]
        self._uv = cfg["uv_per_hz"]
        self._ua = cfg["ua_per_hz"]
        self._sel_current = cfg["sel_current"]
        self._current_mode = False
        self._sel = Pin(cfg["sel"], Pin.OUT, value=1 - self._sel_current)
        self._cf = Pin(cfg["cf"], Pin.IN)
        self._cf1 = Pin(cfg["cf1"], Pin.IN)
        self._n = 0  # CF pulses since boot (IRQ)
        self._t_last = 0  # ticks_us of the last CF pulse (IRQ)
        self._n1 = 0  # CF1 pulses in the current window (IRQ)
        self._seen = 0  # CF pulses booked as energy
        self._span_n = 0  # CF count and timestamp where the current power average started
        self._span_t = 0
        now = hw.ticks_ms()
        self._last_pulse_ms = now
        self._phase_ms = now
        self._settling = True
        self._cf.irq(self._on_cf, Pin.IRQ_RISING, hard=True)
        self._cf1.irq(self._on_cf1, Pin.IRQ_RISING, hard=True)

    def _on_cf(self, _pin):
        self._t_last = self._hw.ticks_us()
        self._n += 1

    def _on_cf1(self, _pin):
        self._n1 += 1

    def poll(self):
        hw = self._hw
        while True:  # a consistent pair (count, time of last pulse) despite the IRQ
            n, t_last = self._n, self._t_last
            if n == self._n:
                break
        now = hw.ticks_ms()
        new = n - self._seen
        if new:
            self.energy.add(new * self._mj)
            self._seen = n
            self._last_pulse_ms = now
            if self._span_n:
                span = hw.ticks_diff(t_last, self._span_t) // 100  # in 100 us
                if span > 0:
                    self.power_w = (n - self._span_n) * self._mj * 10 // span
            self._span_n, self._span_t = n, t_last
        else:
            idle = hw.ticks_diff(now, self._last_pulse_ms)
            if idle > _IDLE_MS:
                self.power_w = 0
                self._span_n = 0
            elif idle > 0 and self._mj // idle < self.power_w:
                self.power_w = self._mj // idle  # no pulse yet: power is at most one pulse per idle
        self._cf1_step(now)

    def _cf1_step(self, now):
        elapsed = self._hw.ticks_diff(now, self._phase_ms)
        if self._settling:
            if elapsed >= _SETTLE_MS:
                self._n1 = 0
                self._phase_ms = now
                self._settling = False
            return
        if elapsed < _WINDOW_MS:
            return
        n1 = self._n1
        if self._current_mode:
            self.current_ma = n1 * self._ua // elapsed
        else:
            self.voltage_mv = meter.muldiv(n1, self._uv, elapsed)
        self._current_mode = not self._current_mode
        level = self._sel_current if self._current_mode else 1 - self._sel_current
        self._sel.value(level)
        self._phase_ms = now
        self._settling = True


def open(cfg, hw, clock, relay):
    return PulseMeter(cfg, hw)
