"""The registry of enrolled parties: key, credential, validity and the last sequence number.

``enroll`` is the door ``micromarket provision`` uses: it takes the registrar-signed enrollment
credential (COSE_Sign1 bytes), checks the registrar's signature and the key, stores the party and
appends the credential to the ledger. ``add_party`` puts a key in without a credential, for the
load generator and tests.
"""

import sqlite3
import time as _time
from dataclasses import dataclass
from pathlib import Path

from .. import keys
from .. import protocol as P
from . import MarketError
from . import ledger as L
from .store import open_db, transaction

U32_MAX = 0xFFFFFFFF
_P = 2**255 - 19
_Y8 = 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7
# y coordinates of the eight points of small order (the sign bit of x does not matter)
_SMALL_ORDER_Y = {0, 1, _P - 1, _Y8, _P - _Y8}


class EnrollmentError(MarketError, ValueError):
    """An enrollment credential was refused."""


@dataclass(frozen=True)
class Party:
    party: str
    key: bytes
    market: str
    role: str
    board: str
    site: str
    nbf: int
    exp: int
    last_seq: int = -1
    balance: int = 0
    reputation: int = 1000

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["key"] = self.key.hex()
        return d


_COLUMNS = "party, key, market, role, board, site, nbf, exp, last_seq, balance, reputation"


def check_public_key(key: bytes) -> None:
    """Refuse keys that are not 32 bytes, not canonical, or of small order."""
    if len(key) != 32:
        raise EnrollmentError(f"public key is {len(key)} bytes, not 32", "re-provision the device")
    y = int.from_bytes(key, "little") & ((1 << 255) - 1)
    if y >= _P:
        raise EnrollmentError("public key is not canonically encoded",
                              "the device's key generation is broken; re-provision it")
    if y in _SMALL_ORDER_Y:
        raise EnrollmentError("public key is a point of small order",
                              "the device's key generation is broken; re-provision it")


def add_party(conn: sqlite3.Connection, public_key: bytes, market: str, role: str = "plug",
              board: str = "virtual", site: str = "", nbf: int = 0, exp: int = U32_MAX,
              enrollment: bytes | None = None, party: str | None = None) -> Party:
    """Store a party (replacing an earlier record of the same key, keeping its sequence).

    ``party`` defaults to the key's party id; a child market trading in a parent is stored
    under its market id instead.
    """
    check_public_key(public_key)
    party = party or P.party_id(public_key)
    conn.execute(
        "INSERT INTO parties (party, key, market, role, board, site, nbf, exp, enrollment) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (party) DO UPDATE SET key = excluded.key,"
        " market = excluded.market, role = excluded.role, board = excluded.board,"
        " site = excluded.site, nbf = excluded.nbf, exp = excluded.exp,"
        " enrollment = excluded.enrollment",
        (party, public_key, market, role, board, site, nbf, exp, enrollment))
    return get(conn, party)  # type: ignore[return-value]


def add_parties(conn: sqlite3.Connection, public_keys, market: str, role: str = "plug") -> list[str]:
    """Add many parties in one transaction (load generator); returns their ids."""
    ids = []
    with transaction(conn):
        for key in public_keys:
            ids.append(add_party(conn, key, market, role).party)
    return ids


def verify_enrollment(data: bytes, registrar_key) -> P.Enrollment:
    """Check the registrar's signature and the key of an enrollment credential."""
    try:
        msg = P.verify(data, registrar_key, kind="enrollment")
    except P.ProtocolError as exc:
        raise EnrollmentError(f"enrollment refused: {exc.reason}",
                              "provision the device again with this registrar's key") from exc
    check_public_key(msg.key)
    return msg  # type: ignore[return-value]


def enroll(db_path, enrollment: bytes, registrar_key: bytes | None = None,
           keys_dir: Path | None = None, now: int | None = None) -> Party:
    """Verify a registrar-signed enrollment credential and put the party in the registry.

    ``registrar_key`` is the 32-byte public key; by default it is read from ``keys_dir`` (the
    host key directory). The credential is appended to the market's ledger as well.
    """
    if registrar_key is None:
        registrar_key = bytes.fromhex(keys.public_hex(keys_dir or keys.default_dir(), "registrar"))
    msg = verify_enrollment(enrollment, registrar_key)
    now = int(_time.time()) if now is None else now
    if msg.exp < now:
        raise EnrollmentError(f"enrollment of {msg.party} expired at {msg.exp}",
                              "provision the device again")
    conn = open_db(db_path)
    try:
        with transaction(conn):
            party = add_party(conn, msg.key, msg.market, msg.role, msg.board, msg.site,
                              msg.nbf, msg.exp, enrollment)
            L.append(conn, "enrollment", enrollment, now)
    finally:
        conn.close()
    return party


def get(conn: sqlite3.Connection, party: str) -> Party | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM parties WHERE party = ?", (party,)).fetchone()
    return None if row is None else Party(*row)


def parties(conn: sqlite3.Connection, market: str | None = None) -> list[Party]:
    sql = f"SELECT {_COLUMNS} FROM parties"
    args: tuple = ()
    if market is not None:
        sql += " WHERE market = ?"
        args = (market,)
    return [Party(*row) for row in conn.execute(sql + " ORDER BY party", args)]


def set_seq(conn: sqlite3.Connection, party: str, seq: int) -> None:
    conn.execute("UPDATE parties SET last_seq = ? WHERE party = ?", (seq, party))
