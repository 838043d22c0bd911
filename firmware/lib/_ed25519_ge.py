"""Field helpers and points of edwards25519 for the Ed25519 core (one module: each module
costs heap on the device).

Field: conversions between 32-byte little-endian encodings and the 20 limbs of 13 bits of
_ed25519_fe, the canonical (fully reduced) encoding, and the two fixed power chains (inversion, and the square root candidate of RFC 8032 section 5.1.3). All
their loops run a fixed number of times and branch only on public counters.

Points: a point is a tuple (X, Y, Z, T) of field elements, x = X/Z, y = Y/Z, T = XY/Z. The
formulas are the complete ones for a = -1 (Hisil-Wong-Carter-Dawson 2008), so identity and
equal inputs need no special case. All buffers are preallocated here; nothing is reentrant.

Constant time (sign, public_key): the fixed-base product walks all 64 signed base-16 digits
of the secret scalar in a fixed order; each digit picks its table entry (_ed25519_fe.pick) by
reading all eight entries of the row and keeping one with a mask ((|e| ^ k) - 1) >> 31, and a
negative digit is applied by a masked swap and a masked move, never by a branch or a secret
index.
Verification works on public data only and may branch on digits.
"""

import micropython
from micropython import const
from _ed25519_fe import fmul, fsq, fadd, fsub, pick, _T as _S, TABLE
from sha512 import aligned

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
def fsqn(o, a, n: int):
    """o = a^(2^n), n >= 1."""
    sq = fsq  # bound once, as in add
    sq(o, a)
    i: int = 1
    while i < n:
        sq(o, o)
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


def _const(enc):
    e = fe()
    funpack(e, enc, 0)
    return e


# Literal bytes, not hex text: a .mpy keeps every literal of a module on the heap for as long
# as its functions live.
ZERO = fe()
ONE = fe()
ONE[0] = 1
# d = -121665 / 121666, 2d, and sqrt(-1) = 2^((p - 1) / 4)
D = _const(b"\xa3\x78\x59\x13\xca\x4d\xeb\x75\xab\xd8\x41\x41\x4d\x0a\x70\x00"
              b"\x98\xe8\x79\x77\x79\x40\xc7\x8c\x73\xfe\x6f\x2b\xee\x6c\x03\x52")
D2 = _const(b"\x59\xf1\xb2\x26\x94\x9b\xd6\xeb\x56\xb1\x83\x82\x9a\x14\xe0\x00"
               b"\x30\xd1\xf3\xee\xf2\x80\x8e\x19\xe7\xfc\xdf\x56\xdc\xd9\x06\x24")
SQRT_M1 = _const(b"\xb0\xa0\x0e\x4a\x27\x1b\xee\xc4\x78\xe4\x2f\xad\x06\x18\x43\x2f"
                    b"\xa7\xd7\xfb\x3d\x99\x00\x4d\x2b\x0b\xdf\xc1\x4f\x80\x24\x83\x2b")
del _const  # import-time only

_Z2, _Z9, _Z11, _ZA, _ZB, _ZC = fe(), fe(), fe(), fe(), fe(), fe()


@micropython.viper
def _pow_2_250_minus_1(z):
    """Leaves z^(2^250 - 1) in _ZA and z^11 in _Z11 (fixed chain: 250 squares, 11 products)."""
    fsq(_Z2, z)                  # 2
    fsqn(_ZA, _Z2, 2)            # 8
    fmul(_ZA, z, _Z9)            # 9
    fmul(_Z9, _Z2, _Z11)         # 11
    fsq(_ZA, _Z11)               # 22
    fmul(_ZA, _Z9, _ZA)          # 2^5 - 1
    fsqn(_ZB, _ZA, 5)
    fmul(_ZB, _ZA, _ZB)          # 2^10 - 1
    fsqn(_ZC, _ZB, 10)
    fmul(_ZC, _ZB, _ZC)          # 2^20 - 1
    fsqn(_ZA, _ZC, 20)
    fmul(_ZA, _ZC, _ZA)          # 2^40 - 1
    fsqn(_ZA, _ZA, 10)
    fmul(_ZA, _ZB, _ZB)          # 2^50 - 1
    fsqn(_ZA, _ZB, 50)
    fmul(_ZA, _ZB, _ZC)          # 2^100 - 1
    fsqn(_ZA, _ZC, 100)
    fmul(_ZA, _ZC, _ZA)          # 2^200 - 1
    fsqn(_ZA, _ZA, 50)
    fmul(_ZA, _ZB, _ZA)          # 2^250 - 1


@micropython.viper
def finv(o, z):
    """o = z^(p - 2) = 1/z (0 for z = 0)."""
    _pow_2_250_minus_1(z)
    fsqn(_ZA, _ZA, 5)
    fmul(_ZA, _Z11, o)           # 2^255 - 21


@micropython.viper
def fpow22523(o, z):
    """o = z^((p - 5) / 8) = z^(2^252 - 3)."""
    _pow_2_250_minus_1(z)
    fsqn(_ZA, _ZA, 2)
    fmul(_ZA, z, o)


TABLE = aligned(TABLE)

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
_PREB = bytearray(240)               # a table entry unpacked (see pick): y+x, y-x, 2d*x*y
_PRE = (memoryview(_PREB)[:80], memoryview(_PREB)[80:160], memoryview(_PREB)[160:])
# A cached point read back from the packed multiples of double_mult: _PRE and the power chain's
# _ZC, both idle while a multiple is added (add's scratch is _A.._H).
_CQ = (_PRE[0], _PRE[1], _PRE[2], _ZC)


def point():
    return (fe(), fe(), fe(), fe())


@micropython.viper
def set_identity(r):
    fadd(ZERO, ZERO, r[0])
    fadd(ONE, ZERO, r[1])
    fadd(ONE, ZERO, r[2])
    fadd(ZERO, ZERO, r[3])


@micropython.viper
def dbl(r, p, with_t: int):
    """r = 2p (4M + 4S; T is skipped when the next step is another doubling)."""
    sq = fsq  # names bound once, as in add
    a = _A
    b = _B
    c = _C
    x1 = p[0]
    y1 = p[1]
    sq(a, x1)
    sq(b, y1)
    sq(c, p[2])
    fadd(c, c, c)
    e = _E
    f = _F
    g = _G
    h = _H
    fadd(a, b, h)
    fadd(x1, y1, e)
    sq(e, e)
    fsub(h, e, e)
    fsub(a, b, g)
    fadd(c, g, f)
    mul = fmul
    mul(e, f, r[0])
    mul(g, h, r[1])
    mul(f, g, r[2])
    if with_t:
        mul(e, h, r[3])


@micropython.viper
def add(r, p, q, flags: int):
    """r = p + q, or p - q when flags & SUB, q in one of the two forms of a table entry:
    (y+x, y-x, 2d*x*y) with z = 1 (7M), or, with flags & CACHED, (Y+X, Y-X, 2Z, 2d*T) (8M).
    T of r is computed only with flags & WITH_T (one M less when a doubling comes next).
    The flags are public: the subtraction of a secret digit goes through pick instead."""
    mul = fmul  # names bound once: each use of a module global is a dictionary lookup
    a = _A
    b = _B
    c = _C
    d = _D
    x1 = p[0]
    y1 = p[1]
    fadd(y1, x1, a)
    fsub(y1, x1, b)
    if flags & SUB:
        mul(a, q[1], a)
        mul(b, q[0], b)
    else:
        mul(a, q[0], a)
        mul(b, q[1], b)
    if flags & CACHED:
        mul(p[3], q[3], c)
        mul(p[2], q[2], d)
    else:
        mul(p[3], q[2], c)
        fadd(p[2], p[2], d)
    if flags & SUB:
        fsub(ZERO, c, c)
    e = _E
    f = _F
    g = _G
    h = _H
    fsub(a, b, e)
    fadd(a, b, h)
    fsub(d, c, f)
    fadd(d, c, g)
    mul(e, f, r[0])
    mul(g, h, r[1])
    mul(f, g, r[2])
    if flags & WITH_T:
        mul(e, h, r[3])


@micropython.viper
def base_mult(r, digits):
    """r = a * B for the signed digits e[i] of a (see _ed25519_sc.recode), constant time.

    With i = 8j + m, a * B = sum over m of 16^m * sum over j of e[8j + m] * (16^(8j) B): a
    comb over the 8 table rows, Horner in m: 64 mixed additions and 28 doublings."""
    d = ptr32(digits)
    set_identity(r)
    m: int = 7
    j: int = 0
    while m >= 0:
        if m < 7:
            dbl(r, r, 0)
            dbl(r, r, 0)
            dbl(r, r, 0)
            dbl(r, r, 1)
        j = 0
        while j < 8:
            pick(TABLE, _S, _PREB, 192 * j, ((d[8 * j + m] + _BIAS) & _MASK30) - _BIAS)
            add(r, r, _PRE, WITH_T if j < 7 else 0)
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
        if b != 0:
            pick(TABLE, _S, _PREB, 0, b)  # public here: the constant-time read is simply faster
            add(r, r, _PRE, 0)
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


def _store(atab, off, p):
    """Entry at atab[off:off + 128] = p in cached form (Y+X, Y-X, 2Z, 2d*T), packed."""
    fadd(p[1], p[0], _ZB)
    fpack(_ENC, _ZB)
    put32(atab, off, _ENC)
    fsub(p[1], p[0], _ZB)
    fpack(_ENC, _ZB)
    put32(atab, off + 32, _ENC)
    fadd(p[2], p[2], _ZB)
    fpack(_ENC, _ZB)
    put32(atab, off + 64, _ENC)
    fmul(p[3], D2, _ZB)
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
    fmul(p[0], _ZI, _A)
    fmul(p[1], _ZI, _B)
    fpack(out, _B)
    out[31] |= fparity(_A) << 7


def decode(p, s):
    """p = the point encoded by the 32 bytes s, exactly as OpenSSL reads it: y may be >= p
    (taken mod p), x = 0 with the sign bit set is accepted. False when no x exists."""
    x, y = p[0], p[1]
    funpack(y, s, 0)
    fadd(ONE, ZERO, p[2])
    fsq(_C, y)
    fmul(_C, D, _D)
    fsub(_C, ONE, _C)            # u = y^2 - 1
    fadd(_D, ONE, _D)            # v = d y^2 + 1
    fsq(_E, _D)
    fmul(_E, _D, _E)             # v^3
    fsq(_F, _E)
    fmul(_F, _D, _F)             # v^7
    fmul(_F, _C, _F)             # u v^7
    fpow22523(_F, _F)
    fmul(_F, _E, _F)
    fmul(_F, _C, x)              # x = u v^3 (u v^7)^((p-5)/8)
    fsq(_G, x)
    fmul(_G, _D, _G)             # v x^2
    fsub(_G, _C, _H)
    if not fiszero(_H):
        fadd(_G, _C, _H)
        if not fiszero(_H):
            return False
        fmul(x, SQRT_M1, x)
    if fparity(x) != (s[31] >> 7):
        fsub(ZERO, x, x)
    fmul(x, y, p[3])
    return True
