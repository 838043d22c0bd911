"""Points of edwards25519 for the Ed25519 core: add, double, encode, decode, scalar mults.

A point is a tuple (X, Y, Z, T) of field elements, x = X/Z, y = Y/Z, T = XY/Z. The formulas
are the complete ones for a = -1 (Hisil-Wong-Carter-Dawson 2008), so identity and equal
inputs need no special case. All buffers are preallocated here; nothing is reentrant.

Constant time (sign, public_key): the fixed-base product walks all 64 signed base-16 digits
of the secret scalar in a fixed order; each digit picks its table entry by reading all eight
entries of the row and keeping one with a mask ((|e| ^ k) - 1) >> 31, and a negative digit
is applied by a masked swap and a masked move, never by a branch or a secret index.
Verification works on public data only and may branch on digits.
"""

import micropython
from micropython import const
from _ed25519_fe import fmul, fsq, fadd, fsub
from _ed25519_fx import (fe, fcopy, fcmov, fcswap, funpack, fpack, finv, fpow22523,
                         fiszero, fparity, ZERO, ONE, D, D2, SQRT_M1,
                         _Z2, _Z9, _Z11, _ZA, _ZB, _ZC, _B as _ENC)
from _ed25519_table import TABLE

try:
    from uctypes import addressof as _addressof
    if _addressof(TABLE) & 3:  # ptr32 reads need word alignment (a frozen bytes may lack it)
        TABLE = bytearray(TABLE)
except ImportError:
    pass

SUB = const(1)       # flags of add
WITH_T = const(2)
CACHED = const(4)
_BIAS = const(0x20000000)   # sign-restoring load of a negative int32, see _ed25519_sc
_MASK30 = const(0x3FFFFFFF)

# Scratch. _A, _B, _G, _H and _ZI borrow the power chain's buffers in _ed25519_fx (heap): no
# formula here holds them across finv / fpow22523 (encode writes _A, _B only after finv; decode
# uses _G, _H only after fpow22523; finv leaves its result in _ZI = _ZB, last).
_A, _B, _G, _H = _Z2, _Z9, _Z11, _ZA
_C, _D, _E, _F = fe(), fe(), fe(), fe()
_SEL = bytearray(96)                 # the table entry picked by _select
_PRE = (fe(), fe(), fe())            # that entry unpacked: y+x, y-x, 2d*x*y
# A cached point read back from the packed multiples of double_mult: _PRE and the power chain's
# _ZC, both idle while a multiple is added (add's scratch is _A.._H).
_CQ = (_PRE[0], _PRE[1], _PRE[2], _ZC)


def point():
    return (fe(), fe(), fe(), fe())


@micropython.viper
def set_identity(r):
    fcopy(r[0], ZERO)
    fcopy(r[1], ONE)
    fcopy(r[2], ONE)
    fcopy(r[3], ZERO)


@micropython.viper
def dbl(r, p, with_t: int):
    """r = 2p (4M + 4S; T is skipped when the next step is another doubling)."""
    x1 = p[0]
    y1 = p[1]
    fsq(_A, x1)
    fsq(_B, y1)
    fsq(_C, p[2])
    fadd(_C, _C, _C)
    fadd(_H, _A, _B)
    fadd(_E, x1, y1)
    fsq(_E, _E)
    fsub(_E, _H, _E)
    fsub(_G, _A, _B)
    fadd(_F, _C, _G)
    fmul(r[0], _E, _F)
    fmul(r[1], _G, _H)
    fmul(r[2], _F, _G)
    if with_t:
        fmul(r[3], _E, _H)


@micropython.viper
def add(r, p, q, flags: int):
    """r = p + q, or p - q when flags & SUB, q in one of the two forms of a table entry:
    (y+x, y-x, 2d*x*y) with z = 1 (7M), or, with flags & CACHED, (Y+X, Y-X, 2Z, 2d*T) (8M).
    T of r is computed only with flags & WITH_T (one M less when a doubling comes next).
    The flags are public: the subtraction of a secret digit goes through _pick instead."""
    x1 = p[0]
    y1 = p[1]
    fadd(_A, y1, x1)
    fsub(_B, y1, x1)
    if flags & SUB:
        fmul(_A, _A, q[1])
        fmul(_B, _B, q[0])
    else:
        fmul(_A, _A, q[0])
        fmul(_B, _B, q[1])
    if flags & CACHED:
        fmul(_C, p[3], q[3])
        fmul(_D, p[2], q[2])
    else:
        fmul(_C, p[3], q[2])
        fadd(_D, p[2], p[2])
    if flags & SUB:
        fsub(_C, ZERO, _C)
    fsub(_E, _A, _B)
    fadd(_H, _A, _B)
    fsub(_F, _D, _C)
    fadd(_G, _D, _C)
    fmul(r[0], _E, _F)
    fmul(r[1], _G, _H)
    fmul(r[2], _F, _G)
    if flags & WITH_T:
        fmul(r[3], _E, _H)


@micropython.viper
def _select(out, tab, row: int, e: int):
    """Copy entry |e| of a table row (identity for 0) into out: all 8 entries read, masked."""
    o = ptr32(out)
    t = ptr32(tab)
    s: int = e >> 31
    a: int = (e ^ s) - s
    i: int = 0
    while i < 24:
        o[i] = 0
        i += 1
    o[0] = 1
    o[8] = 1
    base: int = row * 192
    k: int = 1
    m: int = 0
    while k <= 8:
        m = ((a ^ k) - 1) >> 31
        i = 0
        while i < 24:
            o[i] = o[i] ^ ((o[i] ^ t[base + i]) & m)
            i += 1
        base += 24
        k += 1


@micropython.viper
def _pick(row: int, e: int):
    """_PRE = e * 16^(16 row) * B for a digit e in -8..8, in constant time."""
    _select(_SEL, TABLE, row, e)
    ypx = _PRE[0]
    ymx = _PRE[1]
    t2d = _PRE[2]
    funpack(ypx, _SEL, 0)
    funpack(ymx, _SEL, 32)
    funpack(t2d, _SEL, 64)
    s: int = e >> 31
    fcswap(ypx, ymx, s)   # -P swaps y+x and y-x ...
    fsub(_A, ZERO, t2d)
    fcmov(t2d, _A, s)     # ... and negates 2d*x*y


@micropython.viper
def base_mult(r, digits):
    """r = a * B for the signed digits e[i] of a (see _ed25519_sc.recode), constant time.

    With i = 16j + m, a * B = sum over m of 16^m * sum over j of e[16j + m] * (16^(16j) B): a
    comb over the 4 table rows, Horner in m: 64 mixed additions and 60 doublings."""
    d = ptr32(digits)
    set_identity(r)
    m: int = 15
    j: int = 0
    while m >= 0:
        if m < 15:
            dbl(r, r, 0)
            dbl(r, r, 0)
            dbl(r, r, 0)
            dbl(r, r, 1)
        j = 0
        while j < 4:
            _pick(j, ((d[16 * j + m] + _BIAS) & _MASK30) - _BIAS)
            add(r, r, _PRE, WITH_T if j < 3 else 0)
            j += 1
        m -= 1


@micropython.viper
def double_mult(r, kd, sd, atab):
    """r = k * A + s * B (public data) for the width-4 NAF digits of k and s (bytes, see
    _ed25519_sc.wnaf), with A given as its odd multiples 1, 3, 5, 7 packed in atab (see
    multiples) and B's read from the first table row: one shared chain of doublings, from the
    highest non-zero digit, and about 100 additions."""
    k = ptr8(kd)
    s = ptr8(sd)
    i: int = 255
    while i > 0 and (k[i] | s[i]) == 0:
        i -= 1
    set_identity(r)
    a: int = 0
    b: int = 0
    while i >= 0:
        a = k[i]
        a -= (a & 0x80) << 1
        b = s[i]
        b -= (b & 0x80) << 1
        dbl(r, r, 1 if (a | b) != 0 else 0)
        if a > 0:
            _unpack(atab, a >> 1)
            add(r, r, _CQ, CACHED | (WITH_T if b != 0 else 0))
        elif a < 0:
            _unpack(atab, (0 - a) >> 1)
            add(r, r, _CQ, CACHED | SUB | (WITH_T if b != 0 else 0))
        if b > 0:
            _unpack_base(b)
            add(r, r, _PRE, 0)
        elif b < 0:
            _unpack_base(0 - b)
            add(r, r, _PRE, SUB)
        i -= 1


@micropython.viper
def put32(dst, off: int, src):
    """dst[off:off + 32] = src[:32]."""
    d = ptr8(dst)
    s = ptr8(src)
    i: int = 0
    while i < 32:
        d[off + i] = s[i]
        i += 1


@micropython.viper
def _unpack(atab, i: int):
    """_CQ = entry i of the packed multiples: (2i + 1) A in cached form."""
    off: int = i * 128
    funpack(_CQ[0], atab, off)
    funpack(_CQ[1], atab, off + 32)
    funpack(_CQ[2], atab, off + 64)
    funpack(_CQ[3], atab, off + 96)


@micropython.viper
def _unpack_base(e: int):
    """_PRE = e * B for a public e in 1..8 (first table row, read directly: no masking)."""
    off: int = (e - 1) * 96
    funpack(_PRE[0], TABLE, off)
    funpack(_PRE[1], TABLE, off + 32)
    funpack(_PRE[2], TABLE, off + 64)


def _store(atab, off, p):
    """Entry at atab[off:off + 128] = p in cached form (Y+X, Y-X, 2Z, 2d*T), packed."""
    fadd(_ZB, p[1], p[0])
    fpack(_ENC, _ZB)
    put32(atab, off, _ENC)
    fsub(_ZB, p[1], p[0])
    fpack(_ENC, _ZB)
    put32(atab, off + 32, _ENC)
    fadd(_ZB, p[2], p[2])
    fpack(_ENC, _ZB)
    put32(atab, off + 64, _ENC)
    fmul(_ZB, p[3], D2)
    fpack(_ENC, _ZB)
    put32(atab, off + 96, _ENC)


def multiples(atab, p):
    """atab (512 bytes) = A, 3A, 5A, 7A for the point A in p, cached and packed (each element
    in 32 bytes: a quarter of the heap of 16 field elements), read back by _unpack for each
    addition. p is left holding 7A; 2A waits in the last entry until 7A overwrites it."""
    _store(atab, 0, p)
    dbl(p, p, 1)
    _store(atab, 384, p)         # 2A
    _unpack(atab, 0)
    add(p, p, _CQ, CACHED | WITH_T)
    _store(atab, 128, p)         # 3A
    _unpack(atab, 3)
    add(p, p, _CQ, CACHED | WITH_T)
    _store(atab, 256, p)         # 5A
    add(p, p, _CQ, CACHED | WITH_T)
    _store(atab, 384, p)         # 7A


_ZI = _ZB


def encode(out, p):
    """The 32-byte encoding of p into out: canonical y, the parity of x in bit 255."""
    finv(_ZI, p[2])
    fmul(_A, p[0], _ZI)
    fmul(_B, p[1], _ZI)
    fpack(out, _B)
    out[31] |= fparity(_A) << 7


def decode(p, s):
    """p = the point encoded by the 32 bytes s, exactly as OpenSSL reads it: y may be >= p
    (taken mod p), x = 0 with the sign bit set is accepted. False when no x exists."""
    x, y = p[0], p[1]
    funpack(y, s, 0)
    fcopy(p[2], ONE)
    fsq(_C, y)
    fmul(_D, _C, D)
    fsub(_C, _C, ONE)            # u = y^2 - 1
    fadd(_D, _D, ONE)            # v = d y^2 + 1
    fsq(_E, _D)
    fmul(_E, _E, _D)             # v^3
    fsq(_F, _E)
    fmul(_F, _F, _D)             # v^7
    fmul(_F, _F, _C)             # u v^7
    fpow22523(_F, _F)
    fmul(_F, _F, _E)
    fmul(x, _F, _C)              # x = u v^3 (u v^7)^((p-5)/8)
    fsq(_G, x)
    fmul(_G, _G, _D)             # v x^2
    fsub(_H, _G, _C)
    if not fiszero(_H):
        fadd(_H, _G, _C)
        if not fiszero(_H):
            return False
        fmul(x, x, SQRT_M1)
    if fparity(x) != (s[31] >> 7):
        fsub(x, ZERO, x)
    fmul(p[3], x, y)
    return True
