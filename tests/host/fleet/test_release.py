"""Signed app bundles: sign, verify, and every kind of damage named."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import keys
from micromarket.fleet import release
from micromarket.cli import main
from micromarket.protocol import read
from micromarket.fleet.release import ReleaseError

FILES = {"main.py": b"import agent\n", "lib/agent.mpy": b"\x4d\x06" + bytes(range(256)) * 4,
         "config/board.cbor": b"\xa1aa\x01"}


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def pub(key):
    return keys.raw_public(key)


def test_round_trip(key, pub):
    data = release.make_bundle(FILES, "1.2.0", key)
    manifest, files = release.verify_bundle(data, pub)
    assert files == FILES and manifest.version == "1.2.0" and manifest.market == "*"
    signed = read(data[8:8 + int.from_bytes(data[4:8], "big")])
    assert signed.kid == b"release"
    assert manifest.board == "*" and manifest.downgrade is False


@pytest.mark.parametrize("victim", sorted(FILES))
def test_a_changed_file_is_named(key, pub, victim):
    data = bytearray(release.make_bundle(FILES, "1", key))
    offset = len(data) - sum(len(FILES[p]) for p in sorted(FILES) if p >= victim)
    data[offset] ^= 0x01
    with pytest.raises(ReleaseError, match=f"^{victim}: SHA-256 does not match"):
        release.verify_bundle(bytes(data), pub)


def test_other_key_is_refused(key):
    data = release.make_bundle(FILES, "1", key)
    with pytest.raises(ReleaseError, match="does not verify"):
        release.verify_bundle(data, keys.raw_public(Ed25519PrivateKey.generate()))


@pytest.mark.parametrize("cut, message", [(lambda d: d[:-1], "truncated"), (lambda d: d + b"x", "unexpected bytes"),
                                          (lambda d: b"MMB2" + d[4:], "bad magic"),
                                          (lambda d: d[:50], "truncated inside its manifest")])
def test_damaged_bundle(key, pub, cut, message):
    with pytest.raises(ReleaseError, match=message):
        release.verify_bundle(cut(release.make_bundle(FILES, "1", key)), pub)


@pytest.mark.parametrize("path", ["../etc/passwd", "/main.py", "a" * 65])
def test_bad_paths_are_refused(key, path):
    with pytest.raises(release.UsageError):
        release.make_bundle({path: b"x"}, "1", key)


def test_cli_sign_and_verify(tmp_path, capsys):
    kdir, app = tmp_path / "keys", tmp_path / "app"
    (app / "lib").mkdir(parents=True)
    for p, d in FILES.items():
        (app / p).parent.mkdir(parents=True, exist_ok=True)
        (app / p).write_bytes(d)
    (tmp_path / "pw").write_text("correct horse\n")
    (tmp_path / "bad").write_text("wrong\n")
    assert main(["keys", "init", "--dir", str(kdir), "--passphrase-file", str(tmp_path / "pw")]) == 0
    out = tmp_path / "app.mmb"
    capsys.readouterr()
    assert main(["release", "sign", "--version", "2.0", "--dir", str(app), "--out", str(out),
                 "--keys", str(kdir), "--passphrase-file", str(tmp_path / "bad")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "micromarket: wrong passphrase for the release key — check the passphrase and try again"
    assert not out.exists()
    assert main(["release", "sign", "--version", "v2", "--dir", str(app), "--out", str(out),
                 "--keys", str(kdir), "--passphrase-file", str(tmp_path / "pw")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("micromarket: cannot make the bundle: field 'version' must be a version") and not out.exists()
    assert main(["release", "sign", "--version", "2.0", "--dir", str(app), "--out", str(out), "--downgrade",
                 "--for-board", "virtual-plug", "--keys", str(kdir), "--passphrase-file", str(tmp_path / "pw")]) == 0
    capsys.readouterr()
    assert main(["release", "verify", str(out), "--keys", str(kdir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and [f[0] for f in report["files"]] == sorted(FILES)
    assert report["board"] == "virtual-plug" and report["downgrade"] is True and report["version"] == "2.0"
    data = bytearray(out.read_bytes())
    data[-1] ^= 0xFF
    out.write_bytes(bytes(data))
    assert main(["release", "verify", str(out), "--keys", str(kdir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("micromarket: main.py: SHA-256 does not match") and "Traceback" not in err
