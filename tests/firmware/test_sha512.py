"""SHA-512 of the firmware (viper) on the unix port and under 32-bit semantics, against hashlib."""

import hashlib
import random
import sys

from micromarket.paths import FIRMWARE_DIR, ROOT

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import viper32  # noqa: E402

LENGTHS = list(range(0, 260)) + [511, 512, 1000, 4096, 10000]


def _data(n):
    return bytes((i * 131 + 7) & 0xFF for i in range(n))


def test_matches_hashlib_for_every_padding_case(mp):
    code = ("from sha512 import sha512\n"
            "for n in %r:\n"
            "    print(sha512(bytes((i * 131 + 7) & 0xFF for i in range(n))).digest().hex())" % LENGTHS)
    out = mp(code, heap="400K").split()
    assert out == [hashlib.sha512(_data(n)).hexdigest() for n in LENGTHS]


def test_streaming_updates_and_hashlib_api(mp):
    rng = random.Random(5)
    data = rng.randbytes(3000)
    cuts = sorted(rng.sample(range(1, 3000), 40))
    code = f"""
from sha512 import sha512
data = {data!r}
cuts = {cuts!r}
h = sha512()
last = 0
for c in cuts + [len(data)]:
    h.update(data[last:c])
    last = c
d1 = h.digest()
print(d1 == h.digest(), d1.hex())
h.update(bytearray(b"more"))
print(h.digest().hex(), sha512(memoryview(b"abc")).digest().hex())
"""
    lines = mp(code, heap="400K").splitlines()
    assert lines[0] == "True " + hashlib.sha512(data).hexdigest()
    assert lines[1] == "%s %s" % (hashlib.sha512(data + b"more").hexdigest(),
                                  hashlib.sha512(b"abc").hexdigest())


def test_same_source_with_32_bit_words():
    sha = viper32.load(FIRMWARE_DIR / "lib", ["sha512"])["sha512"]
    for n in [0, 1, 55, 111, 112, 113, 127, 128, 129, 255, 256, 1000]:
        assert sha.sha512(_data(n)).digest() == hashlib.sha512(_data(n)).digest(), n
