"""Signed example messages of every kind, made with fixed public test keys (RFC 8032 section 7.1).

    python -m micromarket.protocol.vectors [--out DIR] [--check]

writes ``<kind>.json`` (payload and message in hex and diagnostic notation, signer, public key,
hash) and ``<kind>.diag`` into protocol/vectors/, plus ``keys.json``. ``--check`` compares the
files with what this code makes now and exits 1 on any difference. Ed25519 is deterministic, so
the bytes never change unless the protocol does. These keys are public: never use them for real.
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..paths import PROTOCOL_DIR
from . import (Award, Bundle, Challenge, Clearing, Context, Delivery, Enrollment, Error,
               Offer, Position, Receipt, Response, Status, Tender, TreeHead, encode, message_hash,
               party_id, public_key_bytes, sign)
from .diag import diag_bytes

VECTORS_DIR = PROTOCOL_DIR / "vectors"

# RFC 8032 section 7.1 secret keys: TEST 1, TEST 2, TEST 3 and TEST SHA(abc).
TEST_SEEDS = {
    "device": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "market": "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "registrar": "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    "release": "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
}
MARKET = "demo"
T0 = 1767225600  # 2026-01-01T00:00:00Z, the interval of the examples
NONCE = bytes(range(16))


def test_key(role: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(TEST_SEEDS[role]))


def kid_of(role: str) -> str:
    return {"device": party_id(test_key("device")), "market": MARKET}.get(role, role)


@dataclass(frozen=True)
class Vector:
    kind: str
    signer: str          # role of the test key
    kid: str
    public_key: bytes
    payload: bytes
    message: bytes

    def as_json(self) -> dict:
        return {
            "kind": self.kind, "signer": self.signer, "kid": self.kid,
            "public_key": self.public_key.hex(),
            "payload_hex": self.payload.hex(), "payload_diag": diag_bytes(self.payload),
            "message_hex": self.message.hex(), "message_diag": diag_bytes(self.message),
            "hash": message_hash(self.message).hex(),
        }


def _sign(kind_msg, role: str) -> Vector:
    key = test_key(role)
    return Vector(kind_msg.KIND, role, kid_of(role), public_key_bytes(key),
                  encode(kind_msg), sign(kind_msg, key, kid_of(role)))


def build() -> list[Vector]:
    """Every kind once, chained by hash the way a real interval chains them."""
    dev = party_id(test_key("device"))
    dev_key = public_key_bytes(test_key("device"))
    out = [_sign(Context(market=MARKET, key=public_key_bytes(test_key("market")), interval=900,
                         start=T0, gate=60, floor=80_000, cap=320_000,
                         tariff=((0, 80_000, 320_000), (25_200, 80_000, 400_000),
                                 (61_200, 80_000, 450_000), (75_600, 80_000, 320_000)),
                         forecast=(T0, 900, (320_000, 310_500, 296_000, 301_250, 320_000,
                                             320_000, 288_000, 275_000)),
                         qmax=5_000, parent=None,
                         products=("energy",), issued=T0 - 600,
                         head=(1_024, bytes.fromhex("33" * 32))), "market")]
    tender = _sign(Tender(market=MARKET, party=dev, seq=41, interval=T0, side="buy",
                          curve=((300_000, 200), (150_000, 400), (90_000, 600)),
                          expiry=T0 - 60), "device")
    award = _sign(Award(market=MARKET, party=dev, interval=T0, side="buy", price=120_000,
                        wh=600, tender=message_hash(tender.message)), "market")
    head = _sign(TreeHead(market=MARKET, size=1_024, root=bytes.fromhex("33" * 32),
                          time=T0 - 60), "market")
    delivery = _sign(Delivery(market=MARKET, party=dev, seq=42, interval=T0, side="buy",
                              wh=585, counter=1_234_567, award=message_hash(award.message),
                              head=(1_024, bytes.fromhex("33" * 32))), "device")
    out += [tender, award, head, delivery]
    out.append(_sign(Receipt(market=MARKET, party=dev, interval=T0,
                             delivery=message_hash(delivery.message), amount=-71_100,
                             balance=2_500_000), "market"))
    out.append(_sign(Clearing(market=MARKET, interval=T0, price=120_000, volume=4_200,
                              grid_buy=0, grid_sell=1_300, tenders=17,
                              head=(1_024, bytes.fromhex("33" * 32))), "market"))
    out.append(_sign(Position(market="city", party=MARKET, seq=7, interval=T0,
                              buy=((250_000, 1_000), (100_000, 3_000)),
                              sell=((330_000, 2_000),), expiry=T0 - 120), "market"))
    out.append(_sign(Error(market=MARKET, code=4, reason="seq 41 is not above 57",
                           party=dev, ref=message_hash(tender.message)), "market"))
    out.append(_sign(Challenge(market=MARKET, nonce=NONCE, issued=T0 - 86_400), "registrar"))
    out.append(_sign(Response(market=MARKET, party=dev, key=dev_key, nonce=NONCE), "device"))
    out.append(_sign(Enrollment(market=MARKET, party=dev, key=dev_key, role="plug",
                                board="shelly-plus-plug-s", site="Lindenweg 3",
                                nbf=T0 - 86_400, exp=T0 + 365 * 86_400), "registrar"))
    out.append(_sign(Bundle(market="*", board="shelly-plus-plug-s", version="1.0.0", downgrade=False,
                            files=(("main.py", 1_234, bytes.fromhex("11" * 32)),
                                   ("lib/agent.py", 5_678, bytes.fromhex("22" * 32)))),
                     "release"))
    out.append(_sign(Offer(market=MARKET, board="shelly-plus-plug-s", version="1.0.0", downgrade=False,
                           bundle=bytes.fromhex("33" * 32), size=7_301, chunk=1_024), "release"))
    out.append(_sign(Status(market=MARKET, party=dev, board="shelly-plus-plug-s", version="1.0.0",
                            update=("1.0.0", "installed", "")), "device"))
    return out


def render(vectors: list[Vector]) -> dict[str, str]:
    """File name -> text of everything the vectors directory holds."""
    files = {"keys.json": json.dumps(
        {role: {"seed": seed, "public_key": public_key_bytes(test_key(role)).hex(),
                "kid": kid_of(role)} for role, seed in TEST_SEEDS.items()}, indent=2) + "\n"}
    for v in vectors:
        data = v.as_json()
        files[f"{v.kind}.json"] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        files[f"{v.kind}.diag"] = (f"/ {v.kind}, signed by the {v.signer} test key, kid "
                                   f"{v.kid!r} /\n{data['message_diag']}\n")
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m micromarket.protocol.vectors",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=VECTORS_DIR)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    files = render(build())
    if args.check:
        stale = [name for name, text in files.items()
                 if not (args.out / name).exists() or (args.out / name).read_text() != text]
        for name in stale:
            print(f"stale: {args.out / name}")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
