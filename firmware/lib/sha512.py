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

_K_HEX = (
    "428a2f98d728ae227137449123ef65cdb5c0fbcfec4d3b2fe9b5dba58189dbbc"
    "3956c25bf348b53859f111f1b605d019923f82a4af194f9bab1c5ed5da6d8118"
    "d807aa98a303024212835b0145706fbe243185be4ee4b28c550c7dc3d5ffb4e2"
    "72be5d74f27b896f80deb1fe3b1696b19bdc06a725c71235c19bf174cf692694"
    "e49b69c19ef14ad2efbe4786384f25e30fc19dc68b8cd5b5240ca1cc77ac9c65"
    "2de92c6f592b02754a7484aa6ea6e4835cb0a9dcbd41fbd476f988da831153b5"
    "983e5152ee66dfaba831c66d2db43210b00327c898fb213fbf597fc7beef0ee4"
    "c6e00bf33da88fc2d5a79147930aa72506ca6351e003826f142929670a0e6e70"
    "27b70a8546d22ffc2e1b21385c26c9264d2c6dfc5ac42aed53380d139d95b3df"
    "650a73548baf63de766a0abb3c77b2a881c2c92e47edaee692722c851482353b"
    "a2bfe8a14cf10364a81a664bbc423001c24b8b70d0f89791c76c51a30654be30"
    "d192e819d6ef5218d69906245565a910f40e35855771202a106aa07032bbd1b8"
    "19a4c116b8d2d0c81e376c085141ab532748774cdf8eeb9934b0bcb5e19b48a8"
    "391c0cb3c5c95a634ed8aa4ae3418acb5b9cca4f7763e373682e6ff3d6b2b8a3"
    "748f82ee5defb2fc78a5636f43172f6084c87814a1f0ab728cc702081a6439ec"
    "90befffa23631e28a4506cebde82bde9bef9a3f7b2c67915c67178f2e372532b"
    "ca273eceea26619cd186b8c721c0c207eada7dd6cde0eb1ef57d4f7fee6ed178"
    "06f067aa72176fba0a637dc5a2c898a6113f9804bef90dae1b710b35131c471b"
    "28db77f523047d8432caab7b40c724933c9ebe0a15c9bebc431d67c49c100d4c"
    "4cc5d4becb3e42b6597f299cfc657e2a5fcb6fab3ad6faec6c44198c4a475817"
)
_IV_HEX = (
    "6a09e667f3bcc908bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1"
    "510e527fade682d19b05688c2b3e6c1f1f83d9abfb41bd6b5be0cd19137e2179"
)


def _words(hexstr):
    """Big-endian 64-bit constants as a bytearray of native int32 words: high, low, high, ..."""
    raw = bytes.fromhex(hexstr)
    out = bytearray(len(raw))
    for i in range(0, len(raw), 4):
        out[i:i + 4] = int.from_bytes(raw[i:i + 4], "big").to_bytes(4, "little")
    return out


_K = _words(_K_HEX)
_IV = _words(_IV_HEX)
_W = bytearray(640)  # message schedule, shared: a compression never yields
del _K_HEX, _IV_HEX, _words  # import-time only


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
