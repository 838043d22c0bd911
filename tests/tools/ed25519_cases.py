"""Differential Ed25519 cases with verdicts and signatures from `cryptography` (OpenSSL).

``cases(n_keys, rng)`` returns dicts: {"kind": "sign", "seed", "msg", "sig"} whose ``sig`` is
OpenSSL's signature, and {"kind": "verify", "pk", "msg", "sig", "ok", "why"} whose ``ok`` is
OpenSSL's verdict. The mutations cover flipped bits (signature, message, key), S + L
malleability, truncated and over-long signatures, random and small-order keys, and keys and
R values in non-canonical encodings (y >= p, x = 0 with the sign bit set).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host" / "micromarket" / "bench" / "baselines"))
import ed25519_bigint as ref  # noqa: E402

P, L = ref.P, ref.L


def openssl_verify(pk: bytes, msg: bytes, sig: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def _small_order_encodings() -> list[bytes]:
    """Encodings of the 8 torsion points, plus non-canonical twins (y + p, sign bit on x = 0)."""
    out = []
    pt = None
    # a point of order 8: y = a root of the torsion subgroup, found from the reference
    for y in range(2, 1 << 16):
        cand = ref.decode_point(y.to_bytes(32, "little"))
        if cand is None:
            continue
        q = ref.scalar_mult(L, cand)
        if ref.encode_point(q) != ref.encode_point(ref.IDENTITY):
            pt = q  # L * point lands in the torsion subgroup
            break
    acc = ref.IDENTITY
    for _ in range(8):
        out.append(ref.encode_point(acc))
        acc = ref.point_add(acc, pt)
    enc_identity = (1).to_bytes(32, "little")
    out.append((1 + P).to_bytes(32, "little"))                   # identity, y >= p
    out.append(bytes(enc_identity[:31]) + bytes([0x80]))         # identity, x = -0
    out.append((P - 1).to_bytes(32, "little"))                    # order 2, y = -1
    out.append(((P - 1) | (1 << 255)).to_bytes(32, "little"))    # order 2, x = -0
    return sorted(set(out))


def cases(n_keys: int, rng: random.Random) -> list[dict]:
    out: list[dict] = []
    small = _small_order_encodings()

    def add_verify(pk, msg, sig, why):
        out.append({"kind": "verify", "pk": pk, "msg": msg, "sig": sig,
                    "ok": openssl_verify(pk, msg, sig), "why": why})

    for i in range(n_keys):
        seed = rng.randbytes(32)
        n = rng.choice((0, 1, 32, 64, 100, 200)) if i % 4 else rng.randrange(4097)
        msg = rng.randbytes(n)
        key = Ed25519PrivateKey.from_private_bytes(seed)
        pk = key.public_key().public_bytes_raw()
        sig = key.sign(msg)
        out.append({"kind": "sign", "seed": seed, "msg": msg, "sig": sig})
        add_verify(pk, msg, sig, "valid")
        m = i % 9
        if m == 0:
            b = rng.randrange(512)
            bad = bytearray(sig)
            bad[b // 8] ^= 1 << (b % 8)
            add_verify(pk, msg, bytes(bad), "flipped signature bit")
        elif m == 1:
            bad = bytearray(msg or b"\0")
            b = rng.randrange(len(bad) * 8)
            bad[b // 8] ^= 1 << (b % 8)
            add_verify(pk, bytes(bad), sig, "flipped message bit")
        elif m == 2:
            b = rng.randrange(256)
            bad = bytearray(pk)
            bad[b // 8] ^= 1 << (b % 8)
            add_verify(bytes(bad), msg, sig, "flipped key bit")
        elif m == 3:
            s = int.from_bytes(sig[32:], "little") + L
            add_verify(pk, msg, sig[:32] + s.to_bytes(32, "little"), "S + L")
            if s + L < 1 << 256:
                add_verify(pk, msg, sig[:32] + (s + L).to_bytes(32, "little"), "S + 2L")
        elif m == 4:
            add_verify(pk, msg, sig[:rng.randrange(64)], "truncated signature")
            add_verify(pk, msg, sig + rng.randbytes(rng.randrange(1, 64)), "over-long signature")
        elif m == 5:
            add_verify(rng.randbytes(32), msg, sig, "random key")
            add_verify(pk[:31], msg, sig, "short key")
        elif m == 6:
            # a key that only OpenSSL's decoder accepts as-is: A = identity, any encoding
            a_enc = rng.choice(small)
            s = rng.randrange(L)
            r = ref.encode_point(ref.scalar_mult(s, ref.BASE))
            add_verify(a_enc, msg, r + s.to_bytes(32, "little"), "small-order key, R = [S]B")
        elif m == 7:
            add_verify(rng.choice(small), msg, sig, "small-order key")
            # R = identity written with y >= p: never equal to a canonical re-encoding
            add_verify(pk, msg, (1 + P).to_bytes(32, "little") + bytes(32), "non-canonical R")
        else:
            y = rng.randrange(19)  # keys with y >= p exist only for y < 19
            enc = (y + P) | (rng.randrange(2) << 255)
            s = rng.randrange(L)
            r = ref.encode_point(ref.scalar_mult(s, ref.BASE))
            add_verify(enc.to_bytes(32, "little"), msg, r + s.to_bytes(32, "little"),
                       "non-canonical key y >= p")
    return out


def wycheproof_cases(data: dict) -> list[dict]:
    out = []
    for group in data["testGroups"]:
        pk = bytes.fromhex(group["publicKey"]["pk"])
        for t in group["tests"]:
            out.append({"kind": "verify", "pk": pk, "msg": bytes.fromhex(t["msg"]),
                        "sig": bytes.fromhex(t["sig"]), "ok": t["result"] == "valid",
                        "why": f"wycheproof tcId {t['tcId']} {t['comment']}"})
    return out


def rfc8032_cases() -> list[dict]:
    import rfc8032
    out = []
    for v in rfc8032.VECTORS:
        seed, pk = bytes.fromhex(v["secret"]), bytes.fromhex(v["public"])
        msg, sig = bytes.fromhex(v["message"]), bytes.fromhex(v["signature"])
        out.append({"kind": "sign", "seed": seed, "msg": msg, "sig": sig, "pk": pk})
        out.append({"kind": "verify", "pk": pk, "msg": msg, "sig": sig, "ok": True,
                    "why": v["name"]})
    return out


def to_lines(batch: list[dict]) -> str:
    """The text the MicroPython runner reads: one case a line."""
    def h(b):
        return b.hex() or "-"  # "-" stands for no bytes at all

    lines = []
    for c in batch:
        if c["kind"] == "sign":
            lines.append(f"S {h(c['seed'])} {h(c['msg'])}")
        else:
            lines.append(f"V {h(c['pk'])} {h(c['msg'])} {h(c['sig'])}")
    return "\n".join(lines) + "\n"


def check(batch: list[dict], results: list[str]) -> list[str]:
    """Mismatches between the runner's output lines and the expected answers."""
    bad = []
    assert len(results) == len(batch), (len(results), len(batch))
    for c, r in zip(batch, results):
        if c["kind"] == "sign":
            pub, sig = r.split()
            if sig != c["sig"].hex():
                bad.append(f"sign differs for seed {c['seed'].hex()} msg len {len(c['msg'])}")
            if "pk" in c and pub != c["pk"].hex():
                bad.append(f"public key differs for seed {c['seed'].hex()}")
        elif (r == "1") != c["ok"]:
            bad.append(f"verify says {r}, OpenSSL {c['ok']}: {c['why']}")
    return bad
