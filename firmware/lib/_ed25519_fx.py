"""Field helpers of the Ed25519 core beyond the generated arithmetic in _ed25519_fe.

Conversions between 32-byte little-endian encodings and 20 limbs of 13 bits, the canonical
(fully reduced) encoding, constant-time move and swap, and the two fixed power chains
(inversion, and the square root candidate of RFC 8032 section 5.1.3). All loops run a fixed
number of times and branch only on public counters, never on the value of an element.
"""

import micropython
from _ed25519_fe import fmul, fsq

_S = bytearray(160)  # fpack scratch: value, and value + 19
_B = bytearray(32)   # encoding scratch of fiszero / fparity


def fe():
    """A new field element (zero)."""
    return bytearray(80)


@micropython.viper
def funpack(o, s, off: int):
    """Element from the 32 bytes at s[off:]; bit 255 is ignored and values >= p are kept as
    they are (p is added to nothing), as OpenSSL's decoder does."""
    r = ptr32(o)
    b = ptr8(s)
    acc: int = 0
    nb: int = 0
    k: int = 0
    i: int = 0
    while i < 32:
        acc |= b[off + i] << nb
        nb += 8
        if nb >= 13:
            r[k] = acc & 0x1FFF
            acc >>= 13
            nb -= 13
            k += 1
        i += 1
    r[19] = acc & 0xFF


@micropython.viper
def fpack(s, a):
    """Canonical 32-byte encoding (value reduced below p) of a into s; constant time."""
    x = ptr32(a)
    t = ptr32(_S)
    o = ptr8(s)
    i: int = 0
    while i < 20:
        t[i] = x[i]
        i += 1
    c: int = 0
    n: int = 0
    while n < 2:  # two carry-and-fold passes leave strict limbs and a value below 2^255
        c = 0
        i = 0
        while i < 19:
            c += t[i]
            t[i] = c & 0x1FFF
            c >>= 13
            i += 1
        c += t[19]
        t[19] = c & 0xFF
        t[0] = t[0] + (c >> 8) * 19
        n += 1
    c = 19  # value + 19 reaches 2^255 exactly when value >= p; then keep value + 19 - 2^255
    i = 0
    while i < 19:
        c += t[i]
        t[20 + i] = c & 0x1FFF
        c >>= 13
        i += 1
    c += t[19]
    t[39] = c & 0xFF
    m: int = 0 - (c >> 8)
    i = 0
    while i < 20:
        t[i] = t[i] ^ ((t[i] ^ t[20 + i]) & m)
        i += 1
    acc: int = 0
    nb: int = 0
    k: int = 0
    i = 0
    while i < 20:
        acc |= t[i] << nb
        nb += 13
        while nb >= 8:
            o[k] = acc & 0xFF
            acc >>= 8
            nb -= 8
            k += 1
        i += 1


@micropython.viper
def fcopy(o, a):
    r = ptr32(o)
    x = ptr32(a)
    i: int = 0
    while i < 20:
        r[i] = x[i]
        i += 1


@micropython.viper
def fcmov(o, a, m: int):
    """o = a where m == -1, o unchanged where m == 0, without a branch on m."""
    r = ptr32(o)
    x = ptr32(a)
    i: int = 0
    while i < 20:
        r[i] = r[i] ^ ((r[i] ^ x[i]) & m)
        i += 1


@micropython.viper
def fcswap(a, b, m: int):
    """Swap a and b where m == -1, without a branch on m."""
    x = ptr32(a)
    y = ptr32(b)
    i: int = 0
    t: int = 0
    while i < 20:
        t = (x[i] ^ y[i]) & m
        x[i] = x[i] ^ t
        y[i] = y[i] ^ t
        i += 1


@micropython.viper
def fsqn(o, a, n: int):
    """o = a^(2^n), n >= 1."""
    fsq(o, a)
    i: int = 1
    while i < n:
        fsq(o, o)
        i += 1


@micropython.viper
def _nonzero(s) -> int:
    b = ptr8(s)
    acc: int = 0
    i: int = 0
    while i < 32:
        acc |= b[i]
        i += 1
    return acc


def fiszero(a):
    fpack(_B, a)
    return _nonzero(_B) == 0


def fparity(a):
    """The low bit of the canonical value: the "sign" of x in a point encoding."""
    fpack(_B, a)
    return _B[0] & 1


def _const(hexstr):
    e = fe()
    funpack(e, bytes.fromhex(hexstr), 0)
    return e


ZERO = fe()
ONE = fe()
ONE[0] = 1
D = _const("a3785913ca4deb75abd841414d0a700098e879777940c78c73fe6f2bee6c0352")
D2 = _const("59f1b226949bd6eb56b183829a14e00030d1f3eef2808e19e7fcdf56dcd90624")
SQRT_M1 = _const("b0a00e4a271beec478e42fad0618432fa7d7fb3d99004d2b0bdfc14f8024832b")
del _const  # import-time only

_Z2, _Z9, _Z11, _ZA, _ZB, _ZC = fe(), fe(), fe(), fe(), fe(), fe()


def _pow_2_250_minus_1(z):
    """Leaves z^(2^250 - 1) in _ZA and z^11 in _Z11 (fixed chain: 250 squares, 11 products)."""
    fsq(_Z2, z)                  # 2
    fsqn(_ZA, _Z2, 2)            # 8
    fmul(_Z9, _ZA, z)            # 9
    fmul(_Z11, _Z9, _Z2)         # 11
    fsq(_ZA, _Z11)               # 22
    fmul(_ZA, _ZA, _Z9)          # 2^5 - 1
    fsqn(_ZB, _ZA, 5)
    fmul(_ZB, _ZB, _ZA)          # 2^10 - 1
    fsqn(_ZC, _ZB, 10)
    fmul(_ZC, _ZC, _ZB)          # 2^20 - 1
    fsqn(_ZA, _ZC, 20)
    fmul(_ZA, _ZA, _ZC)          # 2^40 - 1
    fsqn(_ZA, _ZA, 10)
    fmul(_ZB, _ZA, _ZB)          # 2^50 - 1
    fsqn(_ZA, _ZB, 50)
    fmul(_ZC, _ZA, _ZB)          # 2^100 - 1
    fsqn(_ZA, _ZC, 100)
    fmul(_ZA, _ZA, _ZC)          # 2^200 - 1
    fsqn(_ZA, _ZA, 50)
    fmul(_ZA, _ZA, _ZB)          # 2^250 - 1


def finv(o, z):
    """o = z^(p - 2) = 1/z (0 for z = 0)."""
    _pow_2_250_minus_1(z)
    fsqn(_ZA, _ZA, 5)
    fmul(o, _ZA, _Z11)           # 2^255 - 21


def fpow22523(o, z):
    """o = z^((p - 5) / 8) = z^(2^252 - 3)."""
    _pow_2_250_minus_1(z)
    fsqn(_ZA, _ZA, 2)
    fmul(o, _ZA, z)
