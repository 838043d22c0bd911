"""Ed25519 with MicroPython's big ints: the core ed25519 takes where the viper one's native code
does not fit the board's executable RAM. No native code at all; the same API and the same
answers as the viper core (verification cofactorless, public keys decoded as OpenSSL does), but
far slower and not constant time (big-int arithmetic takes time that depends on the values).

Points are extended twisted-Edwards coordinates (X, Y, Z, T) with a = -1 (RFC 8032 5.1.4).
Scalar multiples use 4-bit windows: a sign is 252 doublings and 63 additions from a table of
[0..15]B made once; verify walks [S]B + [k](-A) on one chain of doublings. SHA-512 is the
firmware's viper sha512 when its native code loaded (it is the first module the viper core
imports, and the smallest); otherwise _Sha512 below, on 64-bit words held as big ints.
"""

import sys

# the viper core's modules that loaded before the failure: dropped (their native code stays)
for _m in ("_ed25519_ge", "_ed25519_fe", "_ed25519_sc"):
    sys.modules.pop(_m, None)
del _m


def why(exc):
    """What ed25519.NATIVE_ERROR says of the MemoryError that brought this core in."""
    return "native code did not fit: " + (str(exc) or "MemoryError")


P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, P - 2, P) % P
_D2 = 2 * _D % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)
_M64 = 0xFFFFFFFFFFFFFFFF
_ZERO = (0, 1, 1, 0)


def _add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * _D2 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p):
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    s = x1 + y1
    e = h - s * s % P
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _table(p):
    t = [_ZERO, p]
    for _ in range(14):
        t.append(_add(t[-1], p))
    return t


def _mult(pairs):
    """The sum of k * table[1] over (k, table) pairs, k < 2^256, by 4-bit windows."""
    q = _ZERO
    for i in range(252, -1, -4):
        if i < 252:
            q = _double(_double(_double(_double(q))))
        for k, t in pairs:
            w = (k >> i) & 15
            if w:
                q = _add(q, t[w])
    return q


def _encode(p):
    x, y, z, _ = p
    zi = pow(z, P - 2, P)
    x = x * zi % P
    return ((y * zi % P) | ((x & 1) << 255)).to_bytes(32, "little")


def _decode(s):
    """The point of encoding s, read as OpenSSL reads it (y taken mod p), or None."""
    n = int.from_bytes(s, "little")
    y = (n & ((1 << 255) - 1)) % P
    u = (y * y - 1) % P
    v = (_D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vxx = v * x * x % P
    if vxx != u:
        if vxx != (P - u) % P:
            return None
        x = x * _SQRT_M1 % P
    if (x & 1) != n >> 255:
        x = (P - x) % P
    return (x, y, 1, x * y % P)


_BASE = None  # [0..15]B, made at the first use


def _base():
    global _BASE
    if _BASE is None:
        y = 4 * pow(5, P - 2, P) % P
        _BASE = _table(_decode(y.to_bytes(32, "little")))
    return _BASE


# --- SHA-512 (FIPS 180-4) on big ints, for a board where not even sha512's viper code fits -----

def _root(n, k):
    """floor(n ** (1/k)) for k = 2 or 3, by Newton's method from above (n < 2^210)."""
    x = 1 << 70
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


_K = None  # 80 round constants (cube roots of the first 80 primes), then the initial hash value


def _constants():
    global _K
    if _K is None:
        primes = []
        n = 2
        while len(primes) < 80:
            if all(n % p for p in primes):
                primes.append(n)
            n += 1
        _K = [_root(p << 192, 3) & _M64 for p in primes]
        _K.append([_root(p << 128, 2) & _M64 for p in primes[:8]])  # square roots of 8
    return _K


def _rotr(x, n):
    return ((x >> n) | (x << (64 - n))) & _M64


class _Sha512:
    def __init__(self, data=b""):
        self._h = list(_constants()[80])
        self._buf = b""
        self._n = 0
        self.update(data)

    def update(self, data):
        self._buf += bytes(data)
        self._n += len(data)
        while len(self._buf) >= 128:
            self._block(self._buf[:128])
            self._buf = self._buf[128:]

    def _block(self, b):
        k = _constants()
        w = [int.from_bytes(b[i:i + 8], "big") for i in range(0, 128, 8)]
        for i in range(16, 80):
            x, y = w[i - 15], w[i - 2]
            s0 = _rotr(x, 1) ^ _rotr(x, 8) ^ (x >> 7)
            s1 = _rotr(y, 19) ^ _rotr(y, 61) ^ (y >> 6)
            w.append((w[i - 16] + s0 + w[i - 7] + s1) & _M64)
        a, b, c, d, e, f, g, h = self._h
        for i in range(80):
            t1 = (h + (_rotr(e, 14) ^ _rotr(e, 18) ^ _rotr(e, 41)) + ((e & f) ^ ((e ^ _M64) & g))
                  + k[i] + w[i]) & _M64
            t2 = (_rotr(a, 28) ^ _rotr(a, 34) ^ _rotr(a, 39)) + ((a & b) ^ (a & c) ^ (b & c))
            a, b, c, d, e, f, g, h = (t1 + t2) & _M64, a, b, c, (d + t1) & _M64, e, f, g
        self._h = [(x + y) & _M64 for x, y in zip(self._h, (a, b, c, d, e, f, g, h))]

    def digest(self):
        n = self._n
        tail = self._buf + b"\x80" + bytes((111 - n) % 128) + (n * 8).to_bytes(16, "big")
        h = list(self._h)
        for i in range(0, len(tail), 128):
            self._block(tail[i:i + 128])
        out = b"".join(x.to_bytes(8, "big") for x in self._h)
        self._h = h
        return out


try:
    from sha512 import sha512 as _sha
except MemoryError:
    _sha = _Sha512


def _hash(*parts):
    h = _sha()
    for part in parts:
        for piece in part if isinstance(part, tuple) else (part,):
            h.update(piece)
    return h.digest()


class SigningKey:
    """A private key from its 32-byte seed; ``public`` holds the 32-byte public key."""

    def __init__(self, seed):
        if len(seed) != 32:
            raise ValueError("seed must be 32 bytes")
        h = _hash(seed)
        a = int.from_bytes(h[:32], "little")
        self._a = (a & ((1 << 254) - 8)) | (1 << 254)
        self._prefix = h[32:]
        self.public = _encode(_mult(((self._a, _base()),)))

    def sign(self, msg):
        r = int.from_bytes(_hash(self._prefix, msg), "little") % L
        rs = _encode(_mult(((r, _base()),)))
        k = int.from_bytes(_hash(rs, self.public, msg), "little") % L
        return rs + ((r + k * self._a) % L).to_bytes(32, "little")


def public_key(seed):
    return SigningKey(seed).public


def sign(seed, msg):
    return SigningKey(seed).sign(msg)


def verify(pk, msg, sig):
    """True when sig is a valid signature of msg under pk; False for anything else."""
    try:
        if len(pk) != 32 or len(sig) != 64:
            return False
        pk, r = bytes(pk), bytes(sig[:32])
        s = int.from_bytes(bytes(sig[32:]), "little")
        for part in msg if isinstance(msg, tuple) else (msg,):
            bytes(part[:1])
    except (TypeError, ValueError):
        return False
    if s >= L:
        return False
    a = _decode(pk)
    if a is None:
        return False
    k = int.from_bytes(_hash(r, pk, msg), "little") % L
    neg = ((P - a[0]) % P, a[1], a[2], (P - a[3]) % P)
    return _encode(_mult(((s, _base()), (k, _table(neg))))) == r
