"""Test helper: a virtual board's filesystem made ready for the agent, as provisioning leaves it
(board config, device config, identity with a registrar-signed enrollment) plus config/agent.json
for the broker and the scaled clock; and the parsers of agent_day.py's HEAP and DONE lines."""

import json
import os
from pathlib import Path
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket.boards import board as boards
from micromarket import protocol as P


def make_device(root: Path, *, board: str, market_key: bytes, port: int, speed: int | None,
                anchor: int | None, params: dict | None = None, market: str = "m1",
                keepalive: int = 5) -> tuple[str, bytes]:
    """Write the files of a provisioned, configured device under ``root``; (party, public key).
    With ``speed`` None the device keeps its board's own clock (no simulated one)."""
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
    agent = {"broker": f"mqtt://127.0.0.1:{port}", "keepalive": keepalive}
    if speed is not None:
        agent["clock"] = {"speed": speed, "anchor": anchor}
    if params:
        agent["params"] = params
    (root / "config" / "agent.json").write_text(json.dumps(agent))
    return party, public


class Heap(NamedTuple):
    """One HEAP line of agent_day.py, printed after each interval (after a gc.collect())."""

    interval: int  # the start of the interval just begun, simulated unix seconds
    alloc: int  # heap in use after the collection (the live heap), bytes
    free: int  # heap free after the collection, bytes
    peak: int  # the most heap in use (garbage included) the agent's loop has seen, bytes
    connected: bool  # the link to the broker is up
    acted: int  # awards acted on so far
    island: int  # intervals that ended with no award, on the offline policy, so far
    stored: int  # signed deliveries kept in the store: no receipt from the market yet
    waiting: int  # of those, the ones sent and waiting for their receipt


def parse_heap(line: str) -> Heap:
    """A HEAP line (``HEAP s alloc free peak connected acted island stored waiting``) as its
    fields."""
    tag, s, alloc, free, peak, connected, acted, island, stored, waiting = line.split()
    assert tag == "HEAP" and connected in ("True", "False"), line
    return Heap(int(s), int(alloc), int(free), int(peak), connected == "True", int(acted),
                int(island), int(stored), int(waiting))


def heap_rows(lines) -> list[Heap]:
    """Every HEAP line among ``lines`` (a device's output), parsed, in order."""
    return [parse_heap(line) for line in lines if line.startswith("HEAP")]


def parse_done(line: str) -> dict[str, int | None]:
    """The DONE line (``DONE name=count ... balance=b``): the agent's stats by name, and its last
    balance (None before any receipt)."""
    tag, *pairs = line.split()
    assert tag == "DONE", line
    out = {}
    for pair in pairs:
        name, value = pair.split("=")
        out[name] = None if value == "None" else int(value)
    return out
