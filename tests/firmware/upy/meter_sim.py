# Test helpers that run on the unix port: the outside world of the meter chips. They speak the
# chips' real protocols into sim_hw's pins, UART and I2C bus.
import sim_hw


def cse_frame(vk, vt, ik, it, pk, pt, pf, adj=0x70, header=0x55):
    """A CSE7766 frame from register values, with its checksum."""
    f = bytearray(24)
    f[0] = header
    f[1] = 0x5A
    for i, v in ((2, vk), (5, vt), (8, ik), (11, it), (14, pk), (17, pt)):
        f[i] = v >> 16 & 0xFF
        f[i + 1] = v >> 8 & 0xFF
        f[i + 2] = v & 0xFF
    f[20] = adj
    f[21] = pf >> 8 & 0xFF
    f[22] = pf & 0xFF
    f[23] = sum(f[2:23]) & 0xFF
    return bytes(f)


class ADE7953Model:
    """The chip's register file as seen over I2C: 16-bit addresses, MSB-first values, 32-bit
    aliases of 24-bit registers sign-extended, energy registers cleared by reading, and the
    0xFE unlock needed before register 0x120 takes a write."""

    def __init__(self):
        self.regs = {}  # 24-bit register (0x2xx) -> signed value
        self.writes = []
        self.unlocked = False
        self.reads = 0

    def set(self, reg32, value):
        self.regs[reg32 - 0x100] = value

    def read(self, addr, n, addrsize):
        assert addrsize == 16, "ADE7953 registers have 16-bit addresses"
        self.reads += 1
        if 0x300 <= addr < 0x400:
            assert n == 4
            v = self.regs.get(addr - 0x100, 0) & 0xFFFFFFFF
            if addr in (0x31E, 0x31F):
                self.regs[addr - 0x100] = 0  # read with reset
            return bytes((v >> 24 & 0xFF, v >> 16 & 0xFF, v >> 8 & 0xFF, v & 0xFF))
        if addr == 0x702:
            return bytes((0x02,))[:n]
        raise OSError(5)

    def write(self, addr, data, addrsize):
        assert addrsize == 16
        if addr == 0x120 and not self.unlocked:
            raise OSError(5)
        self.unlocked = addr == 0xFE and data == b"\xad"
        self.writes.append((addr, data))


def run_pulses(m, cfg, f_cf, f_v, f_i, seconds, poll_ms=100, start_us=1000000):
    """Drive a pulse meter: CF at f_cf Hz, CF1 at f_v or f_i Hz as the SEL pin selects, and
    poll() every poll_ms of simulated time. Returns the CF pulses sent."""
    cf = sim_hw.pin(cfg["cf"])
    cf1 = sim_hw.pin(cfg["cf1"])
    sel = sim_hw.pin(cfg["sel"])
    now = sim_hw.ticks_us()
    end = now + int(seconds * 1000000)
    p_cf = 1000000 / f_cf if f_cf else 0
    t_cf = now + p_cf if f_cf else end + 1
    t_cf1 = now
    t_poll = now + poll_ms * 1000
    sent = 0
    while True:
        f1 = f_i if sel.value() == cfg["sel_current"] else f_v
        nxt = min(t_cf, t_cf1 if f1 else end + 1, t_poll)
        if nxt > end:
            break
        sim_hw.set_time_us(int(nxt))
        if nxt == t_cf:
            cf.pulse()
            sent += 1
            t_cf += p_cf
        elif nxt == t_poll:
            m.poll()
            t_poll += poll_ms * 1000
        else:
            cf1.pulse()
            t_cf1 = nxt + 1000000 / f1
        if f1 and t_cf1 < nxt:
            t_cf1 = nxt + 1000000 / f1
    sim_hw.set_time_us(end)
    m.poll()
    return sent
