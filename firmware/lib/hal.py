# Hardware abstraction: a board's relay, button, LEDs, clock and meter, built from the config the
# host compiled (config/board.json). Real boards drive machine.Pin/UART/I2C through hw_esp; the
# unix port has no machine.Pin, so virtual boards get the same classes on vpin's pins (the driver
# tests pass sim_hw, which also simulates pulse trains, UART and I2C). The button, the LEDs and
# the board's own clock (hal_clock; virtual boards run on simclock) are in their own modules,
# loaded only by boards that use them, and a virtual board opens its button and LEDs only when
# something touches them: while trading it pays heap for its relay and meter only.
import meter


def hardware():
    """hw_esp on a real board, vpin (a virtual board's pins) on the unix port."""
    import machine

    if hasattr(machine, "Pin"):
        import hw_esp

        return hw_esp
    import vpin

    return vpin


class Relay:
    """An output that switches the load; starts off (at the board's off level), no glitch."""

    def __init__(self, hw, cfg):
        self._inv = 1 if cfg.get("inverted") else 0
        self._pin = hw.Pin(cfg["pin"], hw.Pin.OUT, value=self._inv)
        self.state = False
        self.switches = 0

    def set(self, on):
        on = bool(on)
        self._pin.value(int(on) ^ self._inv)
        if on != self.state:
            self.state = on
            self.switches += 1


class Board:
    """Everything on the board, from its config. ``hw`` defaults to the platform's hardware,
    ``clock`` to the board's own (hal_clock.Clock)."""

    def __init__(self, cfg, hw=None, clock=None):
        lazy = hw is None and cfg.get("chip") == "unix"
        hw = hw or hardware()
        if clock is None:
            from hal_clock import Clock

            clock = Clock()
        self.name = cfg.get("name", "unconfigured")
        self.clock = clock
        self.relay = Relay(hw, cfg["relay"]) if "relay" in cfg else None
        # a virtual board on its own pins opens its button and LEDs at first use (its trading
        # never touches them, so their modules stay unloaded); any other board opens them now
        self._hw, self._lazy = hw, (cfg.get("button"), cfg.get("leds"))
        if not lazy:
            self.button  # noqa: B018
            self.leds  # noqa: B018
        self.meter = meter.open_meter(cfg["meter"], hw, clock, self.relay)

    def __getattr__(self, name):
        if name == "button":
            c = self._lazy[0]
            if c:
                from hal_button import Button

                c = Button(self._hw, c)
            self.button = c
            return c
        if name == "leds":
            c = self._lazy[1]
            if c:
                from hal_led import open_leds

                c = open_leds(self._hw, c)
            self.leds = c or ()
            return self.leds
        raise AttributeError(name)

    def set_relay(self, on):
        """Switch the load, booking the meter's energy up to this moment first."""
        if self.relay is not None:
            self.meter.poll()
            self.relay.set(on)
            self.meter.poll()

    def led(self, on):
        for led in self.leds:
            led.set(on)


def open_board(cfg=None, hw=None, clock=None):
    """The board of ``cfg``, or of config/board.json."""
    if cfg is None:
        import json

        with open("config/board.json") as f:
            cfg = json.load(f)
    return Board(cfg, hw, clock)
