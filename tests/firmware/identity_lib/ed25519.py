# Test stand-in used only while firmware/lib/ed25519.py (the viper core) is not in the tree: the
# RFC 8032 big-int baseline of tools/bench behind the core's SigningKey interface.
import ed25519_bigint as _b


class SigningKey:
    def __init__(self, seed):
        self._seed = bytes(seed)
        self.public = _b.public_key(self._seed)

    def sign(self, msg):
        return _b.sign(self._seed, msg)


def verify(pk, msg, sig):
    try:
        return _b.verify(pk, msg, sig)
    except Exception:
        return False
