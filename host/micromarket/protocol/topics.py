"""MQTT topic layout: ``mm/<market>/<kind>[/<party>]`` (protocol/README.md, "Topics")."""

from .errors import ValidationError
from .fields import MARKET_RE

PREFIX = "mm"
# kind -> whether the topic carries a party id as its last level
TOPIC_KINDS = {
    "context": False,    # retained, market-signed MarketContext
    "clearing": False,   # market-signed Clearing after each gate closure
    "treehead": False,   # retained, the market's newest signed ledger tree head
    "tender": True,      # party -> market (a child market's Position travels here too)
    "delivery": True,    # party -> market
    "award": True,       # market -> party
    "receipt": True,     # market -> party
    "error": True,       # market -> party
    "status": True,      # party -> all: the device's signed status (or its will's "offline")
    "offer": True,       # retained, release-signed update offer; the last level is the board
}


def topic(market: str, kind: str, party: str | None = None) -> str:
    """The topic for ``kind`` in ``market`` (with the party's level where the kind has one)."""
    if not MARKET_RE.fullmatch(market or ""):
        raise ValidationError(f"market id {market!r} cannot be used in a topic")
    if kind not in TOPIC_KINDS:
        raise ValidationError(f"no topic for kind {kind!r}")
    if TOPIC_KINDS[kind]:
        if not party or not MARKET_RE.fullmatch(party):
            raise ValidationError(f"topic {kind!r} needs a party id, got {party!r}")
        return f"{PREFIX}/{market}/{kind}/{party}"
    return f"{PREFIX}/{market}/{kind}"


def chunk_topic(market: str, bundle_hash: bytes, n: int) -> str:
    """The retained topic of chunk ``n`` of the bundle whose SHA-256 is ``bundle_hash``."""
    topic(market, "context")  # checks the market id
    return f"{PREFIX}/{market}/chunk/{bundle_hash[:8].hex()}/{n}"


def subscription(market: str, kind: str) -> str:
    """A subscription filter for every party's ``kind`` topic in ``market`` (or the kind itself)."""
    base = topic(market, kind, "x" if TOPIC_KINDS.get(kind) else None)
    return base[:-1] + "+" if TOPIC_KINDS[kind] else base


def parse_topic(name: str) -> tuple[str, str, str | None]:
    """Split a topic into (market, kind, party or None); raise ValidationError if it is not ours."""
    levels = name.split("/")
    if len(levels) not in (3, 4) or levels[0] != PREFIX or levels[2] not in TOPIC_KINDS:
        raise ValidationError(f"{name!r} is not a micromarket topic")
    market, kind = levels[1], levels[2]
    if TOPIC_KINDS[kind] != (len(levels) == 4):
        raise ValidationError(f"{name!r} has the wrong number of levels for {kind!r}")
    return market, kind, levels[3] if len(levels) == 4 else None
