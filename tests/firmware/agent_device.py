"""Test helper: a virtual board's filesystem made ready for the agent, as provisioning leaves it
(board config, device config, identity with a registrar-signed enrollment) plus config/agent.json
for the broker and the scaled clock."""

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import boards
from micromarket import protocol as P

HERE = Path(__file__).parent


def make_device(root: Path, *, board: str, market_key: bytes, port: int, speed: int,
                anchor: int, params: dict | None = None, market: str = "m1",
                keepalive: int = 5) -> tuple[str, bytes]:
    """Write the files of a provisioned, configured device under ``root``; (party, public key)."""
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "id").mkdir(exist_ok=True)
    b = boards.get_board(board)
    (root / "config" / "board.json").write_bytes(b.config_bytes())
    seed = os.urandom(32)
    public = P.public_key_bytes(Ed25519PrivateKey.from_private_bytes(seed))
    party = P.party_id(public)
    registrar = Ed25519PrivateKey.generate()
    enrollment = P.Enrollment(market=market, party=party, key=public, role=b.config["role"]["role"],
                              board=board, site="", nbf=0, exp=4_000_000_000)
    (root / "id" / "seed").write_bytes(seed)
    (root / "id" / "enrollment.cose").write_bytes(P.sign(enrollment, registrar, "registrar"))
    device = {"market": market, "personality": b.config["role"]["personality"], "board": board,
              "market_key": market_key.hex(),
              "registrar_key": P.public_key_bytes(registrar).hex()}
    (root / "config" / "device.json").write_text(json.dumps(device))
    agent = {"broker": f"mqtt://127.0.0.1:{port}", "keepalive": keepalive,
             "clock": {"speed": speed, "anchor": anchor}}
    if params:
        agent["params"] = params
    (root / "config" / "agent.json").write_text(json.dumps(agent))
    return party, public
