"""The typed message layer: every kind round-trips; invalid payloads are refused with a reason."""

import pytest

from micromarket import protocol as P
from micromarket.protocol import schema, vectors

EXAMPLES = vectors.build()
DEV = P.party_id(vectors.test_key("device"))


@pytest.mark.parametrize("vec", EXAMPLES, ids=lambda v: v.kind)
def test_every_kind_round_trips_and_matches_the_cddl(vec):
    msg = P.decode(vec.payload)
    assert type(msg) is P.KINDS[vec.kind]
    assert P.encode(msg) == vec.payload
    assert P.Message.from_payload.__func__(type(msg), msg.to_payload()) == msg
    schema.validate_payload(vec.payload)
    schema.validate_message(vec.message)


def test_all_kinds_have_an_example():
    assert {v.kind for v in EXAMPLES} == set(P.KINDS)


def _tender(**change):
    fields = dict(market="demo", party=DEV, seq=1, interval=1_767_225_600, side="sell",
                  curve=((100, 5), (200, 10)), expiry=1_767_225_540)
    fields.update(change)
    return fields


@pytest.mark.parametrize("change, words", [
    (dict(side="both"), "'side'"),
    (dict(seq=-1), "'seq'"),
    (dict(seq=1 << 32), "'seq'"),
    (dict(seq=True), "'seq'"),
    (dict(curve=()), "'curve'"),
    (dict(curve=((1, 1),) * 17), "'curve'"),
    (dict(curve=((200, 5), (100, 10))), "strictly rising"),
    (dict(curve=((100, 5), (100, 10))), "strictly rising"),
    (dict(curve=((100, 0),)), "0 Wh"),
    (dict(curve=((100, 5, 1),)), "'curve'"),
    (dict(party="p0123"), "'party'"),
    (dict(party="P21FE31DFA154A261"), "'party'"),
    (dict(market="de/mo"), "'market'"),
    (dict(market=""), "'market'"),
    (dict(interval=1.5), "'interval'"),
])
def test_invalid_tenders_are_refused_naming_the_field(change, words):
    with pytest.raises(P.ValidationError) as err:
        P.Tender(**_tender(**change))
    assert words in err.value.reason
    assert err.value.code == P.ERROR_CODES["invalid"]
    assert isinstance(err.value, ValueError)


def test_buy_curves_must_fall():
    P.Tender(**_tender(side="buy", curve=((300, 1), (200, 1))))
    with pytest.raises(P.ValidationError, match="strictly falling"):
        P.Tender(**_tender(side="buy", curve=((200, 1), (300, 1))))


@pytest.mark.parametrize("mutate, code", [
    (lambda p: p.pop("seq"), "invalid"),
    (lambda p: p.update(extra=1), "invalid"),
    (lambda p: p.update(v=2), "version"),
    (lambda p: p.update(v=True), "version"),
    (lambda p: p.update(type="bid"), "wrong-type"),
    (lambda p: p.update(type=7), "wrong-type"),
])
def test_payload_maps_are_closed_and_versioned(mutate, code):
    payload = P.Tender(**_tender()).to_payload()
    mutate(payload)
    with pytest.raises(P.ProtocolError) as err:
        P.from_payload(payload)
    assert err.value.code == P.ERROR_CODES[code]


def test_cross_field_rules():
    key = P.public_key_bytes(vectors.test_key("device"))
    other = P.public_key_bytes(vectors.test_key("market"))
    with pytest.raises(P.ValidationError, match="not the id of its key"):
        P.Enrollment(market="demo", party=DEV, key=other, role="plug", board="b", site="",
                     nbf=0, exp=1)
    with pytest.raises(P.ValidationError, match="after its expiry"):
        P.Enrollment(market="demo", party=DEV, key=key, role="plug", board="b", site="",
                     nbf=2, exp=1)
    def context(**kw):
        return P.Context(**{"market": "demo", "key": other, "interval": 900, "start": 0,
                            "gate": 60, "floor": 1, "cap": 9, "tariff": ((0, 1, 9),),
                            "forecast": (0, 900, ()), "qmax": 1, "parent": None,
                            "products": ("energy",), "issued": 0, "head": None, **kw})
    with pytest.raises(P.ValidationError, match="floor"):
        context(floor=9, cap=1, tariff=((0, 9, 1),))
    with pytest.raises(P.ValidationError, match="first step must start at 0"):
        context(tariff=((60, 1, 9),))
    with pytest.raises(P.ValidationError, match="not after"):
        context(tariff=((0, 1, 9), (3600, 1, 9), (3600, 1, 5)))
    with pytest.raises(P.ValidationError, match="feed-in 7 above retail 5"):
        context(tariff=((0, 1, 9), (3600, 7, 5)))
    with pytest.raises(P.ValidationError, match="not the tariff's"):
        context(start=7200, tariff=((0, 1, 9), (3600, 2, 8)))
    ok = context(start=7200, floor=2, cap=8, tariff=((0, 1, 9), (3600, 2, 8)),
                 forecast=(7200, 900, (5, 6)))
    assert ok.tariff_at(86400 + 3599) == (1, 9) and ok.tariff_at(3600) == (2, 8)
    assert [ok.expected(t) for t in (7199, 7200, 8099, 8100, 9000)] == [None, 5, 5, 6, None]
    with pytest.raises(P.ValidationError, match="listed twice"):
        P.Bundle(market="*", board="*", version="1", downgrade=False, files=(("a", 1, bytes(32)), ("a", 2, bytes(32))))
    with pytest.raises(P.ValidationError, match="both curves are empty"):
        P.Position(market="city", party="demo", seq=1, interval=0, buy=(), sell=(), expiry=0)


def test_party_id_of_the_rfc8032_test1_key():
    pk = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    assert P.party_id(pk) == "p21fe31dfa154a261" == DEV


def test_topics():
    assert P.topic("demo", "context") == "mm/demo/context"
    assert P.topic("demo", "tender", DEV) == f"mm/demo/tender/{DEV}"
    assert P.subscription("demo", "tender") == "mm/demo/tender/+"
    assert P.subscription("demo", "clearing") == "mm/demo/clearing"
    assert P.parse_topic(f"mm/demo/award/{DEV}") == ("demo", "award", DEV)
    assert P.parse_topic("mm/demo/context") == ("demo", "context", None)
    for bad in ("mm/demo/award", "mm/demo/context/x", "xx/demo/context", "mm/demo/nope/x"):
        with pytest.raises(P.ValidationError):
            P.parse_topic(bad)
    with pytest.raises(P.ValidationError):
        P.topic("de+mo", "context")
    with pytest.raises(P.ValidationError):
        P.topic("demo", "award")
