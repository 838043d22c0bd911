"""Signed updates on the unix port: bundles made by the host's `micromarket release` code are
installed only when the release key's signature and every file's hash verify; tampered,
truncated, foreign-key and path-escaping bundles change nothing; an app that is never confirmed
is rolled back after MAX_BOOTS boots."""

import json
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.fleet.release import make_bundle

RELEASE = Ed25519PrivateKey.generate()
RELEASE_PUB = P.public_key_bytes(RELEASE)
V1 = {"lib/hello.py": b"VERSION = 'one'\n", "lib/data.bin": bytes(range(256)) * 9}
V2 = {"lib/hello.py": b"VERSION = 'two'\n", "lib/data.bin": b"\x00" * 3000}


def device(mp, cwd, code):
    """Run ``code`` on the unix port in the device directory ``cwd``; its last line as JSON."""
    prog = ("import json, update\nKEY = bytes.fromhex(%r)\n" % RELEASE_PUB.hex()) + code
    # sources compile on the device here, so more heap than a board with .mpy files needs
    out = mp(prog, cwd=str(cwd), heap="512K").strip().splitlines()
    return json.loads(out[-1]) if out else None


def install(mp, cwd, bundle):
    (cwd / "bundle.mmb").write_bytes(bundle)
    return device(mp, cwd, "try:\n    print(json.dumps(update.install('bundle.mmb', KEY, 'm1')))\n"
                           "except update.UpdateError as e:\n"
                           "    print(json.dumps('refused: ' + str(e)))\n")


def app_files(cwd):
    root = cwd / "app"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def dev(tmp_path, mp):
    assert install(mp, tmp_path, make_bundle(V1, "1.0.0", RELEASE)) == "1.0.0"
    device(mp, tmp_path, "update.confirm()\nprint(json.dumps(update.state()))")
    return tmp_path


def manifest_span(bundle):
    (n,) = struct.unpack_from(">I", bundle, 4)
    return 8, 8 + n


def test_installs_a_good_bundle_and_keeps_the_previous(dev, mp):
    assert app_files(dev) == V1
    assert install(mp, dev, make_bundle(V2, "2.0.0", RELEASE)) == "2.0.0"
    assert app_files(dev) == V2
    prev = dev / "app.prev"
    assert (prev / "lib" / "hello.py").read_bytes() == V1["lib/hello.py"]
    st = json.loads((dev / "app.json").read_text())
    assert st == {"version": "2.0.0", "pending": True, "boots": 0, "previous": "1.0.0"}
    # the app's lib/ goes in front of the firmware's own
    out = device(mp, dev, "update.sys_path()\nimport hello\nprint(json.dumps(hello.VERSION))")
    assert out == "two"


# what update.install raises when the manifest's signature fails (wire.verify1's message): a
# flipped bit in the signature or in the signed payload must fail there, not in another check
BAD_SIGNATURE = "manifest refused: cose: signature of b'release' does not verify"


def tampered_bundles():
    good = make_bundle(V2, "2.0.0", RELEASE)
    start, end = manifest_span(good)
    flip_file = bytearray(good)
    flip_file[end + 5] ^= 0x01  # a bit in the first file's bytes
    flip_last = bytearray(good)
    flip_last[-1] ^= 0x80  # the last byte of the last file
    flip_sig = bytearray(good)
    flip_sig[end - 3] ^= 0x01  # inside the manifest's signature
    flip_payload = bytearray(good)
    flip_payload[start + 30] ^= 0x01  # inside the signed manifest payload
    other_key = make_bundle(V2, "2.0.0", Ed25519PrivateKey.generate())
    return {
        "file-bit": (bytes(flip_file), "SHA-256 does not match"),
        "last-byte": (bytes(flip_last), "SHA-256 does not match"),
        "signature": (bytes(flip_sig), BAD_SIGNATURE),
        "payload": (bytes(flip_payload), BAD_SIGNATURE),
        "other-key": (other_key, "does not verify"),
        "truncated": (good[:-10], "truncated"),
        "extra-bytes": (good + b"x", "unexpected bytes"),
        "bad-magic": (b"MMB2" + good[4:], "not a micromarket bundle"),
        "other-market": (make_bundle(V2, "2.0.0", RELEASE, market="m2"), "for market"),
    }


@pytest.mark.parametrize("case", sorted(tampered_bundles()))
def test_refuses_tampered_bundles_and_changes_nothing(dev, mp, case):
    bundle, why = tampered_bundles()[case]
    before = json.loads((dev / "app.json").read_text())
    out = install(mp, dev, bundle)
    assert out.startswith("refused: ") and why in out, out
    assert app_files(dev) == V1
    assert not (dev / "app.new").exists()
    assert json.loads((dev / "app.json").read_text()) == before


def test_refuses_paths_that_escape_the_app(dev, mp):
    # signed by the real release key, but a path climbs out of app/: refused before writing
    payload = {"type": "bundle", "v": 1, "market": "*", "version": "9",
               "files": [["../main.py", 3, b"\x00" * 32]]}
    signed = P.cose.sign1(RELEASE, P.codec.dumps(payload), "release")
    bundle = b"MMB1" + struct.pack(">I", len(signed)) + signed + b"bad"
    out = install(mp, dev, bundle)
    assert out.startswith("refused: bad path"), out
    assert not (dev.parent / "main.py").exists() and app_files(dev) == V1


def test_unconfirmed_app_is_rolled_back_after_max_boots(dev, mp):
    assert install(mp, dev, make_bundle(V2, "2.0.0", RELEASE)) == "2.0.0"
    versions = [device(mp, dev, "print(json.dumps(update.boot()))") for _ in range(4)]
    assert versions == ["2.0.0", "2.0.0", "2.0.0", "1.0.0"]
    assert app_files(dev) == V1
    st = json.loads((dev / "app.json").read_text())
    assert st["version"] == "1.0.0" and st["rejected"] == "2.0.0" and not st["pending"]


def test_confirmed_app_stays(dev, mp):
    assert install(mp, dev, make_bundle(V2, "2.0.0", RELEASE)) == "2.0.0"
    device(mp, dev, "update.boot()\nupdate.confirm()\nprint(1)")
    versions = [device(mp, dev, "print(json.dumps(update.boot()))") for _ in range(4)]
    assert versions == ["2.0.0"] * 4 and app_files(dev) == V2
