"""Wire field types: each checks a value and returns it in its Python shape (tuples for arrays).

One table entry per CDDL rule of protocol/micromarket.cddl; the message classes name these in
their field metadata, so the schema lives in exactly two places: the CDDL and this module.
"""

import re

from .errors import ValidationError

U32_MAX = 0xFFFFFFFF
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
MARKET_RE = re.compile(r"[A-Za-z0-9._\-]{1,32}")
PARTY_RE = re.compile(r"p[0-9a-f]{16}")
SIDES = ("buy", "sell")
MAX_CURVE = 16
MAX_AGGREGATE = 64
MAX_FILES = 64
MAX_TARIFF = 24
MAX_FORECAST = 96
DAY = 86400


class Field:
    """A wire type: ``check(name, value)`` returns the Python value or raises ValidationError."""

    def __init__(self, what: str, check, nullable: bool = False):
        self.what = what
        self._check = check
        self.nullable = nullable

    def check(self, name: str, value):
        if value is None and self.nullable:
            return None
        try:
            result = self._check(value)
        except ValidationError as exc:
            raise ValidationError(f"field {name!r}: {exc.reason}") from None
        if result is _BAD:
            raise ValidationError(f"field {name!r} must be {self.what}, got {_show(value)}")
        return result

    def or_null(self) -> "Field":
        return Field(self.what + " or null", self._check, nullable=True)


_BAD = object()


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def uint(low: int = 0, high: int = U32_MAX, what: str = "") -> Field:
    return Field(what or f"an integer in {low}..{high}",
                 lambda v: v if _is_int(v) and low <= v <= high else _BAD)


def text(low: int, high: int, pattern: re.Pattern | None = None, what: str = "") -> Field:
    def check(value):
        if not isinstance(value, str) or not low <= len(value.encode()) <= high:
            return _BAD
        if pattern is not None and not pattern.fullmatch(value):
            return _BAD
        return value
    return Field(what or f"text of {low}..{high} bytes", check)


def blob(low: int, high: int | None = None, what: str = "") -> Field:
    high = low if high is None else high
    return Field(what or (f"{low} bytes" if low == high else f"{low}..{high} bytes"),
                 lambda v: bytes(v) if isinstance(v, (bytes, bytearray)) and
                 low <= len(v) <= high else _BAD)


def choice(*options) -> Field:
    return Field(" or ".join(repr(o) for o in options), lambda v: v if v in options else _BAD)


def array(item: Field, low: int, high: int, what: str) -> Field:
    def check(value):
        if not isinstance(value, (list, tuple)) or not low <= len(value) <= high:
            return _BAD
        return tuple(item.check(f"[{i}]", v) for i, v in enumerate(value))
    return Field(what, check)


def record(*items: tuple[str, Field], what: str) -> Field:
    def check(value):
        if not isinstance(value, (list, tuple)) or len(value) != len(items):
            return _BAD
        return tuple(f.check(n, v) for (n, f), v in zip(items, value))
    return Field(what, check)


U32 = uint()
INTERVAL_LENGTH = uint(1)
MONEY = uint(I64_MIN, I64_MAX, "a signed 64-bit integer (micro-credits)")
MARKET_ID = text(1, 32, MARKET_RE, "a market id ([A-Za-z0-9._-], 1..32 chars)")
PARTY_ID = text(17, 17, PARTY_RE, "a party id ('p' + 16 hex digits)")
ACTOR = Field("a party id or a market id",
              lambda v: v if isinstance(v, str) and MARKET_RE.fullmatch(v) else _BAD)
BUNDLE_MARKET = Field("a market id or '*'", lambda v: v if v == "*" else MARKET_ID.check("market", v))
BOARD_NAME = text(1, 32, re.compile(r"[a-z0-9][a-z0-9\-]*|\*"), "a board name ([a-z0-9-], 1..32 chars) or '*'")
VERSION_RE = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,3}")
APP_VERSION = text(1, 27, VERSION_RE, "a version: 1..4 dot-separated numbers of 1..6 digits")
BOOL = Field("true or false", lambda v: v if isinstance(v, bool) else _BAD)
CHUNK = uint(256, 2048, "a chunk size of 256..2048 bytes")
OUTCOME = choice("installed", "refused", "rolled-back")
UPDATE = record(("version", text(1, 32)), ("outcome", OUTCOME), ("reason", text(0, 120)),
                what="a [version, outcome, reason]")
SIDE = choice(*SIDES)
HASH = blob(32, what="a 32-byte SHA-256 hash")
PUBLIC_KEY = blob(32, what="a 32-byte Ed25519 public key")
NONCE = blob(16, 32)
LABEL = text(1, 64)
STEP = record(("price", U32), ("wh", U32), what="a [price, wh] step")
CURVE = array(STEP, 1, MAX_CURVE, f"a curve of 1..{MAX_CURVE} [price, wh] steps")
AGGREGATE = array(STEP, 0, MAX_AGGREGATE, f"a curve of 0..{MAX_AGGREGATE} [price, wh] steps")
PRODUCTS = array(LABEL, 1, 8, "a list of 1..8 product names")
FILE = record(("path", text(1, 64)), ("size", U32), ("sha256", HASH), what="a [path, size, sha256]")
FILES = array(FILE, 1, MAX_FILES, f"a list of 1..{MAX_FILES} files")
ERROR_CODE = uint(1, 16, "an error code 1..16")
TARIFF_STEP = record(("at", uint(0, DAY - 1)), ("feed_in", U32), ("retail", U32),
                     what="an [at, feed-in, retail] step")
TARIFF = array(TARIFF_STEP, 1, MAX_TARIFF, f"a tariff of 1..{MAX_TARIFF} [at, feed-in, retail] steps")
FORECAST = record(("from", U32), ("slot", uint(1, DAY)),
                  ("prices", array(U32, 0, MAX_FORECAST, f"a list of 0..{MAX_FORECAST} prices")),
                  what="a [from, slot, prices] forecast")
HEAD = record(("size", U32), ("root", HASH), what="a [size, root] ledger tree head")


def version_key(version: str) -> tuple[int, ...]:
    """An app version as numbers, for comparison: "1.10" > "1.9" > "1"."""
    return tuple(int(p) for p in version.split("."))


def check_tariff(name: str, tariff) -> None:
    """A day's schedule: starts at 0 s, steps strictly later, feed-in never above retail."""
    for i, (at, feed_in, retail) in enumerate(tariff):
        if i == 0 and at != 0:
            raise ValidationError(f"field {name!r}: the first step must start at 0 s, not {at}")
        if i and at <= tariff[i - 1][0]:
            raise ValidationError(f"field {name!r}: step {i} starts at {at} s, not after "
                                  f"{tariff[i - 1][0]} s")
        if feed_in > retail:
            raise ValidationError(f"field {name!r}: step {i} has feed-in {feed_in} above "
                                  f"retail {retail}")


def tariff_at(tariff, t: int) -> tuple[int, int]:
    """(feed-in, retail) of a checked tariff at Unix time ``t``: the day repeats in UTC."""
    day = t % DAY
    feed_in, retail = tariff[0][1], tariff[0][2]
    for at, f, r in tariff:
        if at > day:
            break
        feed_in, retail = f, r
    return feed_in, retail


def check_curve_order(name: str, side: str, curve) -> None:
    """Buy curves list prices strictly falling, sell curves strictly rising; no empty steps."""
    for i, (price, wh) in enumerate(curve):
        if wh == 0:
            raise ValidationError(f"field {name!r}: step {i} offers 0 Wh")
        if i:
            before = curve[i - 1][0]
            if (side == "buy" and price >= before) or (side == "sell" and price <= before):
                order = "falling" if side == "buy" else "rising"
                raise ValidationError(f"field {name!r}: {side} prices must be strictly {order}"
                                      f" (step {i}: {before} then {price})")
