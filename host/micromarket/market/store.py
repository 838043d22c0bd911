"""The market's SQLite database: one file (WAL) holding registry, tenders, ledger and balances.

Every module keeps its own tables and creates them through ``open_db``; a caller that must
change several of them atomically (a tender, its sequence number and its ledger entry) does so
in one ``transaction``.
"""

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from . import MarketError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS parties (
    party TEXT PRIMARY KEY, key BLOB NOT NULL, market TEXT NOT NULL, role TEXT NOT NULL,
    board TEXT NOT NULL, site TEXT NOT NULL, nbf INTEGER NOT NULL, exp INTEGER NOT NULL,
    enrollment BLOB, last_seq INTEGER NOT NULL DEFAULT -1,
    balance INTEGER NOT NULL DEFAULT 0, reputation INTEGER NOT NULL DEFAULT 1000
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger (
    idx INTEGER PRIMARY KEY, kind TEXT NOT NULL, time INTEGER NOT NULL, body BLOB NOT NULL,
    prev BLOB NOT NULL, hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS merkle (
    level INTEGER NOT NULL, pos INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, pos)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tenders (
    interval INTEGER NOT NULL, party TEXT NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL,
    side TEXT NOT NULL, curve BLOB NOT NULL, kind TEXT NOT NULL DEFAULT 'tender',
    expiry INTEGER NOT NULL DEFAULT 4294967295,
    PRIMARY KEY (interval, party)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intervals (
    interval INTEGER PRIMARY KEY, price INTEGER, local INTEGER, grid_buy INTEGER,
    grid_sell INTEGER, tenders INTEGER, community INTEGER, state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    interval INTEGER PRIMARY KEY, time INTEGER NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS awards (
    interval INTEGER NOT NULL, party TEXT NOT NULL, side TEXT NOT NULL, price INTEGER NOT NULL,
    wh INTEGER NOT NULL, tender BLOB NOT NULL, hash BLOB NOT NULL, body BLOB NOT NULL,
    local_wh INTEGER NOT NULL DEFAULT 0, parent_wh INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (interval, party, side)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS residuals (
    interval INTEGER PRIMARY KEY, local_price INTEGER NOT NULL, orders BLOB NOT NULL,
    position BLOB
);
CREATE TABLE IF NOT EXISTS parent_awards (
    interval INTEGER NOT NULL, side TEXT NOT NULL, price INTEGER NOT NULL, wh INTEGER NOT NULL,
    body BLOB NOT NULL, PRIMARY KEY (interval, side)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (
    interval INTEGER NOT NULL, party TEXT NOT NULL, hash BLOB NOT NULL, wh INTEGER NOT NULL,
    amount INTEGER NOT NULL, receipt BLOB NOT NULL,
    PRIMARY KEY (interval, party)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS grid (
    interval INTEGER NOT NULL, party TEXT NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL,
    imported INTEGER NOT NULL, exported INTEGER NOT NULL, deviation INTEGER NOT NULL,
    PRIMARY KEY (interval, party)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS parent_settlements (
    interval INTEGER PRIMARY KEY, side TEXT NOT NULL, wh INTEGER NOT NULL,
    delivery BLOB NOT NULL, amount INTEGER, receipt BLOB
);
"""


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_file(path: Path) -> None:
    """A file that exists must be an SQLite database: say so before SQLite fails on first use."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise MarketError(f"{path} is a directory, not a market database",
                          "give the database file, e.g. --db market.db") from None
    except OSError as exc:
        raise MarketError(f"cannot read market database {path}: {exc.strerror}",
                          "check the path and its permissions") from None
    if head and head != _SQLITE_MAGIC:
        raise MarketError(f"{path} is not a market database (not SQLite)",
                          "give the file that `micromarket market serve --db` uses")


def open_db(path, readonly: bool = False) -> sqlite3.Connection:
    """Open (and create, readable by the owner only) the market database in WAL mode;
    autocommit, explicit transactions. SQLite gives its -wal and -shm files the same mode."""
    path = Path(path)
    _check_file(path)
    try:
        if readonly:
            if not path.exists():
                raise MarketError(f"no market database at {path}",
                                  "give the file that `micromarket market serve --db` uses")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                                   timeout=10)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():       # the owner's only: balances and who trades when
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            conn = sqlite3.connect(path, isolation_level=None, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            _upgrade(conn)
    except sqlite3.DatabaseError as exc:
        raise MarketError(f"cannot open market database {path}: {exc}",
                          "check the path, or restore the file from a backup") from exc
    return conn


def _upgrade(conn: sqlite3.Connection) -> None:
    """Columns added since a database was made (a tender's expiry: none known, never expires)."""
    if "expiry" not in {r[1] for r in conn.execute("PRAGMA table_info(tenders)")}:
        conn.execute("ALTER TABLE tenders ADD COLUMN expiry INTEGER NOT NULL DEFAULT 4294967295")


@contextmanager
def transaction(conn: sqlite3.Connection):
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): the writer lock is taken up front."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise MarketError(f"the market database is busy: {exc}",
                          "another process holds it; wait or stop that process") from exc
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, name: str, default=None):
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return default if row is None else row[0]


def set_meta(conn: sqlite3.Connection, name: str, value) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))
