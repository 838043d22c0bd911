# Hardware abstraction: a board's relay, button, LEDs, clock and meter, built from the config the
# host compiled (config/board.json). Real boards drive machine.Pin/UART/I2C through hw_esp; the
# unix port has no machine.Pin, so virtual boards get the same classes on vpin's pins (the driver
# tests pass sim_hw, which also simulates pulse trains, UART and I2C). The button, the LEDs and
# the board's own clock (hal_clock; virtual boards run on simclock) are in their own modules,
# loaded only by boards that use them: a virtual board pays heap for its relay and meter only.
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
        hw = hw or hardware()
        if clock is None:
            from hal_clock import Clock

            clock = Clock()
        self.name = cfg.get("name", "unconfigured")
        self.clock = clock
        self.relay = Relay(hw, cfg["relay"]) if "relay" in cfg else None
        self.button = None
        if "button" in cfg:
            from hal_button import Button

            self.button = Button(hw, cfg["button"])
        self.leds = ()
        if cfg.get("leds"):
            from hal_led import open_leds

            self.leds = open_leds(hw, cfg["leds"])
        self.meter = meter.open_meter(cfg["meter"], hw, clock, self.relay)

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
