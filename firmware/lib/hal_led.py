# A board's LEDs (hal.Board loads this only for a board that has some): GPIO LEDs here, WS2812
# ones in hal_pixel.


class Led:
    def __init__(self, hw, cfg):
        self._inv = 1 if cfg.get("inverted") else 0
        self._pin = hw.Pin(cfg["pin"], hw.Pin.OUT, value=self._inv)
        self.state = False

    def set(self, on, rgb=None):
        self.state = bool(on)
        self._pin.value(int(self.state) ^ self._inv)


def open_leds(hw, cfgs):
    out = []
    for cfg in cfgs:
        if cfg.get("kind", "gpio") == "gpio":
            out.append(Led(hw, cfg))
        else:
            from hal_pixel import PixelLed  # ws2812

            out.append(PixelLed(hw, cfg))
    return out
