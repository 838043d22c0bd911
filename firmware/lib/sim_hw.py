# Simulated hardware for the unix port: Pin, UART and I2C with the interface of machine's, plus a
# clock the tests can drive. Virtual boards get their relay, button and LED pins from here, and
# the meter driver tests feed real protocol bytes and pulse trains through these objects.
import time

_pins = {}
_uarts = {}
_i2cs = {}
_now_us = None  # None: real time; an int: simulated microseconds, moved by advance_us()


def set_time_us(t):
    """Switch to simulated time (``t`` microseconds), or back to real time with None."""
    global _now_us
    _now_us = t


def advance_us(dt):
    global _now_us
    _now_us += dt


def ticks_us():
    return time.ticks_us() if _now_us is None else _now_us


def ticks_ms():
    return time.ticks_ms() if _now_us is None else _now_us // 1000


def ticks_diff(a, b):
    return time.ticks_diff(a, b) if _now_us is None else a - b


def ticks_add(t, delta):
    return time.ticks_add(t, delta) if _now_us is None else t + delta


def sleep_ms(ms):
    if _now_us is None:
        time.sleep_ms(ms)
    else:
        advance_us(ms * 1000)


def disable_irq():
    return 0


def enable_irq(state):
    pass


def pin(pin_id):
    """The simulated pin a driver created with this number (tests drive it from outside)."""
    return _pins[pin_id]


def uart(uart_id):
    return _uarts[uart_id]


def i2c(i2c_id):
    return _i2cs[i2c_id]


def reset():
    """Forget every pin, UART and bus (between tests)."""
    _pins.clear()
    _uarts.clear()
    _i2cs.clear()
    set_time_us(None)


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, pin_id, mode=-1, pull=-1, value=None, **kw):
        self.id = pin_id
        self.mode = mode
        self.pull = pull
        self._level = 1 if pull == Pin.PULL_UP else 0
        self._handler = None
        self._trigger = 0
        self.writes = 0
        if value is not None:
            self._level = 1 if value else 0
        _pins[pin_id] = self

    def init(self, mode=-1, pull=-1, value=None, **kw):
        if mode != -1:
            self.mode = mode
        if value is not None:
            self._level = 1 if value else 0

    def value(self, v=None):
        if v is None:
            return self._level
        self._level = 1 if v else 0
        self.writes += 1

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=3, hard=False, **kw):
        self._handler = handler
        self._trigger = trigger

    # -- the outside world ---------------------------------------------------------------------
    def drive(self, level):
        """An external circuit sets the line; edges fire the IRQ handler like the real pin."""
        level = 1 if level else 0
        old, self._level = self._level, level
        if self._handler is None or old == level:
            return
        if (level and self._trigger & Pin.IRQ_RISING) or (not level and self._trigger & Pin.IRQ_FALLING):
            self._handler(self)

    def pulse(self):
        """One pulse: a rising then a falling edge."""
        self.drive(1)
        self.drive(0)


class UART:
    def __init__(self, uart_id, baudrate=115200, bits=8, parity=None, stop=1, rxbuf=256, **kw):
        self.id = uart_id
        self.rxbuf = rxbuf
        self.overruns = 0
        self._rx = bytearray()
        self.written = bytearray()
        self.init(baudrate, bits, parity, stop, **kw)
        _uarts[uart_id] = self

    def init(self, baudrate=115200, bits=8, parity=None, stop=1, **kw):
        self.baudrate, self.bits, self.parity, self.stop = baudrate, bits, parity, stop
        self.pins = kw

    def any(self):
        return len(self._rx)

    def read(self, n=None):
        if not self._rx:
            return None
        n = len(self._rx) if n is None else min(n, len(self._rx))
        out = bytes(self._rx[:n])
        self._rx = self._rx[n:]
        return out

    def readinto(self, buf, nbytes=None):
        n = min(len(buf) if nbytes is None else nbytes, len(self._rx))
        if not n:
            return None
        buf[:n] = self._rx[:n]
        self._rx = self._rx[n:]
        return n

    def write(self, data):
        self.written.extend(data)
        return len(data)

    def feed(self, data):
        """Bytes arrive on RX; beyond the receive buffer they are lost, as on the chip."""
        room = self.rxbuf - len(self._rx)
        if len(data) > room:
            self.overruns += len(data) - room
            data = data[:room]
        self._rx.extend(data)


class I2C:
    """A bus with register-file devices attached by address (``attach``)."""

    def __init__(self, i2c_id=0, scl=None, sda=None, freq=400000, **kw):
        self.id = i2c_id
        self.freq = freq
        self.devices = {}
        _i2cs[i2c_id] = self

    def attach(self, addr, device):
        self.devices[addr] = device

    def scan(self):
        return sorted(self.devices)

    def _dev(self, addr):
        dev = self.devices.get(addr)
        if dev is None:
            raise OSError(19)  # ENODEV: nobody acknowledged the address
        return dev

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        return bytes(self._dev(addr).read(memaddr, nbytes, addrsize))

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        data = self._dev(addr).read(memaddr, len(buf), addrsize)
        buf[:] = data

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        self._dev(addr).write(memaddr, bytes(buf), addrsize)


def NeoPixel(pin_obj, n):
    return _Pixels(pin_obj, n)


class _Pixels:
    def __init__(self, pin_obj, n):
        self.pin = pin_obj
        self.n = n
        self.buf = [(0, 0, 0)] * n
        self.writes = 0

    def __setitem__(self, i, rgb):
        self.buf[i] = rgb

    def __getitem__(self, i):
        return self.buf[i]

    def __len__(self):
        return self.n

    def fill(self, rgb):
        for i in range(self.n):
            self.buf[i] = rgb

    def write(self):
        self.writes += 1
