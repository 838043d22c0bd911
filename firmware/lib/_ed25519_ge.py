"""Field helpers and points of edwards25519 for the Ed25519 core (one module: each module
costs heap on the device).

Field: conversions between 32-byte little-endian encodings and the 20 limbs of 13 bits of
_ed25519_fe, the canonical (fully reduced) encoding, constant-time move and swap, and the two
fixed power chains (inversion, and the square root candidate of RFC 8032 section 5.1.3). All
their loops run a fixed number of times and branch only on public counters.

Points: a point is a tuple (X, Y, Z, T) of field elements, x = X/Z, y = Y/Z, T = XY/Z. The
formulas are the complete ones for a = -1 (Hisil-Wong-Carter-Dawson 2008), so identity and
equal inputs need no special case. All buffers are preallocated here; nothing is reentrant.

Constant time (sign, public_key): the fixed-base product walks all 64 signed base-16 digits
of the secret scalar in a fixed order; each digit picks its table entry by reading all eight
entries of the row and keeping one with a mask ((|e| ^ k) - 1) >> 31, and a negative digit
is applied by a masked swap and a masked move, never by a branch or a secret index.
Verification works on public data only and may branch on digits.
"""

import micropython
from micropython import const
from _ed25519_fe import fmul, fsq, fadd, fsub, _T as _S, TABLE

# fpack's scratch (value, and value + 19) is the product columns of fmul / fsq: idle here
_ENC = bytearray(32)  # encoding scratch of fiszero, fparity and _store


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
def fiszero(a) -> bool:
    fpack(_ENC, a)
    b = ptr8(_ENC)
    acc: int = 0
    i: int = 0
    while i < 32:
        acc |= b[i]
        i += 1
    return acc == 0


@micropython.viper
def fparity(a) -> int:
    """The low bit of the canonical value: the "sign" of x in a point encoding."""
    fpack(_ENC, a)
    return ptr8(_ENC)[0] & 1


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


@micropython.viper
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


@micropython.viper
def finv(o, z):
    """o = z^(p - 2) = 1/z (0 for z = 0)."""
    _pow_2_250_minus_1(z)
    fsqn(_ZA, _ZA, 5)
    fmul(o, _ZA, _Z11)           # 2^255 - 21


@micropython.viper
def fpow22523(o, z):
    """o = z^((p - 5) / 8) = z^(2^252 - 3)."""
    _pow_2_250_minus_1(z)
    fsqn(_ZA, _ZA, 2)
    fmul(o, _ZA, z)

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

# Scratch. _A, _B, _G, _H and _ZI borrow the power chain's buffers above (heap): no
# formula here holds them across finv / fpow22523 (encode writes _A, _B only after finv; decode
# uses _G, _H only after fpow22523; finv leaves its result in _ZI = _ZB, last).
_A, _B, _G, _H = _Z2, _Z9, _Z11, _ZA
_C, _D, _E, _F = fe(), fe(), fe(), fe()
_SEL = bytearray(96)                 # the table entry picked by _pick
_PRE = (fe(), fe(), fe())            # that entry unpacked: y+x, y-x, 2d*x*y
# A cached point read back from the packed multiples of double_mult: _PRE and the power chain's
# _ZC, both idle while a multiple is added (add's scratch is _A.._H).
_CQ = (_PRE[0], _PRE[1], _PRE[2], _ZC)


def point():
    return (fe(), fe(), fe(), fe())


@micropython.viper
def set_identity(r):
    fadd(r[0], ZERO, ZERO)
    fadd(r[1], ONE, ZERO)
    fadd(r[2], ONE, ZERO)
    fadd(r[3], ZERO, ZERO)


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
def _pick(row: int, e: int):
    """_PRE = e * 16^(16 row) * B for a digit e in -8..8, in constant time: all eight entries
    of the row are read, and the one of index |e| (none for 0: the identity) kept by a mask."""
    o = ptr32(_SEL)
    t = ptr32(TABLE)
    s: int = e >> 31
    a: int = (e ^ s) - s
    m: int = (a - 1) >> 31          # -1 when a == 0
    i: int = 0
    while i < 24:
        o[i] = 0
        i += 1
    o[0] = m & 1
    o[8] = m & 1
    base: int = row * 192
    k: int = 1
    while k <= 8:
        m = ((a ^ k) - 1) >> 31
        i = 0
        while i < 24:
            o[i] = o[i] | (t[base + i] & m)
            i += 1
        base += 24
        k += 1
    ypx = _PRE[0]
    ymx = _PRE[1]
    t2d = _PRE[2]
    funpack(ypx, _SEL, 0)
    funpack(ymx, _SEL, 32)
    funpack(t2d, _SEL, 64)
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
    fadd(p[2], ONE, ZERO)
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
