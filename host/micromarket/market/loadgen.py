"""A load generator: thousands of simulated parties that sign tenders and deliveries.

Parties are keyed deterministically from a seed, so a run can be repeated; ``register`` puts
them into a market database without credentials (``registry.add_parties``), ``enroll`` with
registrar-signed credentials logged in the ledger, as ``micromarket provision`` does.
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


def enroll(conn, parties: list[SimParty], market: str, registrar, now: int) -> None:
    """Enroll ``parties`` with credentials signed by ``registrar`` (a private key), in one
    transaction: registry rows and the credentials' ledger entries."""
    from . import ledger as L
    from .store import transaction
    with transaction(conn):
        for p in parties:
            pub = P.public_key_bytes(p.key)
            cred = P.sign(P.Enrollment(market=market, party=p.party, key=pub, role="plug",
                                       board="loadgen", site="", nbf=0, exp=0xFFFFFFFF),
                          registrar, "registrar")
            R.add_party(conn, pub, market, "plug", "loadgen", "", 0, 0xFFFFFFFF, cred)
            L.append(conn, "enrollment", cred, now)


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
             award: bytes | None = None, counter: int = 0,
             head: tuple | None = None) -> tuple[str, bytes]:
    msg = P.Delivery(market=market, party=p.party, seq=p.next_seq(), interval=interval,
                     side=side, wh=wh, counter=counter, award=award, head=head)
    return P.topic(market, "delivery", p.party), P.sign(msg, p.key, p.party)


def tenders(parties: list[SimParty], market: str, interval: int, floor: int, cap: int):
    return [tender(p, market, interval, floor, cap) for p in parties]


async def drive(url, market: str, parties: list[SimParty], rounds: int,
                market_key: bytes | None = None, timeout: float = 600,
                resend: float = 5.0) -> dict:
    """Publish one tender per party for each of the next ``rounds`` open intervals, and send
    each again, as a device does, until the market answers it: with its award, or an error
    naming it. A tender goes again every ``resend`` s, after a reconnect, and once its
    interval's Clearing is out (a copy of a tender in the book is answered with its award; one
    that never reached the book, with a refusal). Returns what was sent and how it was answered.
    """
    import asyncio
    import time
    from collections import Counter

    from .link import MqttLink
    link = MqttLink(url, f"mm-loadgen-{market}-{time.time_ns()}",
                    [P.topic(market, kind) for kind in ("context", "clearing")] +
                    [P.subscription(market, kind) for kind in ("award", "error")],
                    persistent=False)
    link.start()
    await link.wait_connected()
    pending: dict[bytes, tuple[str, bytes, int]] = {}   # tender hash -> topic, bytes, interval
    answers: Counter = Counter()
    sent, copies, seen = 0, 0, set()
    start = time.monotonic()
    deadline = start + timeout
    connects, last_resend = link.connects, time.monotonic()
    key = market_key

    def again(which) -> None:
        nonlocal copies
        for h in which:
            topic, body, _s = pending[h]
            link.publish(topic, body)
            copies += 1

    try:
        while (len(seen) < rounds or pending) and time.monotonic() < deadline:
            try:
                topic, data = await asyncio.wait_for(link.incoming.get(), 0.2)
            except asyncio.TimeoutError:
                topic = data = None
            if data is not None:
                try:
                    if key is None:
                        key = P.read(data).message.key     # the first context names it
                    msg = P.verify(data, key)
                except (P.ProtocolError, AttributeError):
                    continue
                if msg.KIND == "context" and msg.start not in seen and len(seen) < rounds:
                    seen.add(msg.start)
                    most = limits.interval_wh(limits.ROLE_POWER_W["plug"], msg.interval)
                    for p in parties:
                        t, body = tender(p, market, msg.start, msg.floor, msg.cap, qmax=most)
                        pending[P.message_hash(body)] = (t, body, msg.start)
                        link.publish(t, body)
                        sent += 1
                        if sent % 500 == 0:
                            await asyncio.sleep(0)
                elif msg.KIND == "award" and pending.pop(msg.tender, None):
                    answers["award"] += 1
                elif msg.KIND == "error" and msg.ref is not None and pending.pop(msg.ref, None):
                    answers[P.ERROR_NAMES.get(msg.code, str(msg.code))] += 1
                elif msg.KIND == "clearing":
                    again([h for h, (_t, _b, s) in pending.items() if s == msg.interval])
            now = time.monotonic()
            if link.connects != connects or now - last_resend >= resend:
                connects, last_resend = link.connects, now
                again(list(pending))
    finally:
        await asyncio.sleep(0.5)
        link.stop()
    return {"parties": len(parties), "intervals": sorted(seen), "tenders": sent,
            "resent": copies, "answers": dict(answers), "unanswered": len(pending),
            "wall_s": round(time.monotonic() - start, 3)}
