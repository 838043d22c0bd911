# CSE7766 / CSE7759 meter over UART (Athom Plug V3, Sonoff POW R2): 4800 baud, 8 data bits,
# even parity, 1 stop bit; a 24-byte frame about every 50 ms:
#   0      header: 0x55 all good; 0xF? status (bit 3 voltage, bit 2 current, bit 1 power cycle
#          out of range, i.e. that quantity is ~0; bit 0 calibration storage fault); 0xAA chip fault
#   1      0x5A
#   2-19   voltage, current, power: each a 24-bit parameter (factory calibration) then a 24-bit
#          cycle (period); value = parameter / cycle
#   20     update flags: bit 6 voltage, bit 5 current, bit 4 power fresh; bit 7 PF overflow
#   21-22  PF: count of energy pulses, 16 bits, wrapping
#   23     checksum: low byte of the sum of bytes 2-22
# With the cycle counted in microseconds, one PF pulse is power_param microjoules.
# Frames are found by header and checksum; on any fault we slide one byte and resync.
from micropython import const

import meter

_FRAME = const(24)
_BUF = const(72)


class CSE7766(meter.Meter):
    def __init__(self, cfg, hw):
        super().__init__(3600000)  # energy in mJ
        self._uart = hw.UART(cfg["uart"], baudrate=4800, bits=8, parity=0, stop=1,
                             rx=cfg["rx"], rxbuf=256)
        self._vr = cfg.get("v_permille", 1000)
        self._ir = cfg.get("c_permille", 1000)
        self._pr = cfg.get("p_permille", 1000)
        self._buf = bytearray(_BUF)
        self._mv = memoryview(self._buf)
        self._len = 0
        self._pf = -1  # last PF count; -1 until the first good frame
        self._uj = 0  # microjoules not yet booked
        self.frames = 0
        self.skipped = 0  # bytes dropped while looking for a frame

    def poll(self):
        while True:
            n = self._uart.readinto(self._mv[self._len:])
            if not n:
                return
            self._len += n
            self._scan()

    def _scan(self):
        buf = self._buf
        i = 0
        end = self._len
        while end - i >= _FRAME:
            h = buf[i]
            if buf[i + 1] != 0x5A or not (h == 0x55 or h == 0xAA or h & 0xF0 == 0xF0):
                i += 1
                self.skipped += 1
                continue
            s = 0
            for k in range(i + 2, i + 23):
                s += buf[k]
            if s & 0xFF != buf[i + 23]:
                self.errors += 1
                i += 1
                self.skipped += 1
                continue
            self._frame(buf, i)
            i += _FRAME
        if i:
            buf[: end - i] = buf[i:end]
            self._len = end - i

    def _frame(self, b, i):
        h = b[i]
        if h == 0xAA or (h & 0xF0 == 0xF0 and h & 0x01):
            self.errors += 1  # chip fault or lost calibration: these numbers mean nothing
            return
        self.frames += 1
        status = h if h & 0xF0 == 0xF0 else 0
        adj = b[i + 20]
        pk = _u24(b, i + 14)
        if status & 0x08:
            self.voltage_mv = 0
        elif adj & 0x40:
            self.voltage_mv = _scaled(_u24(b, i + 2), _u24(b, i + 5), self._vr)
        if status & 0x04:
            self.current_ma = 0
        elif adj & 0x20:
            self.current_ma = _scaled(_u24(b, i + 8), _u24(b, i + 11), self._ir)
        if status & 0x02:
            self.power_w = 0
        elif adj & 0x10:
            self.power_w = _scaled(pk, _u24(b, i + 17), self._pr) // 1000
        pf = b[i + 21] << 8 | b[i + 22]
        if self._pf >= 0:
            pulses = (pf - self._pf) & 0xFFFF
            if pulses:
                self._uj += pulses * meter.muldiv(pk, self._pr, 1000)
                mj = self._uj // 1000
                self._uj -= mj * 1000
                self.energy.add(mj)
        self._pf = pf


def _u24(b, i):
    return b[i] << 16 | b[i + 1] << 8 | b[i + 2]


def _scaled(param, cycle, permille):
    """param / cycle in thousandths (mV, mA, mW), corrected by the board's ratio."""
    if not cycle:
        return 0
    return meter.muldiv(meter.muldiv(param, 1000, cycle), permille, 1000)


def open(cfg, hw, clock, relay):
    return CSE7766(cfg, hw)
