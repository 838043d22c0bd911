"""Scalars modulo the group order L = 2^252 + c of the Ed25519 core.

Numbers are held as 64 signed int32 limbs of 8 bits. A fold replaces the limbs at 2^256 and
above by -16 c times them (2^256 = -16 c mod L); five folds bring any 512-bit value below 2^257
in magnitude; adding 32 L and six constant-time conditional subtractions of 32 L .. L finish
the reduction. Every limb stays far inside int32 (a fold adds at most 16 * 16 * 255 * 255 to a
limb). Loops have fixed trip counts and no branch depends on a secret.
"""

import micropython
from micropython import const
from sha512 import _W

# Limbs may be negative. A ptr32 load gives the int32 back on a 32-bit port but zero-extends it
# on a 64-bit one; ((x + _BIAS) & _MASK30) - _BIAS restores the sign on both for |x| < 2^29.
_BIAS = const(0x20000000)
_MASK30 = const(0x3FFFFFFF)

# 2^k L for k = 0..5, 33 little-endian bytes each. Its first 32 bytes are L, and its first 16
# are c = L - 2^252. Literal bytes: a .mpy keeps every literal of a module on the heap for as
# long as its functions live, so hex text turned into bytes at import would cost twice.
_LK = (
    b"\xed\xd3\xf5\x5c\x1a\x63\x12\x58\xd6\x9c\xf7\xa2\xde\xf9\xde\x14\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00"  # 2^0 L
    b"\xda\xa7\xeb\xb9\x34\xc6\x24\xb0\xac\x39\xef\x45\xbd\xf3\xbd\x29\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00"  # 2^1 L
    b"\xb4\x4f\xd7\x73\x69\x8c\x49\x60\x59\x73\xde\x8b\x7a\xe7\x7b\x53\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40\x00"  # 2^2 L
    b"\x68\x9f\xae\xe7\xd2\x18\x93\xc0\xb2\xe6\xbc\x17\xf5\xce\xf7\xa6\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00"  # 2^3 L
    b"\xd0\x3e\x5d\xcf\xa5\x31\x26\x81\x65\xcd\x79\x2f\xea\x9d\xef\x4d\x01"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"  # 2^4 L
    b"\xa0\x7d\xba\x9e\x4b\x63\x4c\x02\xcb\x9a\xf3\x5e\xd4\x3b\xdf\x9b\x02"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02"  # 2^5 L
)
# limbs 0..63, scratch 64..96 (high limbs of a fold, a difference): 400 bytes borrowed from
# SHA-512's message schedule, idle whenever a scalar is reduced (hashing is finished first)
_X = _W


@micropython.viper
def _fold(x, c):
    """One pass: limbs 32..63 folded down by 2^256 = -16 c, then balanced carries."""
    X = ptr32(x)
    C = ptr8(c)
    i: int = 32
    j: int = 0
    v: int = 0
    while i < 64:  # move the high limbs aside: the fold writes up to limb 46
        X[i + 32] = (((X[i] + _BIAS) & _MASK30) - _BIAS) << 4
        X[i] = 0
        i += 1
    i = 0
    while i < 32:
        v = X[i + 64]
        j = 0
        while j < 16:
            X[i + j] = (((X[i + j] + _BIAS) & _MASK30) - _BIAS) - v * C[j]
            j += 1
        i += 1
    i = 0
    v = 0
    while i < 63:
        v = (((X[i] + _BIAS) & _MASK30) - _BIAS) + v
        j = (v + 128) >> 8
        X[i] = v - (j << 8)
        v = j
        i += 1
    X[63] = (((X[63] + _BIAS) & _MASK30) - _BIAS) + v


@micropython.viper
def _finish(out, x, lk):
    """out = x mod L for |x| < 32 L, as 32 bytes."""
    X = ptr32(x)
    K = ptr8(lk)
    o = ptr8(out)
    i: int = 0
    v: int = 0
    while i < 33:  # x + 32 L is in [0, 64 L): carried to plain bytes, all limbs end >= 0
        v = (((X[i] + _BIAS) & _MASK30) - _BIAS) + K[165 + i] + v
        X[i] = v & 0xFF
        v >>= 8
        i += 1
    k: int = 5
    m: int = 0
    while k >= 0:
        v = 0
        i = 0
        while i < 33:
            v = X[i] - K[33 * k + i] + v
            X[64 + i] = v & 0xFF
            v >>= 8
            i += 1
        m = v ^ -1  # no borrow: take the difference
        i = 0
        while i < 33:
            X[i] = X[i] ^ ((X[i] ^ X[64 + i]) & m)
            i += 1
        k -= 1
    i = 0
    while i < 32:
        o[i] = X[i]
        i += 1


@micropython.viper
def _reduce(out):
    """out = _X mod L as 32 bytes, for any _X below 2^512 in magnitude."""
    i: int = 0
    while i < 5:
        _fold(_X, _LK)  # reads c, the first 16 bytes
        i += 1
    _finish(out, _X, _LK)


@micropython.viper
def reduce64(out, h):
    """out (32 bytes) = h (64 little-endian bytes) mod L."""
    X = ptr32(_X)
    b = ptr8(h)
    i: int = 0
    while i < 64:
        X[i] = b[i]
        i += 1
    _reduce(out)


@micropython.viper
def muladd(out, k, a, r):
    """out = (k * a + r) mod L; all 32-byte little-endian."""
    X = ptr32(_X)
    kb = ptr8(k)
    ab = ptr8(a)
    rb = ptr8(r)
    i: int = 0
    j: int = 0
    v: int = 0
    while i < 64:
        X[i] = 0
        i += 1
    i = 0
    while i < 32:
        v = kb[i]
        j = 0
        while j < 32:
            X[i + j] = X[i + j] + v * ab[j]
            j += 1
        X[i] = X[i] + rb[i]
        i += 1
    i = 0
    while i < 63:  # carried to bytes
        v = X[i] >> 8
        X[i] = X[i] & 0xFF
        X[i + 1] = X[i + 1] + v
        i += 1
    _reduce(out)


@micropython.viper
def is_canonical(s, off: int) -> bool:
    """True when the 32 bytes at s[off:] encode a number below L (public data: may branch)."""
    b = ptr8(s)
    lb = ptr8(_LK)
    i: int = 31
    while i >= 0:
        if b[off + i] < lb[i]:
            return True
        if b[off + i] > lb[i]:
            return False
        i -= 1
    return False


@micropython.viper
def recode(e, s, off: int):
    """Signed base-16 digits e[0..63] in -8..8 of the 32-byte scalar at s[off:] (< 2^255)."""
    E = ptr32(e)
    b = ptr8(s)
    i: int = 0
    while i < 32:
        E[2 * i] = b[off + i] & 15
        E[2 * i + 1] = b[off + i] >> 4
        i += 1
    cy: int = 0
    i = 0
    while i < 63:
        E[i] = E[i] + cy
        cy = (E[i] + 8) >> 4
        E[i] = E[i] - (cy << 4)
        i += 1
    E[63] = E[63] + cy


@micropython.viper
def wnaf(e, s, off: int):
    """Width-4 NAF of the 32-byte scalar at s[off:] (< 2^255, public): e[i] (a byte, two's
    complement) is 0 or odd in -7..7, any two non-zero digits at least four places apart, and
    sum e[i] 2^i equals the scalar. About one digit in five is non-zero."""
    E = ptr8(e)
    b = ptr8(s)
    i: int = 0
    while i < 256:
        E[i] = 0
        i += 1
    cy: int = 0
    w: int = 0
    i = 0
    while i < 256:
        w = b[off + (i >> 3)]
        if i < 248:
            w |= b[off + (i >> 3) + 1] << 8
        w = (w >> (i & 7)) & 15
        if (w & 1) == cy:
            i += 1          # a zero digit; a carry into a one bit stays a carry
        else:
            w += cy         # odd, 1..15
            if w < 8:
                E[i] = w
                cy = 0
            else:
                E[i] = w - 16
                cy = 1
            i += 4


@micropython.viper
def same32(a, b, off: int) -> bool:
    """a[0:32] == b[off:off+32], in a time that does not depend on where they differ."""
    x = ptr8(a)
    y = ptr8(b)
    acc: int = 0
    i: int = 0
    while i < 32:
        acc |= x[i] ^ y[off + i]
        i += 1
    return acc == 0
