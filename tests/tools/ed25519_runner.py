# Reads cases on stdin (S seed msg | V pk msg sig, hex, "-" for empty) and prints one answer a line:
# "pk sig" (hex) for S, "1"/"0" for V. Runs on MicroPython and on CPython (viper32).
import sys
from binascii import hexlify, unhexlify

import ed25519


def _b(field):
    return b"" if field == "-" else unhexlify(field)


def answer(line):
    parts = [_b(f) if i else f for i, f in enumerate(line.split(" "))]
    if parts[0] == "S":
        key = ed25519.SigningKey(parts[1])
        sig = key.sign(parts[2])
        return hexlify(key.public).decode() + " " + hexlify(sig).decode()
    ok = ed25519.verify(parts[1], parts[2], parts[3])
    return "1" if ok else "0"


def main():
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        line = line.strip()
        if line:
            print(answer(line))


main()
