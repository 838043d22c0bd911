# The protocol messages of the agent: building the signed ones it sends (tender, delivery) and
# checking the market-signed ones it acts on (context, award, clearing). Field names and rules
# are those of protocol/micromarket.cddl and protocol/README.md.
#
# check_*(market_key, market_id, data) verify the COSE_Sign1 with the market key pinned at
# enrollment and return the payload dict, or raise WireError naming the fault: the agent never
# acts on a message that fails here.
from micropython import const

import cbor
import cose

_V = const(1)
_MAX_IN = const(2048)  # nothing the market sends a device is larger


class WireError(ValueError):
    pass


def topic(market, kind, party=None):
    return "mm/%s/%s/%s" % (market, kind, party) if party else "mm/%s/%s" % (market, kind)


def _open(market_key, market_id, data, kind):
    if len(data) > _MAX_IN:
        raise WireError("%s: %d bytes is too large" % (kind, len(data)))
    try:
        if cose.kid(data) != market_id:
            raise WireError("%s: not signed by market %s" % (kind, market_id))
        msg = cbor.loads(cose.verify1(market_key, data))
    except ValueError as exc:  # COSEError, CBORError
        if isinstance(exc, WireError):
            raise
        raise WireError("%s: %s" % (kind, exc))
    if not isinstance(msg, dict) or msg.get("type") != kind:
        raise WireError("%s: not a %s message" % (kind, kind))
    if msg.get("v") != _V:
        raise WireError("%s: version %r not spoken" % (kind, msg.get("v")))
    if msg.get("market") != market_id:
        raise WireError("%s: for market %r" % (kind, msg.get("market")))
    return msg


def _ints(msg, kind, names):
    for name in names:
        v = msg.get(name)
        if not isinstance(v, int) or v < 0:
            raise WireError("%s: %s must be an unsigned integer" % (kind, name))


def check_context(market_key, market_id, data):
    msg = _open(market_key, market_id, data, "context")
    _ints(msg, "context", ("interval", "start", "gate", "floor", "cap", "qmax"))
    if msg.get("key") != market_key:
        raise WireError("context: names another market key")
    if not msg["interval"] or msg["floor"] > msg["cap"] or msg["gate"] >= msg["interval"]:
        raise WireError("context: inconsistent interval, gate or prices")
    return msg


def check_award(market_key, market_id, data, party):
    msg = _open(market_key, market_id, data, "award")
    _ints(msg, "award", ("interval", "price", "wh"))
    if msg.get("party") != party:
        raise WireError("award: for party %r" % msg.get("party"))
    if msg.get("side") not in ("buy", "sell"):
        raise WireError("award: bad side")
    t = msg.get("tender")
    if not isinstance(t, bytes) or len(t) != 32:
        raise WireError("award: bad tender hash")
    return msg


def check_clearing(market_key, market_id, data):
    msg = _open(market_key, market_id, data, "clearing")
    _ints(msg, "clearing", ("interval", "price"))
    return msg


def tender(key, market, party, seq, interval, side, curve, expiry):
    """Signed tender bytes."""
    return cose.sign1(key, {"type": "tender", "v": _V, "market": market, "party": party,
                            "seq": seq, "interval": interval, "side": side, "curve": curve,
                            "expiry": expiry}, party)


def delivery(key, market, party, seq, interval, side, wh, counter, award_hash):
    """Signed delivery bytes (``award_hash`` None in island mode)."""
    return cose.sign1(key, {"type": "delivery", "v": _V, "market": market, "party": party,
                            "seq": seq, "interval": interval, "side": side, "wh": wh,
                            "counter": counter & 0xFFFFFFFF, "award": award_hash}, party)
