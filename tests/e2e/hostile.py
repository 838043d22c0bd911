"""Hostile messages for `micromarket market serve`, in families, each with the error code the
market must refuse it with. Well-formed abuse mostly: validly signed by enrolled parties but
absurd, or aimed at the wrong interval, replayed, expired, forged, altered on the way; and an
outsider's junk. Every message is distinct (the market names each refusal by the message's hash).

``Cast`` holds the keys; ``families(cast, view)`` builds the messages from what the market said
(``View``: its open interval, an interval it cleared, the awards it gave).
"""

import random
from dataclasses import dataclass

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.protocol import codec, cose

MARKET = "m1"
U32 = 2**32 - 1
EXPIRING = "expires before clearing"    # taken at first, so "accepted" means: awarded


@dataclass
class Party:
    key: Ed25519PrivateKey
    party: str
    role: str
    board: str
    most: int               # Wh its power allows in one interval
    seq: int = 1000         # above anything the honest run used

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def party(seed: int, role: str, board: str, most: int, name: str | None = None) -> Party:
    key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return Party(key, name or P.party_id(P.public_key_bytes(key)), role, board, most)


@dataclass
class View:
    interval: int           # interval length, market s
    gate: int               # gate closure lead, market s
    open: int               # the interval open for tenders
    floor: int
    cap: int
    qmax: int
    future: int             # an interval whose gate is far off: tenders for it are on time
    now: int                # market time, roughly
    settled: int            # an interval cleared, ended and delivered by ``plug``
    awards: dict            # party -> hash of its award for ``settled``


def signed(p: Party, msg) -> bytes:
    return P.sign(msg, p.key, p.party)


def tender(p: Party, view: View, interval=None, side="buy", curve=None, expiry=None, seq=None,
           market=MARKET) -> bytes:
    s = view.future if interval is None else interval
    curve = curve or ((view.cap, 1),)
    return signed(p, P.Tender(market=market, party=p.party, seq=p.next_seq() if seq is None else seq,
                              interval=s, side=side, curve=curve,
                              expiry=s if expiry is None else expiry))


def delivery(p: Party, interval: int, wh: int, side="buy", award=None, counter=0) -> bytes:
    return signed(p, P.Delivery(market=MARKET, party=p.party, seq=p.next_seq(), interval=interval,
                                side=side, wh=wh, counter=counter, award=award, head=None))


def payload_of(data: bytes) -> dict:
    return dict(cbor2.loads(cose.open1(data).payload))


def resign(p: Party, payload: dict, canonical=True) -> bytes:
    body = codec.dumps(payload) if canonical else cbor2.dumps(payload)
    return cose.sign1(p.key, body, p.party)


def with_unprotected(data: bytes, extra: dict) -> bytes:
    """The same signed message with other unprotected header labels: signature still whole."""
    prot, unprot, payload, sig = cbor2.loads(data).value
    return codec.dumps(cbor2.CBORTag(18, [prot, {**unprot, **extra}, payload, sig]))


def topic(kind: str, who: str) -> str:
    return P.topic(MARKET, kind, who)


def families(cast: dict, view: View, rnd: random.Random) -> dict[str, list]:
    """family -> [(topic, bytes, expected code name)]."""
    plug, meter, child, honest = cast["plug"], cast["meter"], cast["child"], cast["honest"]
    stranger = cast["stranger"]
    devices = [plug, meter, honest]
    n, fut = view.interval, view.future
    fam: dict[str, list] = {}

    def add(name, t, data, code):
        fam.setdefault(name, []).append((t, data, code))

    # taken, but expiring before their interval is cleared: never awarded, answered `expired`
    for k in range(2):
        s = view.open + k * n
        for p in devices:
            add(EXPIRING, topic("tender", p.party),
                tender(p, view, interval=s, curve=((view.cap, 5 + k),), expiry=s - view.gate - 1),
                "expired")

    # an outsider's bytes on every topic the market reads, answered on the topic's party
    for i in range(40):
        junk = rnd.randbytes(rnd.randint(1, 300))
        who = [plug.party, stranger.party, "unknown", child.party][i % 4]
        add("outsider junk", topic(("tender", "delivery")[i % 2], who), junk, "malformed")
    good = tender(plug, view)
    for cut in range(1, len(good), max(1, len(good) // 20)):
        add("outsider junk", topic("tender", plug.party), good[:cut], "malformed")
    for size in (8193, 8500, 9000, 12_000, 16_384, 40_000, 65_536, 100_000, 200_000, 262_144):
        add("oversized", topic("tender", plug.party), bytes([size % 251]) * size, "oversized")
    add("oversized", topic("delivery", meter.party), good + bytes(8193), "oversized")

    # forged: another key under a party's name; a party's message on another party's topic
    forger = Ed25519PrivateKey.generate()
    for i, victim in enumerate(devices * 5):
        msg = P.Tender(market=MARKET, party=victim.party, seq=victim.next_seq() + 10_000,
                       interval=fut, side="buy", curve=((view.cap, 1 + i),), expiry=fut)
        add("forged signature", topic("tender", victim.party), P.sign(msg, forger, victim.party),
            "signature")
    for i in range(10):
        add("forged signature", topic("tender", honest.party),
            tender(plug, view, curve=((view.cap, 2 + i),)), "signature")
    for i in range(10):
        bad = bytearray(tender(meter, view, curve=((view.cap, 3 + i),)))
        bad[-1 - i] ^= 0x01                                 # a bit of the signature
        add("forged signature", topic("tender", meter.party), bytes(bad), "signature")

    # validly signed by keys the registrar never enrolled
    for i in range(20):
        p = party(100 + i, "load", "virtual-plug", 0)
        data = tender(p, view) if i % 2 else delivery(p, view.settled, 1)
        add("unknown party", topic("tender" if i % 2 else "delivery", p.party), data,
            "unknown-party")

    # absurd quantities from enrolled parties: beyond their power, qmax, 2**32 - 1
    for i, p in enumerate([plug, meter, honest] * 10):
        steps = rnd.randint(1, 16)
        total = [p.most + 1, p.most + 1 + i, view.qmax + 1, U32, 10 * p.most][i % 5]
        per = max(1, total // steps)
        curve = tuple((view.cap - k * 1000, per) for k in range(steps))
        if sum(q for _p, q in curve) <= p.most:
            curve = ((view.cap, p.most + 1 + i),)
        add("absurd quantity", topic("tender", p.party), tender(p, view, curve=curve),
            "out-of-bounds")
    for i, p in enumerate([plug, meter, honest] * 7):
        wh = [p.most + 1, U32, U32 - i, 2 * p.most, 10**6 + i][i % 5]
        add("absurd quantity", topic("delivery", p.party),
            delivery(p, view.settled, wh, award=view.awards.get(p.party)), "out-of-bounds")
    for i, p in enumerate([plug, meter, honest] * 3):  # the island deliveries: minting
        add("absurd quantity", topic("delivery", p.party),
            delivery(p, view.settled - (20 + i) * n, U32 - i, side="sell"), "out-of-bounds")
    for i in range(20):
        price = [view.floor - 1, view.cap + 1, 0, U32, view.floor - 1000 * (i + 1)][i % 5]
        p = devices[i % 3]
        add("price out of bounds", topic("tender", p.party),
            tender(p, view, curve=((price, 1 + i),), side="sell" if i % 2 else "buy"),
            "out-of-bounds")

    # positions: from devices never; from the child market within its power
    for i, p in enumerate(devices * 7):
        pos = P.Position(market=MARKET, party=p.party, seq=p.next_seq(), interval=fut,
                         buy=((view.cap, 1 + i),), sell=(), expiry=fut)
        add("position from a device", topic("tender", p.party), signed(p, pos), "wrong-type")
    for i in range(10):
        buy = ((view.cap, U32), (view.cap - 1000, U32)) if i == 0 else \
            ((view.cap, child.most + 1 + i * 1000),)
        pos = P.Position(market=MARKET, party=child.party, seq=child.next_seq(), interval=fut,
                         buy=buy, sell=((view.floor, child.most + 1),) if i % 2 else (),
                         expiry=fut)
        add("position from a device", topic("tender", child.party), signed(child, pos),
            "out-of-bounds")

    # wrong intervals
    for i in range(10):
        add("wrong interval", topic("tender", plug.party),
            tender(plug, view, interval=fut + 1 + i * 7), "invalid")
        add("wrong interval", topic("tender", meter.party),
            tender(meter, view, interval=view.now // n * n - i * n), "interval-closed")
        add("wrong interval", topic("tender", honest.party),
            tender(honest, view, interval=fut + (200 + i) * n), "interval-future")
        add("wrong interval", topic("tender", plug.party),
            tender(plug, view, interval=n * (1 + i)), "interval-closed")

    # replays: sequence numbers at or below the last one taken
    last = cast["last_seq"]
    for i in range(30):
        p = plug
        add("replay", topic("tender", p.party),
            tender(p, view, seq=last[p.party] - i, curve=((view.cap, 1 + i % 5),),
                   side=("buy", "sell")[i % 2]) if i % 2 == 0 else
            tender(p, view, seq=last[p.party] - i, curve=((view.floor + 1000 * i, 1),),
                   side="sell"), "replay")
    for i in range(10):                     # a second, different delivery for a settled interval
        add("replay", topic("delivery", plug.party),
            delivery(plug, view.settled, i, award=view.awards[plug.party], counter=i + 1),
            "replay")

    # expired
    for i in range(20):
        p = devices[i % 3]
        add("expired", topic("tender", p.party),
            tender(p, view, expiry=view.now - 1000 * (i + 1)), "expired")

    # deliveries for intervals the market did not clear, or naming awards it did not make
    for i in range(10):
        add("bad delivery", topic("delivery", meter.party),
            delivery(meter, view.settled, 5, award=rnd.randbytes(32)), "invalid")
        add("bad delivery", topic("delivery", meter.party),
            delivery(meter, fut + i * n, 5), "invalid")                 # not ended
        add("bad delivery", topic("delivery", honest.party),
            delivery(honest, view.settled - (300 + i) * n, 5), "interval-closed")
        add("bad delivery", topic("delivery", honest.party),
            delivery(honest, view.settled - n - 1 - i, 5), "invalid")  # not an interval start
    for i in range(5):
        add("bad delivery", topic("delivery", meter.party),
            delivery(meter, view.settled, 6 + i, award=view.awards[plug.party]), "invalid")
        add("bad delivery", topic("delivery", meter.party),
            delivery(meter, view.settled - (2 + i) * n, 6 + i, award=view.awards[plug.party]),
            "invalid")

    # genuine messages altered on the way: an unprotected header beside the kid, or another kid
    for i in range(20):
        p = devices[i % 3]
        data = tender(p, view, curve=((view.cap, 1 + i),)) if i % 2 else \
            delivery(p, view.settled - (10 + i) * n, 1)
        extra = [{5: b"x"}, {1: -8}, {i + 6: i}, {-1: b""}, {4 + 256: b"kid"}][i % 5]
        add("altered header", topic("tender" if i % 2 else "delivery", p.party),
            with_unprotected(data, extra), "signature")
    for i in range(10):
        p, other = devices[i % 3], devices[(i + 1) % 3]
        prot, _unprot, payload, sig = cbor2.loads(tender(p, view, curve=((view.cap, 1 + i),))).value
        swapped = cbor2.CBORTag(18, [prot, {4: other.party.encode()}, payload, sig])
        add("altered header", topic("tender", other.party), codec.dumps(swapped), "signature")

    # the wrong market, kind, version or fields; encodings that are not deterministic
    for i in range(10):
        p = devices[i % 3]
        add("wrong envelope", topic("tender", p.party),
            tender(p, view, market=f"m{i + 2}", curve=((view.cap, 1 + i),)), "wrong-market")
    for i, kind in enumerate(["award", "receipt", "clearing", "error", "enrollment"] * 2):
        p = devices[i % 3]
        body = {"award": lambda: P.Award(market=MARKET, party=p.party, interval=fut, side="buy",
                                         price=view.cap, wh=1 + i, tender=bytes(32)),
                "receipt": lambda: P.Receipt(market=MARKET, party=p.party, interval=view.settled,
                                             delivery=bytes(32), amount=10**6 + i, balance=10**9),
                "clearing": lambda: P.Clearing(market=MARKET, interval=fut, price=view.floor,
                                               volume=i, grid_buy=0, grid_sell=0, tenders=1,
                                               head=(i, bytes(32))),
                "error": lambda: P.Error(market=MARKET, code=16, reason=f"x{i}", party=p.party,
                                         ref=None),
                "enrollment": lambda: P.Enrollment(market=MARKET, party=p.party,
                                                   key=P.public_key_bytes(p.key), role="market",
                                                   board="b", site=f"s{i}", nbf=0, exp=U32)}[kind]()
        add("wrong envelope", topic(("tender", "delivery")[i % 2], p.party), signed(p, body),
            "wrong-type")
    for i in range(5):
        p = devices[i % 3]
        add("wrong envelope", topic("delivery", p.party),
            tender(p, view, curve=((view.cap, 1 + i),)), "wrong-type")
        add("wrong envelope", topic("tender", p.party),
            delivery(p, view.settled - (40 + i) * n, 1), "wrong-type")
        base = payload_of(tender(p, view, curve=((view.cap, 1 + i),)))
        add("wrong envelope", topic("tender", p.party), resign(p, {**base, "v": 2 + i}),
            "version")
        add("wrong envelope", topic("tender", p.party),
            resign(p, {**base, "seq": p.next_seq(), f"extra{i}": 1}), "invalid")
        missing = {k: v for k, v in base.items() if k != ["curve", "side", "expiry", "seq",
                                                           "interval"][i]}
        add("wrong envelope", topic("tender", p.party), resign(p, missing), "invalid")
        loose = dict(reversed(list({**base, "seq": p.next_seq()}.items())))
        add("wrong envelope", topic("tender", p.party), resign(p, loose, canonical=False),
            "malformed")
    return fam


def outputs_junk(cast: dict, rnd: random.Random) -> list:
    """Junk on the topics the market writes and never reads: it must not notice."""
    from micromarket.protocol.topics import TOPIC_KINDS

    out = []
    for kind, with_party in TOPIC_KINDS.items():
        if kind in ("tender", "delivery"):
            continue
        for _ in range(4):
            who = cast["plug"].party if with_party else None
            out.append((P.topic(MARKET, kind, who), rnd.randbytes(rnd.randint(1, 3000))))
    return out
