# ADE7953 meter over I2C (Shelly Pro EM-50): address 0x38, 16-bit register addresses sent MSB
# first, values MSB first. 24-bit registers are read through their 32-bit aliases (0x3xx), which
# sign-extend. The energy registers reset on read (LCYCMODE.RSTREAD, set at power-up), so each
# poll books exactly the energy since the previous one. Scale factors (counts per W, V, A, Wh)
# come from the board file and need calibrating on the real board.
from micropython import const

import meter

_ADDR = const(0x38)
_UNLOCK = const(0x0FE)  # writing 0xAD here opens register 0x120
_SETUP = const(0x120)  # the datasheet's required setting 0x0030 at power-up
_VERSION = const(0x702)
_REGS = {  # channel -> (active power, current RMS, active energy)
    "a": (0x312, 0x31A, 0x31E),
    "b": (0x313, 0x31B, 0x31F),
}
_VRMS = const(0x31C)


class ADE7953(meter.Meter):
    def __init__(self, cfg, hw):
        super().__init__(cfg["energy_counts"])  # energy in chip counts
        Pin = hw.Pin
        if "reset" in cfg:  # active low: hold, release, give the chip time to start
            rst = Pin(cfg["reset"], Pin.OUT, value=0)
            hw.sleep_ms(1)
            rst.value(1)
            hw.sleep_ms(100)
        if "irq" in cfg:
            Pin(cfg["irq"], Pin.IN)
        self._i2c = hw.I2C(0, scl=Pin(cfg["scl"]), sda=Pin(cfg["sda"]), freq=400000)
        self._w, self._irms, self._e = _REGS[cfg["channel"]]
        self._wc = cfg["watt_counts"]
        self._vc = cfg["vrms_counts"]
        self._ic = cfg["irms_counts"]
        self._b4 = bytearray(4)
        self._i2c.writeto_mem(_ADDR, _UNLOCK, b"\xad", addrsize=16)
        self._i2c.writeto_mem(_ADDR, _SETUP, b"\x00\x30", addrsize=16)
        self._read(self._e)  # discard energy accumulated before we started counting

    def _read(self, reg):
        b = self._b4
        self._i2c.readfrom_mem_into(_ADDR, reg, b, addrsize=16)
        v = b[1] << 16 | b[2] << 8 | b[3]
        return v - 0x1000000 if b[0] & 0x80 else v

    def poll(self):
        try:
            p = self._read(self._w)
            v = self._read(_VRMS)
            i = self._read(self._irms)
            e = self._read(self._e)
        except OSError:
            self.errors += 1  # no acknowledge: keep the last values, retry next poll
            return
        self.power_w = p // self._wc if p >= 0 else -((-p) // self._wc)
        self.voltage_mv = meter.muldiv(max(v, 0), 1000, self._vc)
        self.current_ma = meter.muldiv(max(i, 0), 1000, self._ic)
        if e:
            self.energy.add(e)


def open(cfg, hw, clock, relay):
    return ADE7953(cfg, hw)
