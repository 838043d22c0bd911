"""Random valid messages of every kind: CDDL-valid, signed and verified, re-encoded identically."""

import string

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from micromarket import protocol as P
from micromarket.protocol import schema, vectors

U32 = st.integers(0, 2**32 - 1)
MONEY = st.integers(-(2**63), 2**63 - 1)
MARKET = st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=32)
KEY_SEEDS = st.binary(min_size=32, max_size=32)
HASH = st.binary(min_size=32, max_size=32)
SIDE = st.sampled_from(["buy", "sell"])
TEXT = st.text(max_size=20).filter(lambda s: len(s.encode()) <= 32)
BOARD = st.from_regex(r"[a-z0-9][a-z0-9\-]{0,31}", fullmatch=True) | st.just("*")
APP_VERSION = st.lists(st.integers(0, 999999), min_size=1, max_size=4).map(lambda v: ".".join(map(str, v)))


def curve(side: str, low: int, high: int):
    prices = st.lists(U32, min_size=low, max_size=high, unique=True)
    return st.tuples(prices, st.lists(st.integers(1, 2**32 - 1), min_size=high, max_size=high)) \
        .map(lambda pw: tuple(zip(sorted(pw[0], reverse=side == "buy"), pw[1])))


def key_and_party():
    return KEY_SEEDS.map(lambda seed: P.public_key_bytes(
        Ed25519PrivateKey.from_private_bytes(seed))).map(lambda pk: (pk, P.party_id(pk)))


@st.composite
def messages(draw):
    kind = draw(st.sampled_from(sorted(P.KINDS)))
    market = draw(MARKET)
    pk, party = draw(key_and_party())
    side = draw(SIDE)
    floor, cap = sorted(draw(st.tuples(U32, U32)))
    nbf, exp = sorted(draw(st.tuples(U32, U32)))
    buy, sell = draw(curve("buy", 0, 64)), draw(curve("sell", 0, 64))
    if not buy and not sell:
        buy = ((1, 1),)
    ats = sorted(set(draw(st.lists(st.integers(1, 86399), max_size=23))))
    tariff = tuple((at, *sorted(draw(st.tuples(U32, U32)))) for at in [0, *ats])
    start = draw(U32)
    tariff_now = P.fields.tariff_at(tariff, start)
    build = {
        "context": lambda: P.Context(market=market, key=pk, interval=draw(st.integers(1, 2**32 - 1)),
                                     start=start, gate=draw(U32), floor=tariff_now[0],
                                     cap=tariff_now[1], tariff=tariff,
                                     forecast=(draw(U32), draw(st.integers(1, 86400)),
                                               tuple(draw(st.lists(U32, max_size=96)))),
                                     qmax=draw(U32), parent=draw(st.none() | MARKET),
                                     products=("energy",), issued=draw(U32),
                                     head=draw(st.none() | st.tuples(U32, HASH))),
        "tender": lambda: P.Tender(market=market, party=party, seq=draw(U32), interval=draw(U32),
                                   side=side, curve=draw(curve(side, 1, 16)), expiry=draw(U32)),
        "position": lambda: P.Position(market=market, party=draw(MARKET), seq=draw(U32),
                                       interval=draw(U32), buy=buy, sell=sell, expiry=draw(U32)),
        "award": lambda: P.Award(market=market, party=party, interval=draw(U32), side=side,
                                 price=draw(U32), wh=draw(U32), tender=draw(HASH)),
        "delivery": lambda: P.Delivery(market=market, party=party, seq=draw(U32),
                                       interval=draw(U32), side=side, wh=draw(U32),
                                       counter=draw(U32), award=draw(st.none() | HASH),
                                       head=draw(st.none() | st.tuples(U32, HASH))),
        "receipt": lambda: P.Receipt(market=market, party=draw(MARKET), interval=draw(U32),
                                     delivery=draw(HASH), amount=draw(MONEY), balance=draw(MONEY)),
        "clearing": lambda: P.Clearing(market=market, interval=draw(U32), price=draw(U32),
                                       volume=draw(U32), grid_buy=draw(U32), grid_sell=draw(U32),
                                       tenders=draw(U32), head=(draw(U32), draw(HASH))),
        "treehead": lambda: P.TreeHead(market=market, size=draw(U32), root=draw(HASH),
                                       time=draw(U32)),
        "error": lambda: P.Error(market=market, code=draw(st.integers(1, 16)),
                                 reason=draw(TEXT), party=draw(st.none() | MARKET),
                                 ref=draw(st.none() | HASH)),
        "challenge": lambda: P.Challenge(market=market, nonce=draw(st.binary(min_size=16,
                                                                             max_size=32)),
                                         issued=draw(U32)),
        "response": lambda: P.Response(market=market, party=party, key=pk,
                                       nonce=draw(st.binary(min_size=16, max_size=32))),
        "enrollment": lambda: P.Enrollment(market=market, party=party, key=pk,
                                           role=draw(TEXT.filter(bool)),
                                           board=draw(TEXT.filter(bool)), site=draw(TEXT),
                                           nbf=nbf, exp=exp),
        "bundle": lambda: P.Bundle(market=draw(st.just("*") | MARKET), board=draw(BOARD),
                                   version=draw(APP_VERSION), downgrade=draw(st.booleans()),
                                   files=tuple((f"f{i}.py", draw(U32), draw(HASH))
                                               for i in range(draw(st.integers(1, 64))))),
        "offer": lambda: P.Offer(market=market, board=draw(BOARD), version=draw(APP_VERSION),
                                 downgrade=draw(st.booleans()), bundle=draw(HASH),
                                 size=draw(st.integers(9, 2**32 - 1)),
                                 chunk=draw(st.integers(256, 2048))),
        "status": lambda: P.Status(market=market, party=party, board=draw(BOARD),
                                   version=draw(TEXT.filter(bool)),
                                   update=draw(st.none() | st.tuples(
                                       TEXT.filter(bool), st.sampled_from(["installed", "refused", "rolled-back"]),
                                       TEXT))),
    }
    return build[kind]()


SIGNER = vectors.test_key("market")


@settings(max_examples=300, deadline=None)
@given(messages())
def test_generated_messages_match_the_cddl_and_round_trip(msg):
    payload = P.encode(msg)
    schema.validate_payload(payload)
    data = P.sign(msg, SIGNER, "demo")
    schema.validate_message(data)
    assert P.verify(data, SIGNER.public_key(), kind=type(msg)) == msg
    assert P.encode(P.decode(payload)) == payload
