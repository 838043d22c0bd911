# The virtual meter of a virtual board: power follows the board's profile, a step curve of
# (minute of day, W) points (negative for production), or for a battery a setpoint the agent
# sets. Energy is integrated exactly over the clock, segment by segment, so a simulated day in
# accelerated time books the same Wh as a real one. Time of day is taken in UTC.
from array import array

from micropython import const

import meter

_DAY = const(86400)
_MAX_GAP = const(172800)  # a clock jump beyond two days (e.g. set at boot) books no energy
_VOLTAGE_MV = const(230000)


class VirtualMeter(meter.Meter):
    def __init__(self, cfg, clock, relay):
        super().__init__(3600)  # energy in joules
        pts = cfg.pop("points")  # kept as two flat arrays: a day's curve in a few hundred bytes
        self._mins = array("H", [p[0] for p in pts])
        self._watts = array("i", [p[1] for p in pts])
        self._setpoint = cfg["kind"] == "setpoint"
        self._gated = cfg.get("gated", False)
        self._max_in = cfg.get("max_charge_w", 0)
        self._max_out = cfg.get("max_discharge_w", 0)
        self._clock = clock
        self._relay = relay
        self._target = 0
        self._t = clock.unix()
        self.voltage_mv = _VOLTAGE_MV
        self._update(self._t)

    def set_power(self, w):
        """Battery: charge (> 0) or discharge (< 0) at ``w`` W, within the inverter's ratings."""
        self.poll()
        self._target = max(-self._max_out, min(self._max_in, w))
        self._update(self._t)

    def _off(self):
        return self._gated and self._relay is not None and not self._relay.state

    def power_at(self, t):
        """The profile's power at Unix time ``t`` (ignoring the relay)."""
        if self._setpoint:
            return self._target
        sod = t % _DAY
        mins = self._mins
        w = self._watts[0]
        for i in range(len(mins)):
            if mins[i] * 60 > sod:
                break
            w = self._watts[i]
        return w

    def _next_change(self, t):
        if self._setpoint:
            return t + _DAY
        sod = t % _DAY
        for m in self._mins:
            if m * 60 > sod:
                return t - sod + m * 60
        return t - sod + _DAY

    def poll(self):
        now = self._clock.unix()
        t = self._t
        if now - t > _MAX_GAP or now < t:
            t = now
        if not self._off():
            while t < now:  # one step of the curve at a time: import and export stay apart
                end = min(now, self._next_change(t))
                joules = self.power_at(t) * (end - t)
                if joules:
                    self.energy.add(joules)
                t = end
        self._t = now
        self._update(now)

    def _update(self, t):
        w = 0 if self._off() else self.power_at(t)
        self.power_w = w
        self.current_ma = abs(w) * 1000000 // _VOLTAGE_MV


def open(cfg, hw, clock, relay):
    return VirtualMeter(cfg, clock, relay)
