"""A load generator: thousands of simulated parties that sign tenders and deliveries.

Parties are keyed deterministically from a seed, so a run can be repeated; ``register`` puts
them into a market database without credentials (``registry.add_parties``).
"""

import hashlib
import random
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .. import protocol as P
from . import limits
from . import registry as R


@dataclass
class SimParty:
    key: Ed25519PrivateKey
    party: str
    seq: int = 0
    rnd: random.Random = field(default_factory=random.Random)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def make_parties(n: int, seed: int = 1) -> list[SimParty]:
    out = []
    for i in range(n):
        raw = hashlib.sha256(b"micromarket-loadgen:%d:%d" % (seed, i)).digest()
        key = Ed25519PrivateKey.from_private_bytes(raw)
        out.append(SimParty(key, P.party_id(P.public_key_bytes(key)),
                            rnd=random.Random(seed * 1_000_003 + i)))
    return out


def register(conn, parties: list[SimParty], market: str, role: str = "plug") -> list[str]:
    return R.add_parties(conn, [P.public_key_bytes(p.key) for p in parties], market, role)


# Wh one simulated party offers at most: it is enrolled as a plug (limits.ROLE_POWER_W), whose
# 3680 W over a 300 s interval come to 307 Wh
QMAX = 300


def curve(p: SimParty, side: str, floor: int, cap: int, steps: int = 3,
          qmax: int = QMAX) -> tuple:
    """A random step curve inside the bounds: buy prices falling, sell prices rising."""
    grid = max(1, (cap - floor) // 1000)
    prices = sorted({floor + p.rnd.randrange(grid + 1) * 1000 for _ in range(steps)},
                    reverse=(side == "buy"))
    per = max(1, qmax // (len(prices) * 2))
    return tuple((price, p.rnd.randint(1, per)) for price in prices)


def tender(p: SimParty, market: str, interval: int, floor: int, cap: int,
           side: str | None = None, expiry: int | None = None,
           qmax: int = QMAX) -> tuple[str, bytes]:
    """(topic, signed tender bytes) of one simulated party."""
    side = side or ("sell" if p.rnd.random() < 0.4 else "buy")
    msg = P.Tender(market=market, party=p.party, seq=p.next_seq(), interval=interval, side=side,
                   curve=curve(p, side, floor, cap, qmax=qmax), expiry=expiry or interval)
    return P.topic(market, "tender", p.party), P.sign(msg, p.key, p.party)


def delivery(p: SimParty, market: str, interval: int, side: str, wh: int,
             award: bytes | None = None, counter: int = 0) -> tuple[str, bytes]:
    msg = P.Delivery(market=market, party=p.party, seq=p.next_seq(), interval=interval,
                     side=side, wh=wh, counter=counter, award=award)
    return P.topic(market, "delivery", p.party), P.sign(msg, p.key, p.party)


def tenders(parties: list[SimParty], market: str, interval: int, floor: int, cap: int):
    return [tender(p, market, interval, floor, cap) for p in parties]


async def drive(url, market: str, parties: list[SimParty], rounds: int,
                market_key: bytes | None = None, timeout: float = 600) -> dict:
    """Publish one tender per party for each of the next ``rounds`` open intervals."""
    import asyncio
    import time

    from .link import MqttLink
    link = MqttLink(url, f"mm-loadgen-{market}-{time.time_ns()}",
                    [P.topic(market, "context")], persistent=False)
    link.start()
    await link.wait_connected()
    sent, seen = 0, set()
    start = time.monotonic()
    try:
        while len(seen) < rounds:
            _topic, data = await asyncio.wait_for(link.incoming.get(), timeout)
            signed = P.read(data)
            key = market_key or signed.message.key
            ctx = P.verify(data, key, kind="context")
            if ctx.start in seen:
                continue
            seen.add(ctx.start)
            most = limits.interval_wh(limits.ROLE_POWER_W["plug"], ctx.interval)
            for p in parties:
                link.publish(*tender(p, market, ctx.start, ctx.floor, ctx.cap, qmax=most))
                sent += 1
                if sent % 500 == 0:
                    await asyncio.sleep(0)
    finally:
        await asyncio.sleep(0.5)
        link.stop()
    return {"parties": len(parties), "intervals": sorted(seen), "tenders": sent,
            "wall_s": round(time.monotonic() - start, 3)}
