# A board's push button (hal.Board loads it only for a board that has one).


class Button:
    """Counted by IRQ with a debounce; pressed() returns the presses since the last call."""

    _DEBOUNCE_MS = 50

    def __init__(self, hw, cfg):
        Pin = hw.Pin
        pull = {"up": Pin.PULL_UP, "down": Pin.PULL_DOWN}.get(cfg.get("pull"))
        self._hw = hw
        self._inv = 1 if cfg.get("inverted") else 0
        # None is no pull resistor (the ports take it; the stubs type pull as an int only)
        self._pin = Pin(cfg["pin"], Pin.IN, pull)  # pyright: ignore[reportArgumentType]
        self._presses = 0
        # ticks wrap: a time before now is ticks_add's, not a subtraction's
        self._last_ms = hw.ticks_add(hw.ticks_ms(), -self._DEBOUNCE_MS - 1)
        self._pin.irq(self._irq, Pin.IRQ_FALLING if self._inv else Pin.IRQ_RISING)

    def _irq(self, _pin):
        now = self._hw.ticks_ms()
        if self._hw.ticks_diff(now, self._last_ms) > self._DEBOUNCE_MS:
            self._presses += 1
        self._last_ms = now

    def pressed(self):
        n = self._presses
        self._presses = 0
        return n

    def is_down(self):
        return bool(self._pin.value() ^ self._inv)
