"""The message kinds as frozen dataclasses: built validated, to and from payload maps.

Every class has ``KIND`` (the payload's "type"), fields named as on the wire, ``to_payload()``
and ``from_payload(map)``. Construction validates (types, ranges, curve order), so an instance
always encodes to a payload that the CDDL accepts. ``KINDS`` maps a type name to its class.
"""

from dataclasses import dataclass, field, fields
from typing import ClassVar

from . import fields as F
from .errors import ERROR_CODES, ValidationError, VersionError

VERSION = 1
_HEADER = ("type", "v", "market")


def wire(kind: F.Field):
    """A dataclass field carrying its wire type."""
    return field(metadata={"wire": kind})


@dataclass(frozen=True, kw_only=True)
class Message:
    """Common part of every payload: the market in which the message is traded."""

    KIND: ClassVar[str] = ""
    market: str = wire(F.MARKET_ID)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = f.metadata["wire"].check(f.name, getattr(self, f.name))
            object.__setattr__(self, f.name, value)
        self.check()

    def check(self) -> None:
        """Rules across fields; subclasses extend it."""

    def to_payload(self) -> dict:
        """The payload map (arrays as lists), ready for deterministic CBOR."""
        out = {"type": self.KIND, "v": VERSION}
        for f in fields(self):
            out[f.name] = _plain(getattr(self, f.name))
        return out

    @classmethod
    def from_payload(cls, payload) -> "Message":
        """Validate a decoded payload map of this kind and build the message."""
        if not isinstance(payload, dict):
            raise ValidationError("payload must be a map")
        if payload.get("type") != cls.KIND:
            raise ValidationError(f"payload type {payload.get('type')!r} is not {cls.KIND!r}")
        _check_version(payload)
        names = {f.name for f in fields(cls)}
        missing = sorted(names - payload.keys())
        extra = sorted(str(k) for k in payload.keys() - names - set(_HEADER))
        if missing:
            raise ValidationError(f"{cls.KIND}: missing field(s) {', '.join(missing)}")
        if extra:
            raise ValidationError(f"{cls.KIND}: unknown field(s) {', '.join(extra)}")
        return cls(**{name: payload[name] for name in names})


def _check_version(payload: dict) -> None:
    v = payload.get("v")
    if v != VERSION or isinstance(v, bool):
        raise VersionError(f"protocol version {v!r} is not supported (this side speaks {VERSION})",
                           "update the sender or the receiver so both speak the same version")


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class Context(Message):
    """MarketContext: the market's terms for the coming intervals (retained, market-signed)."""

    KIND: ClassVar[str] = "context"
    key: bytes = wire(F.PUBLIC_KEY)
    interval: int = wire(F.INTERVAL_LENGTH)
    start: int = wire(F.U32)
    gate: int = wire(F.U32)
    floor: int = wire(F.U32)
    cap: int = wire(F.U32)
    tariff: tuple = wire(F.TARIFF)
    forecast: tuple = wire(F.FORECAST)
    qmax: int = wire(F.U32)
    parent: str | None = wire(F.MARKET_ID.or_null())
    products: tuple = wire(F.PRODUCTS)
    issued: int = wire(F.U32)
    head: tuple | None = wire(F.HEAD.or_null())   # the newest tree head of the market's ledger

    def check(self) -> None:
        if self.floor > self.cap:
            raise ValidationError(f"context: floor {self.floor} is above cap {self.cap}")
        F.check_tariff("tariff", self.tariff)
        if (self.floor, self.cap) != self.tariff_at(self.start):
            raise ValidationError(f"context: floor {self.floor} and cap {self.cap} are not the "
                                  f"tariff's {self.tariff_at(self.start)} at start {self.start}")

    def tariff_at(self, t: int) -> tuple[int, int]:
        """(feed-in, retail) of the grid at Unix time ``t``."""
        return F.tariff_at(self.tariff, t)

    def expected(self, t: int) -> int | None:
        """The forecast clearing price of the interval at ``t``, None outside the forecast."""
        start, slot, prices = self.forecast
        k = (t - start) // slot
        return prices[k] if 0 <= k < len(prices) else None


@dataclass(frozen=True, kw_only=True)
class Tender(Message):
    """A party's bid or offer for one interval: a step curve of [price, Wh]."""

    KIND: ClassVar[str] = "tender"
    party: str = wire(F.PARTY_ID)
    seq: int = wire(F.U32)
    interval: int = wire(F.U32)
    side: str = wire(F.SIDE)
    curve: tuple = wire(F.CURVE)
    expiry: int = wire(F.U32)

    def check(self) -> None:
        F.check_curve_order("curve", self.side, self.curve)

    @property
    def total_wh(self) -> int:
        return sum(wh for _, wh in self.curve)


@dataclass(frozen=True, kw_only=True)
class Position(Message):
    """A child market's residual aggregate curves, sent as its own tender to the parent market."""

    KIND: ClassVar[str] = "position"
    party: str = wire(F.MARKET_ID)
    seq: int = wire(F.U32)
    interval: int = wire(F.U32)
    buy: tuple = wire(F.AGGREGATE)
    sell: tuple = wire(F.AGGREGATE)
    expiry: int = wire(F.U32)

    def check(self) -> None:
        F.check_curve_order("buy", "buy", self.buy)
        F.check_curve_order("sell", "sell", self.sell)
        if not self.buy and not self.sell:
            raise ValidationError("position: both curves are empty")


@dataclass(frozen=True, kw_only=True)
class Award(Message):
    """Transaction: what a party got at clearing (market-signed)."""

    KIND: ClassVar[str] = "award"
    party: str = wire(F.ACTOR)
    interval: int = wire(F.U32)
    side: str = wire(F.SIDE)
    price: int = wire(F.U32)
    wh: int = wire(F.U32)
    tender: bytes = wire(F.HASH)


@dataclass(frozen=True, kw_only=True)
class Delivery(Message):
    """A meter reading for one interval (device-signed), or what crossed a child market's
    connection (signed by the child market, delivered to its parent)."""

    KIND: ClassVar[str] = "delivery"
    party: str = wire(F.ACTOR)
    seq: int = wire(F.U32)
    interval: int = wire(F.U32)
    side: str = wire(F.SIDE)
    wh: int = wire(F.U32)
    counter: int = wire(F.U32)
    award: bytes | None = wire(F.HASH.or_null())
    head: tuple | None = wire(F.HEAD.or_null())   # the newest tree head the device verified


@dataclass(frozen=True, kw_only=True)
class Receipt(Message):
    """Settlement receipt for one delivery (market-signed)."""

    KIND: ClassVar[str] = "receipt"
    party: str = wire(F.ACTOR)
    interval: int = wire(F.U32)
    delivery: bytes = wire(F.HASH)
    amount: int = wire(F.MONEY)
    balance: int = wire(F.MONEY)


@dataclass(frozen=True, kw_only=True)
class Clearing(Message):
    """Public result of one interval's auction (market-signed)."""

    KIND: ClassVar[str] = "clearing"
    interval: int = wire(F.U32)
    price: int = wire(F.U32)
    volume: int = wire(F.U32)
    grid_buy: int = wire(F.U32)
    grid_sell: int = wire(F.U32)
    tenders: int = wire(F.U32)
    head: tuple = wire(F.HEAD)     # the ledger's tree head over this interval's awards


@dataclass(frozen=True, kw_only=True)
class TreeHead(Message):
    """The market's signature over its ledger: the first ``size`` entries form the Merkle tree
    (RFC 9162) whose root is ``root`` (market-signed; see market/ledger.py)."""

    KIND: ClassVar[str] = "treehead"
    size: int = wire(F.U32)
    root: bytes = wire(F.HASH)
    time: int = wire(F.U32)


@dataclass(frozen=True, kw_only=True)
class Error(Message):
    """A signed refusal naming the reason (see errors.ERROR_CODES)."""

    KIND: ClassVar[str] = "error"
    code: int = wire(F.ERROR_CODE)
    reason: str = wire(F.text(0, 200))
    party: str | None = wire(F.ACTOR.or_null())
    ref: bytes | None = wire(F.HASH.or_null())


@dataclass(frozen=True, kw_only=True)
class Challenge(Message):
    """Provisioning: the registrar asks a device to prove it holds its new key."""

    KIND: ClassVar[str] = "challenge"
    nonce: bytes = wire(F.NONCE)
    issued: int = wire(F.U32)


@dataclass(frozen=True, kw_only=True)
class Response(Message):
    """Provisioning: the device's answer, signed with the key it names."""

    KIND: ClassVar[str] = "response"
    party: str = wire(F.PARTY_ID)
    key: bytes = wire(F.PUBLIC_KEY)
    nonce: bytes = wire(F.NONCE)

    def check(self) -> None:
        from .cose import party_id
        if party_id(self.key) != self.party:
            raise ValidationError(f"response: party {self.party} is not the id of its key")


@dataclass(frozen=True, kw_only=True)
class Enrollment(Message):
    """The registrar's credential binding a party id and key to a market (registrar-signed)."""

    KIND: ClassVar[str] = "enrollment"
    party: str = wire(F.PARTY_ID)
    key: bytes = wire(F.PUBLIC_KEY)
    role: str = wire(F.text(1, 32))
    board: str = wire(F.text(1, 32))
    site: str = wire(F.text(0, 64))
    nbf: int = wire(F.U32)
    exp: int = wire(F.U32)

    def check(self) -> None:
        from .cose import party_id
        if party_id(self.key) != self.party:
            raise ValidationError(f"enrollment: party {self.party} is not the id of its key")
        if self.nbf > self.exp:
            raise ValidationError("enrollment: valid-from is after its expiry")


@dataclass(frozen=True, kw_only=True)
class Bundle(Message):
    """Signed update manifest: board, version and [path, size, sha256] of every file (release-signed)."""

    KIND: ClassVar[str] = "bundle"
    market: str = wire(F.BUNDLE_MARKET)
    board: str = wire(F.BOARD_NAME)
    version: str = wire(F.APP_VERSION)
    downgrade: bool = wire(F.BOOL)
    files: tuple = wire(F.FILES)

    def check(self) -> None:
        paths = [path for path, _, _ in self.files]
        if len(set(paths)) != len(paths):
            raise ValidationError("bundle: a path is listed twice")


@dataclass(frozen=True, kw_only=True)
class Offer(Message):
    """An update on the broker: which bundle, for which board, fetched in chunks (release-signed)."""

    KIND: ClassVar[str] = "offer"
    board: str = wire(F.BOARD_NAME)
    version: str = wire(F.APP_VERSION)
    downgrade: bool = wire(F.BOOL)
    bundle: bytes = wire(F.HASH)
    size: int = wire(F.uint(9))
    chunk: int = wire(F.CHUNK)


@dataclass(frozen=True, kw_only=True)
class Status(Message):
    """A device's state: the app it runs and its latest update's outcome (device-signed)."""

    KIND: ClassVar[str] = "status"
    party: str = wire(F.PARTY_ID)
    board: str = wire(F.BOARD_NAME)
    version: str = wire(F.text(1, 32))
    update: tuple | None = wire(F.UPDATE.or_null())


KINDS: dict[str, type[Message]] = {cls.KIND: cls for cls in (
    Context, Tender, Position, Award, Delivery, Receipt, Clearing, TreeHead, Error,
    Challenge, Response, Enrollment, Bundle, Offer, Status)}


def from_payload(payload) -> Message:
    """Build the message of whatever kind ``payload`` (a decoded map) says it is."""
    if not isinstance(payload, dict):
        raise ValidationError("payload must be a map")
    kind = payload.get("type")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        _check_version(payload)
        raise ValidationError(f"unknown message type {kind!r}", code=ERROR_CODES["wrong-type"])
    return cls.from_payload(payload)
