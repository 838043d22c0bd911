# Hardware abstraction: a board's relay, button, LEDs, clock, storage and meter, built from the
# config the host compiled (config/board.json). Real boards drive machine.Pin/UART/I2C through
# hw_esp; the unix port has no machine.Pin, so virtual boards get the same classes on vpin's
# pins (the driver tests pass sim_hw, which also simulates pulse trains, UART and I2C). The
# button and WS2812 LEDs are in their own modules, loaded only by boards that have them.
import json
import os
import time

import meter

CONFIG_PATH = "config/board.json"
_EPOCH_2000 = 946684800  # seconds from 1970 to 2000, the epoch of some MicroPython ports


def load_config(path=CONFIG_PATH):
    with open(path) as f:
        return json.load(f)


def hardware():
    """hw_esp on a real board, vpin (a virtual board's pins) on the unix port."""
    import machine

    if hasattr(machine, "Pin"):
        import hw_esp

        return hw_esp
    import vpin

    return vpin


def _led(hw, cfg):
    if cfg.get("kind", "gpio") == "gpio":
        return Led(hw, cfg)
    from hal_pixel import PixelLed  # ws2812

    return PixelLed(hw, cfg)


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


class Led:
    def __init__(self, hw, cfg):
        self._inv = 1 if cfg.get("inverted") else 0
        self._pin = hw.Pin(cfg["pin"], hw.Pin.OUT, value=self._inv)
        self.state = False

    def set(self, on, rgb=None):
        self.state = bool(on)
        self._pin.value(int(self.state) ^ self._inv)




class Clock:
    """Unix seconds. Real boards follow time.time() (shifted to 1970 where the port counts
    from 2000) plus whatever set() learnt from the network; a simulation can freeze() the clock
    and advance() it, so a virtual board lives a day in seconds."""

    def __init__(self):
        self._epoch = _EPOCH_2000 if time.gmtime(0)[0] == 2000 else 0
        self._offset = 0
        self._frozen = None

    def unix(self):
        if self._frozen is not None:
            return self._frozen
        return time.time() + self._epoch + self._offset

    def set(self, t):
        if self._frozen is not None:
            self._frozen = t
        else:
            self._offset += t - self.unix()

    def freeze(self, t):
        self._frozen = t

    def advance(self, seconds):
        self._frozen += seconds


class Storage:
    """The flash filesystem the board's state lives on (see store.py for the state itself)."""

    def __init__(self, root="."):
        self.root = root

    def free_bytes(self):
        st = os.statvfs(self.root)
        return st[0] * st[4]


class Board:
    """Everything on the board, from its config. ``hw`` defaults to the platform's hardware."""

    def __init__(self, cfg, hw=None, clock=None):
        hw = hw or hardware()
        self.cfg = cfg
        self.name = cfg.get("name", "unconfigured")
        self.hw = hw
        self.clock = clock or Clock()
        self.relay = Relay(hw, cfg["relay"]) if "relay" in cfg else None
        self.button = None
        if "button" in cfg:
            from hal_button import Button

            self.button = Button(hw, cfg["button"])
        self.leds = [_led(hw, led) for led in cfg.get("leds", ())]
        self.storage = Storage()
        self.meter = meter.open_meter(cfg["meter"], hw, self.clock, self.relay)
        self.role = cfg.get("role", {})

    def set_relay(self, on):
        """Switch the load, booking the meter's energy up to this moment first."""
        if self.relay is None:
            return
        self.meter.poll()
        self.relay.set(on)
        self.meter.poll()

    def led(self, on):
        for led in self.leds:
            led.set(on)


def open_board(cfg=None, hw=None, clock=None):
    return Board(cfg if cfg is not None else load_config(), hw, clock)
