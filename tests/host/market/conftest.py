"""Fixtures of the market tests: keys, a fresh database, party keys, signed tenders."""

import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket.market.store import open_db

# market_helpers sits beside this file; with --import-mode=importlib it must be put on the path
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def market_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def registrar_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "market.db"
    conn = open_db(path)
    yield conn
    conn.close()
