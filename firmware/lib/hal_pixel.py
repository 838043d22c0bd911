# WS2812 LEDs on one pin, lit together (hal.Board loads it only for a board that has them).


class PixelLed:
    def __init__(self, hw, cfg):
        self._px = hw.NeoPixel(hw.Pin(cfg["pin"], hw.Pin.OUT), cfg.get("count", 1))
        self.state = False

    def set(self, on, rgb=(0, 24, 0)):
        self.state = bool(on)
        self._px.fill(rgb if on else (0, 0, 0))
        self._px.write()
