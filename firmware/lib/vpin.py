# Pins of a virtual board on the unix port, the little of machine.Pin that hal uses for a
# relay, a button and GPIO LEDs: a level that reads back what was written. Nothing drives a
# virtual button, so irq() only records its handler. The driver tests need more (pulse trains,
# UART, I2C, simulated time) and pass sim_hw as the board's hardware instead.
from time import ticks_add, ticks_diff, ticks_ms  # noqa: F401 - hal.Button's clock


class Pin:
    IN = 1
    OUT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, pin_id, mode=-1, pull=-1, value=None):
        self.id = pin_id
        self.handler = None
        self.level = (1 if value else 0) if value is not None else (1 if pull == 1 else 0)

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = 1 if v else 0

    def irq(self, handler=None, trigger=3):
        self.handler = handler
