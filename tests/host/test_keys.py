"""Host keys: owner-only files, passphrases, refusals with one clear line."""

import os
import stat

import pytest

from micromarket import keys
from micromarket.cli import main


def test_init_makes_owner_only_files(tmp_path):
    pubs = keys.init(tmp_path / "k")
    assert set(pubs) == set(keys.ROLES)
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o700
    for role in keys.ROLES:
        assert stat.S_IMODE((tmp_path / "k" / f"{role}.key").stat().st_mode) == 0o600
        assert keys.raw_public(keys.load_private(tmp_path / "k", role)).hex() == pubs[role]
    assert keys.init(tmp_path / "k") == pubs  # idempotent without --force


def test_passphrase(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    keys.init(tmp_path, roles=("release",), passphrase=b"s3cret")
    assert b"ENCRYPTED" in (tmp_path / "release.key").read_bytes()
    keys.load_private(tmp_path, "release", b"s3cret")
    with pytest.raises(keys.KeyStoreError, match="wrong passphrase for the release key"):
        keys.load_private(tmp_path, "release", b"nope")
    with pytest.raises(keys.KeyStoreError, match="passphrase-protected"):
        keys.load_private(tmp_path, "release")
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "s3cret")
    keys.load_private(tmp_path, "release")


def test_exposed_key_is_refused(tmp_path):
    keys.init(tmp_path, roles=("market",))
    os.chmod(tmp_path / "market.key", 0o644)
    with pytest.raises(keys.KeyStoreError, match="readable by others"):
        keys.load_private(tmp_path, "market")


def test_cli_show_without_keys(tmp_path, capsys):
    assert main(["keys", "show", "--dir", str(tmp_path / "none")]) == 1
    assert capsys.readouterr().err.strip().startswith("micromarket: no registrar key in")
