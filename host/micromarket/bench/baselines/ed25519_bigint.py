"""Straightforward big-int Ed25519 (RFC 8032 section 5.1): the benchmark baseline.

Runs unchanged on CPython and on MicroPython (arbitrary-precision ints, three-argument pow).
Extended twisted-Edwards coordinates, double-and-add scalar multiplication, Fermat inversion:
the textbook construction, with no precomputed tables and no constant-time care. It is also
the independent model the table generator and the tests compare the viper core against.
"""

try:
    from hashlib import sha512 as _sha512
    _sha512(b"")
except (ImportError, AttributeError, ValueError):
    from sha512 import sha512 as _sha512  # MicroPython: the firmware's own SHA-512

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    """x from y and the sign bit, or None when y is off the curve (no square root)."""
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vxx = v * x * x % P
    if vxx != u:
        if vxx != (P - u) % P:
            return None
        x = x * SQRT_M1 % P
    if (x & 1) != sign:
        x = (P - x) % P
    return x


B_Y = 4 * pow(5, P - 2, P) % P
B_X = _recover_x(B_Y, 0)
BASE = (B_X, B_Y, 1, B_X * B_Y % P)
IDENTITY = (0, 1, 1, 0)


def point_add(p, q):
    """Sum of two points in extended coordinates (a = -1, unified formula)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * D * t1 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def scalar_mult(k, p):
    """k * p by plain double-and-add over the bits of k."""
    q = IDENTITY
    while k:
        if k & 1:
            q = point_add(q, p)
        p = point_add(p, p)
        k >>= 1
    return q


def encode_point(p):
    x, y, z, _ = p
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def decode_point(s):
    """Decode like OpenSSL: y is taken modulo p, a missing square root fails."""
    if len(s) != 32:
        return None
    n = int.from_bytes(s, "little")
    y = (n & ((1 << 255) - 1)) % P
    x = _recover_x(y, n >> 255)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def _hash_int(*parts):
    h = _sha512()
    for part in parts:
        h.update(part)
    return int.from_bytes(h.digest(), "little")


def _expand(seed):
    h = _sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a = (a & ((1 << 254) - 8)) | (1 << 254)
    return a, h[32:]


class SigningKey:
    """The key expanded once, as the firmware's SigningKey does, so the two sign alike."""

    def __init__(self, seed):
        self._a, self._prefix = _expand(seed)
        self.public = encode_point(scalar_mult(self._a, BASE))

    def sign(self, msg):
        r = _hash_int(self._prefix, msg) % L
        rs = encode_point(scalar_mult(r, BASE))
        k = _hash_int(rs, self.public, msg) % L
        return rs + ((r + k * self._a) % L).to_bytes(32, "little")


def public_key(seed):
    return SigningKey(seed).public


def sign(seed, msg):
    """RFC 8032 section 5.1.6, the key expanded afresh (as the RFC's reference code does)."""
    return SigningKey(seed).sign(msg)


def verify(pk, msg, sig):
    """Cofactorless check [S]B == R + [k]A by re-encoding, as OpenSSL does."""
    if len(pk) != 32 or len(sig) != 64:
        return False
    s = int.from_bytes(sig[32:], "little")
    if s >= L:
        return False
    a = decode_point(pk)
    if a is None:
        return False
    k = _hash_int(sig[:32], pk, msg) % L
    neg_a = ((P - a[0]) % P, a[1], a[2], (P - a[3]) % P)
    r = point_add(scalar_mult(s, BASE), scalar_mult(k, neg_a))
    return encode_point(r) == sig[:32]
