"""SHA-512 (FIPS 180-4) in viper, hashlib style: ``sha512(data=b"")`` with update() and digest().

Each 64-bit word is a (high, low) pair of 32-bit halves, so the code is exact with 32-bit viper
ints (ESP32) and with 64-bit ones (unix port): every value that may spill above bit 31 on a
64-bit port is masked with ``m`` before it is shifted right or stored, and multi-term sums add
16-bit halves so no carry is ever lost. The Ed25519 core hashes through ``new_state`` /
``absorb`` / ``finish`` on preallocated buffers, so hashing allocates nothing.

State layout (bytearray of 196, read as int32 words): words 0..15 the eight chaining values
as high, low; bytes 64..191 the pending block; word 48 the byte count (messages < 4 GiB).
"""

import micropython
from micropython import const

_STATE_SIZE = const(196)
_COUNT = const(48)

# The constants of FIPS 180-4 (K, section 4.2.3; the initial hash value, section 5.3.5),
# each 64-bit word stored as the int32 words the viper code reads: high half, then low half,
# little-endian. Literal bytes, not hex text turned into bytes at import: a .mpy keeps every
# literal of a module on the heap for as long as its functions live.
_K = (
    b"\x98\x2f\x8a\x42\x22\xae\x28\xd7\x91\x44\x37\x71\xcd\x65\xef\x23"
    b"\xcf\xfb\xc0\xb5\x2f\x3b\x4d\xec\xa5\xdb\xb5\xe9\xbc\xdb\x89\x81"
    b"\x5b\xc2\x56\x39\x38\xb5\x48\xf3\xf1\x11\xf1\x59\x19\xd0\x05\xb6"
    b"\xa4\x82\x3f\x92\x9b\x4f\x19\xaf\xd5\x5e\x1c\xab\x18\x81\x6d\xda"
    b"\x98\xaa\x07\xd8\x42\x02\x03\xa3\x01\x5b\x83\x12\xbe\x6f\x70\x45"
    b"\xbe\x85\x31\x24\x8c\xb2\xe4\x4e\xc3\x7d\x0c\x55\xe2\xb4\xff\xd5"
    b"\x74\x5d\xbe\x72\x6f\x89\x7b\xf2\xfe\xb1\xde\x80\xb1\x96\x16\x3b"
    b"\xa7\x06\xdc\x9b\x35\x12\xc7\x25\x74\xf1\x9b\xc1\x94\x26\x69\xcf"
    b"\xc1\x69\x9b\xe4\xd2\x4a\xf1\x9e\x86\x47\xbe\xef\xe3\x25\x4f\x38"
    b"\xc6\x9d\xc1\x0f\xb5\xd5\x8c\x8b\xcc\xa1\x0c\x24\x65\x9c\xac\x77"
    b"\x6f\x2c\xe9\x2d\x75\x02\x2b\x59\xaa\x84\x74\x4a\x83\xe4\xa6\x6e"
    b"\xdc\xa9\xb0\x5c\xd4\xfb\x41\xbd\xda\x88\xf9\x76\xb5\x53\x11\x83"
    b"\x52\x51\x3e\x98\xab\xdf\x66\xee\x6d\xc6\x31\xa8\x10\x32\xb4\x2d"
    b"\xc8\x27\x03\xb0\x3f\x21\xfb\x98\xc7\x7f\x59\xbf\xe4\x0e\xef\xbe"
    b"\xf3\x0b\xe0\xc6\xc2\x8f\xa8\x3d\x47\x91\xa7\xd5\x25\xa7\x0a\x93"
    b"\x51\x63\xca\x06\x6f\x82\x03\xe0\x67\x29\x29\x14\x70\x6e\x0e\x0a"
    b"\x85\x0a\xb7\x27\xfc\x2f\xd2\x46\x38\x21\x1b\x2e\x26\xc9\x26\x5c"
    b"\xfc\x6d\x2c\x4d\xed\x2a\xc4\x5a\x13\x0d\x38\x53\xdf\xb3\x95\x9d"
    b"\x54\x73\x0a\x65\xde\x63\xaf\x8b\xbb\x0a\x6a\x76\xa8\xb2\x77\x3c"
    b"\x2e\xc9\xc2\x81\xe6\xae\xed\x47\x85\x2c\x72\x92\x3b\x35\x82\x14"
    b"\xa1\xe8\xbf\xa2\x64\x03\xf1\x4c\x4b\x66\x1a\xa8\x01\x30\x42\xbc"
    b"\x70\x8b\x4b\xc2\x91\x97\xf8\xd0\xa3\x51\x6c\xc7\x30\xbe\x54\x06"
    b"\x19\xe8\x92\xd1\x18\x52\xef\xd6\x24\x06\x99\xd6\x10\xa9\x65\x55"
    b"\x85\x35\x0e\xf4\x2a\x20\x71\x57\x70\xa0\x6a\x10\xb8\xd1\xbb\x32"
    b"\x16\xc1\xa4\x19\xc8\xd0\xd2\xb8\x08\x6c\x37\x1e\x53\xab\x41\x51"
    b"\x4c\x77\x48\x27\x99\xeb\x8e\xdf\xb5\xbc\xb0\x34\xa8\x48\x9b\xe1"
    b"\xb3\x0c\x1c\x39\x63\x5a\xc9\xc5\x4a\xaa\xd8\x4e\xcb\x8a\x41\xe3"
    b"\x4f\xca\x9c\x5b\x73\xe3\x63\x77\xf3\x6f\x2e\x68\xa3\xb8\xb2\xd6"
    b"\xee\x82\x8f\x74\xfc\xb2\xef\x5d\x6f\x63\xa5\x78\x60\x2f\x17\x43"
    b"\x14\x78\xc8\x84\x72\xab\xf0\xa1\x08\x02\xc7\x8c\xec\x39\x64\x1a"
    b"\xfa\xff\xbe\x90\x28\x1e\x63\x23\xeb\x6c\x50\xa4\xe9\xbd\x82\xde"
    b"\xf7\xa3\xf9\xbe\x15\x79\xc6\xb2\xf2\x78\x71\xc6\x2b\x53\x72\xe3"
    b"\xce\x3e\x27\xca\x9c\x61\x26\xea\xc7\xb8\x86\xd1\x07\xc2\xc0\x21"
    b"\xd6\x7d\xda\xea\x1e\xeb\xe0\xcd\x7f\x4f\x7d\xf5\x78\xd1\x6e\xee"
    b"\xaa\x67\xf0\x06\xba\x6f\x17\x72\xc5\x7d\x63\x0a\xa6\x98\xc8\xa2"
    b"\x04\x98\x3f\x11\xae\x0d\xf9\xbe\x35\x0b\x71\x1b\x1b\x47\x1c\x13"
    b"\xf5\x77\xdb\x28\x84\x7d\x04\x23\x7b\xab\xca\x32\x93\x24\xc7\x40"
    b"\x0a\xbe\x9e\x3c\xbc\xbe\xc9\x15\xc4\x67\x1d\x43\x4c\x0d\x10\x9c"
    b"\xbe\xd4\xc5\x4c\xb6\x42\x3e\xcb\x9c\x29\x7f\x59\x2a\x7e\x65\xfc"
    b"\xab\x6f\xcb\x5f\xec\xfa\xd6\x3a\x8c\x19\x44\x6c\x17\x58\x47\x4a"
)
_IV = (
    b"\x67\xe6\x09\x6a\x08\xc9\xbc\xf3\x85\xae\x67\xbb\x3b\xa7\xca\x84"
    b"\x72\xf3\x6e\x3c\x2b\xf8\x94\xfe\x3a\xf5\x4f\xa5\xf1\x36\x1d\x5f"
    b"\x7f\x52\x0e\x51\xd1\x82\xe6\xad\x8c\x68\x05\x9b\x1f\x6c\x3e\x2b"
    b"\xab\xd9\x83\x1f\x6b\xbd\x41\xfb\x19\xcd\xe0\x5b\x79\x21\x7e\x13"
)
_W = bytearray(640)  # message schedule, shared: a compression never yields


def aligned(b):
    """b, or a bytearray copy of it when its data is not word-aligned: ptr32 reads need aligned
    words, and a bytes literal frozen into a firmware image may not have them."""
    try:
        from uctypes import addressof
    except ImportError:  # a port without uctypes: no frozen literals to worry about
        return b
    return bytearray(b) if addressof(b) & 3 else b


_K = aligned(_K)
_IV = aligned(_IV)


@micropython.viper
def _compress(st, w, k):
    s = ptr32(st)
    b = ptr8(st)
    wp = ptr32(w)
    kp = ptr32(k)
    m: uint = (uint(0xFFFF) << 16) | uint(0xFFFF)
    i: int = 0
    j: int = 0
    while i < 32:
        j = 64 + 4 * i
        wp[i] = (uint(b[j]) << 24) | (uint(b[j + 1]) << 16) | (uint(b[j + 2]) << 8) | uint(b[j + 3])
        i += 1
    xh: uint = uint(0)
    xl: uint = uint(0)
    yh: uint = uint(0)
    yl: uint = uint(0)
    p: uint = uint(0)
    q: uint = uint(0)
    zh: uint = uint(0)
    zl: uint = uint(0)
    ul: uint = uint(0)
    vl: uint = uint(0)
    while i < 160:
        # W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]
        xh = uint(wp[i - 4])
        xl = uint(wp[i - 3])
        zh = (((xh >> 19) | (xl << 13)) ^ ((xl >> 29) | (xh << 3)) ^ (xh >> 6)) & m
        zl = (((xl >> 19) | (xh << 13)) ^ ((xh >> 29) | (xl << 3)) ^ ((xl >> 6) | (xh << 26))) & m
        yh = uint(wp[i - 30])
        yl = uint(wp[i - 29])
        xh = (((yh >> 1) | (yl << 31)) ^ ((yh >> 8) | (yl << 24)) ^ (yh >> 7)) & m
        xl = (((yl >> 1) | (yh << 31)) ^ ((yl >> 8) | (yh << 24)) ^ ((yl >> 7) | (yh << 25))) & m
        ul = uint(wp[i - 13])
        vl = uint(wp[i - 31])
        p = (zl & 0xFFFF) + (xl & 0xFFFF) + (ul & 0xFFFF) + (vl & 0xFFFF)
        q = (zl >> 16) + (xl >> 16) + (ul >> 16) + (vl >> 16) + (p >> 16)
        wp[i + 1] = ((q << 16) | (p & 0xFFFF)) & m
        wp[i] = (zh + xh + uint(wp[i - 14]) + uint(wp[i - 32]) + (q >> 16)) & m
        i += 2
    ah: uint = uint(s[0])
    al: uint = uint(s[1])
    bh: uint = uint(s[2])
    bl: uint = uint(s[3])
    ch: uint = uint(s[4])
    cl: uint = uint(s[5])
    dh: uint = uint(s[6])
    dl: uint = uint(s[7])
    eh: uint = uint(s[8])
    el: uint = uint(s[9])
    fh: uint = uint(s[10])
    fl: uint = uint(s[11])
    gh: uint = uint(s[12])
    gl: uint = uint(s[13])
    hh: uint = uint(s[14])
    hl: uint = uint(s[15])
    th: uint = uint(0)
    tl: uint = uint(0)
    i = 0
    while i < 160:
        # T1 = h + S1(e) + Ch(e, f, g) + K[t] + W[t]
        zh = (((eh >> 14) | (el << 18)) ^ ((eh >> 18) | (el << 14)) ^ ((el >> 9) | (eh << 23))) & m
        zl = (((el >> 14) | (eh << 18)) ^ ((el >> 18) | (eh << 14)) ^ ((eh >> 9) | (el << 23))) & m
        xh = gh ^ (eh & (fh ^ gh))
        xl = gl ^ (el & (fl ^ gl))
        ul = uint(kp[i + 1])
        vl = uint(wp[i + 1])
        p = (hl & 0xFFFF) + (zl & 0xFFFF) + (xl & 0xFFFF) + (ul & 0xFFFF) + (vl & 0xFFFF)
        q = (hl >> 16) + (zl >> 16) + (xl >> 16) + (ul >> 16) + (vl >> 16) + (p >> 16)
        tl = ((q << 16) | (p & 0xFFFF)) & m
        th = (hh + zh + xh + uint(kp[i]) + uint(wp[i]) + (q >> 16)) & m
        # T2 = S0(a) + Maj(a, b, c)
        zh = (((ah >> 28) | (al << 4)) ^ ((al >> 2) | (ah << 30)) ^ ((al >> 7) | (ah << 25))) & m
        zl = (((al >> 28) | (ah << 4)) ^ ((ah >> 2) | (al << 30)) ^ ((ah >> 7) | (al << 25))) & m
        xh = (ah & bh) | (ch & (ah | bh))
        xl = (al & bl) | (cl & (al | bl))
        hh = gh
        hl = gl
        gh = fh
        gl = fl
        fh = eh
        fl = el
        p = (dl & 0xFFFF) + (tl & 0xFFFF)
        q = (dl >> 16) + (tl >> 16) + (p >> 16)
        el = ((q << 16) | (p & 0xFFFF)) & m
        eh = (dh + th + (q >> 16)) & m
        dh = ch
        dl = cl
        ch = bh
        cl = bl
        bh = ah
        bl = al
        p = (tl & 0xFFFF) + (zl & 0xFFFF) + (xl & 0xFFFF)
        q = (tl >> 16) + (zl >> 16) + (xl >> 16) + (p >> 16)
        al = ((q << 16) | (p & 0xFFFF)) & m
        ah = (th + zh + xh + (q >> 16)) & m
        i += 2
    # the schedule is spent: park a..h in it and add them to the chaining values in one loop
    # (a helper call would box 32-bit values, which allocates on a 32-bit port)
    wp[0] = ah
    wp[1] = al
    wp[2] = bh
    wp[3] = bl
    wp[4] = ch
    wp[5] = cl
    wp[6] = dh
    wp[7] = dl
    wp[8] = eh
    wp[9] = el
    wp[10] = fh
    wp[11] = fl
    wp[12] = gh
    wp[13] = gl
    wp[14] = hh
    wp[15] = hl
    i = 0
    while i < 16:
        xl = uint(wp[i + 1])
        yl = uint(s[i + 1])
        p = (xl & 0xFFFF) + (yl & 0xFFFF)
        q = (xl >> 16) + (yl >> 16) + (p >> 16)
        s[i + 1] = ((q << 16) | (p & 0xFFFF)) & m
        s[i] = (uint(wp[i]) + uint(s[i]) + (q >> 16)) & m
        i += 2


@micropython.viper
def reset(st):
    """Start a new message in the hashing state st (196 bytes)."""
    s = ptr32(st)
    v = ptr32(_IV)
    i: int = 0
    while i < 16:
        s[i] = v[i]
        i += 1
    s[_COUNT] = 0


@micropython.viper
def absorb(st, data):
    """Hash the bytes of the buffer data into st."""
    n: int = int(len(data))
    s = ptr32(st)
    b = ptr8(st)
    d = ptr8(data)
    cnt: uint = uint(s[_COUNT])
    pos: int = int(cnt & 127) + 64
    s[_COUNT] = cnt + uint(n)
    i: int = 0
    while i < n:
        b[pos] = d[i]
        pos += 1
        i += 1
        if pos == 192:
            _compress(st, _W, _K)
            pos = 64


@micropython.viper
def finish(st, out):
    """Pad, write the 64-byte digest into out and leave st spent (reset() to reuse)."""
    s = ptr32(st)
    b = ptr8(st)
    o = ptr8(out)
    cnt: uint = uint(s[_COUNT])
    pos: int = int(cnt & 127) + 64
    b[pos] = 0x80
    pos += 1
    if pos > 176:
        while pos < 192:
            b[pos] = 0
            pos += 1
        _compress(st, _W, _K)
        pos = 64
    while pos < 184:
        b[pos] = 0
        pos += 1
    hi: uint = cnt >> 29
    lo: uint = cnt << 3
    i: int = 0
    while i < 4:
        b[184 + i] = int(hi >> (24 - 8 * i)) & 0xFF
        b[188 + i] = int(lo >> (24 - 8 * i)) & 0xFF
        i += 1
    _compress(st, _W, _K)
    w: uint = uint(0)
    i = 0
    while i < 16:
        w = uint(s[i])
        o[4 * i] = int(w >> 24) & 0xFF
        o[4 * i + 1] = int(w >> 16) & 0xFF
        o[4 * i + 2] = int(w >> 8) & 0xFF
        o[4 * i + 3] = int(w) & 0xFF
        i += 1


def new_state():
    """A fresh hashing state for absorb()/finish(): the allocation-free interface."""
    st = bytearray(_STATE_SIZE)
    reset(st)
    return st


class sha512:
    """hashlib-style SHA-512, as MicroPython's hashlib objects are: update() and digest()."""

    def __init__(self, data=b""):
        self._st = new_state()
        if data:
            absorb(self._st, data)

    def update(self, data):
        absorb(self._st, data)

    def digest(self):
        """The digest so far; more data may still be added."""
        st = bytearray(self._st)
        out = bytearray(64)
        finish(st, out)
        return bytes(out)
