# The real hardware of an ESP32 / ESP32-C3 board, under the names sim_hw gives the unix port.
# Not runnable on the unix port (no machine.Pin there); checked on hardware only.
from machine import I2C, UART, Pin, disable_irq, enable_irq  # noqa: F401
from time import sleep_ms, ticks_add, ticks_diff, ticks_ms, ticks_us  # noqa: F401


def NeoPixel(pin_obj, n):
    from neopixel import NeoPixel as _NeoPixel

    return _NeoPixel(pin_obj, n)
