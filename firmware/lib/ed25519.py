"""Ed25519 (RFC 8032): the crypto core that fits this board.

    import ed25519
    key = ed25519.SigningKey(seed32)       # key expansion once
    sig = key.sign(msg)                    # 64 bytes, deterministic
    ed25519.verify(key.public, msg, sig)   # True / False, never raises for bad bytes
    ed25519.VARIANT                        # "viper", or "bigint" where native code did not fit

The viper core (sha512, _ed25519_sc, _ed25519_ge, _ed25519_fe, driven from here) carries about
55 KB of native code for the ESP32, which the port copies into executable RAM (IRAM) at import;
a classic ESP32 may not have that much free. Where that allocation fails (MemoryError at the
import of a viper module), this module takes the API of the big-int core instead (_ed25519_bigint:
no native code at all, same answers, far slower) and says so: NATIVE_ERROR holds the failure,
mmboot prints it and identity.status() reports the variant. Native code already copied stays
where it is (the port never frees it); a SHA-512 that loaded is reused. One module either way:
a separate loader module cost a busy board's heap the few hundred bytes it had to spare.

A msg may also be a tuple of buffers, hashed in turn as if joined (COSE's Sig_structure head and
payload, never copied into one). ``public_key(seed)`` and ``sign(seed, msg)`` are one-shot
forms, which (in the viper core) expand the seed into one module-held key each time. Verification is
cofactorless and follows OpenSSL exactly: S must be below L, the public key is decoded as
OpenSSL decodes it (y taken mod p), and R is compared byte for byte with the encoding of
[S]B - [k]A, computed with width-4 NAFs of k and S on one chain of doublings. After warm-up
a sign allocates only its 64-byte result (a one-shot sign, the public key's bytes as well).
Signing is constant time (see _ed25519_ge); nothing here is reentrant (one shared set of
buffers).
"""

NATIVE_ERROR = None
try:
    import sha512 as _sha
    import _ed25519_sc as _sc
    import _ed25519_ge as _ge
except MemoryError as exc:
    from _ed25519_bigint import why

    NATIVE_ERROR = why(exc)

if NATIVE_ERROR is None:
    _HS = _sha.new_state()
    _DIGEST = bytearray(64)
    _NONCE = bytearray(32)
    _KH = bytearray(32)
    _ENC = bytearray(32)
    _SIG = bytearray(64)
    # the signed digits of two scalars borrow SHA-512's message schedule (640 bytes): they are
    # recoded after the last hash of a sign or verify and dead before the next one
    _DIG = memoryview(_sha._W)[:256]
    _DIG2 = memoryview(_sha._W)[256:512]
    _P = _ge.point()
    # -A, -3A, -5A, -7A for verify, packed: allocated at import, while the heap is whole, because
    # a device verifies every context and award and a fragmented heap may not have it in one
    # piece later
    _ATAB = bytearray(512)


def _hash_mod_l(out, a, b, msg):
    """out = SHA-512(a || b || msg) mod L (b may be None; msg a buffer or a tuple of them)."""
    _sha.reset(_HS)
    _sha.absorb(_HS, a)
    if b is not None:
        _sha.absorb(_HS, b)
    if isinstance(msg, tuple):
        for part in msg:
            _sha.absorb(_HS, part)
    else:
        _sha.absorb(_HS, msg)
    _sha.finish(_HS, _DIGEST)
    _sc.reduce64(out, _DIGEST)


class SigningKey:
    """A private key from its 32-byte seed; ``public`` holds the 32-byte public key."""

    def __init__(self, seed):
        self._h = bytearray(64)  # the expanded seed: scalar a (clamped) in [:32], prefix in [32:]
        self._prefix = memoryview(self._h)[32:]
        self._load(seed)

    def _load(self, seed):
        """Expand seed into this key's buffers; only the public key's bytes are allocated."""
        if len(seed) != 32:
            raise ValueError("seed must be 32 bytes")
        h = self._h
        _sha.reset(_HS)
        _sha.absorb(_HS, seed)
        _sha.finish(_HS, h)
        h[0] &= 248
        h[31] = (h[31] & 63) | 64
        _sc.recode(_DIG, h, 0)
        _ge.base_mult(_P, _DIG)
        _ge.encode(_ENC, _P)
        self.public = bytes(_ENC)

    def sign(self, msg):
        _hash_mod_l(_NONCE, self._prefix, None, msg)
        _sc.recode(_DIG, _NONCE, 0)
        _ge.base_mult(_P, _DIG)
        _ge.encode(_ENC, _P)
        _ge.put32(_SIG, 0, _ENC)
        _hash_mod_l(_KH, _ENC, self.public, msg)
        _sc.muladd(_ENC, _KH, self._h, _NONCE)  # reads a, the first 32 bytes
        _ge.put32(_SIG, 32, _ENC)
        return bytes(_SIG)


_ONE = None  # the key of the one-shot forms, reloaded for each seed so they allocate little


def _one(seed):
    global _ONE
    if _ONE is None:
        _ONE = SigningKey(seed)
    else:
        _ONE._load(seed)
    return _ONE


def public_key(seed):
    return _one(seed).public


def sign(seed, msg):
    return _one(seed).sign(msg)


def verify(pk, msg, sig):
    """True when sig is a valid signature of msg under pk; False for anything else."""
    try:
        if len(pk) != 32 or len(sig) != 64:
            return False
        bytes(pk[:1])  # reject str and other non-buffers before viper reads them
        bytes(sig[:1])
        for part in msg if isinstance(msg, tuple) else (msg,):
            bytes(part[:1])
    except (TypeError, ValueError):
        return False
    if not _sc.is_canonical(sig, 32):
        return False
    p = _P
    if not _ge.decode(p, pk):
        return False
    _ge.fsub(_ge.ZERO, p[0], p[0])    # -A: the check is [S]B + [k](-A) == R
    _ge.fsub(_ge.ZERO, p[3], p[3])
    _ge.multiples(_ATAB, p)
    _hash_mod_l(_KH, sig[:32], pk, msg)
    _sc.wnaf(_DIG, _KH, 0)
    _sc.wnaf(_DIG2, sig, 32)
    _ge.double_mult(p, _DIG, _DIG2, _ATAB)
    _ge.encode(_ENC, p)
    return _sc.same32(_ENC, sig, 0)


VARIANT = "viper"
if NATIVE_ERROR is not None:  # the viper API above is unusable: the big-int one replaces it
    from _ed25519_bigint import SigningKey, public_key, sign, verify  # noqa: F811

    VARIANT = "bigint"
