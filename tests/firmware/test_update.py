"""Signed updates on the unix port: bundles made by the host's `micromarket release` code are
installed only when the release key's signature and every file's hash verify, for this market
and board, newer than the app (or signed as a downgrade); tampered, truncated, foreign-key,
path-escaping, older and foreign-board bundles change nothing; an app that is never confirmed
is rolled back after MAX_BOOTS boots; and the board killed (SIGKILL) at every step of the
install, the swap and the rollback boots a whole, verified app."""

import hashlib
import json
import shutil
import signal
import struct
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.device.upy import micropython_env, tool
from micromarket.fleet.release import make_bundle

RELEASE = Ed25519PrivateKey.generate()
RELEASE_PUB = P.public_key_bytes(RELEASE)
V1 = {"lib/hello.py": b"VERSION = 'one'\n", "lib/data.bin": bytes(range(256)) * 9}
V2 = {"lib/hello.py": b"VERSION = 'two'\n", "lib/data.bin": b"\x00" * 3000}
V0 = {"lib/hello.py": b"VERSION = 'zero'\n", "lib/zero.bin": b"\x01" * 700}
BOARD = "virtual-plug"
INSTALL = ("try:\n    print(json.dumps(install.install('bundle.mmb', KEY, 'm1', %r)))\n"
           "except update.UpdateError as e:\n"
           "    print(json.dumps('refused: ' + str(e)))\n" % BOARD)


def device(mp, cwd, code):
    """Run ``code`` on the unix port in the device directory ``cwd``; its last line as JSON."""
    prog = ("import json, update, install\nKEY = bytes.fromhex(%r)\n" % RELEASE_PUB.hex()) + code
    # sources compile on the device here, so more heap than a board with .mpy files needs
    out = mp(prog, cwd=str(cwd), heap="512K").strip().splitlines()
    return json.loads(out[-1]) if out else None


def install(mp, cwd, bundle):
    (cwd / "bundle.mmb").write_bytes(bundle)
    return device(mp, cwd, INSTALL)


def app_files(cwd):
    root = cwd / "app.cur"
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
    assert not (dev / "app.new").exists()
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
        "other-board": (make_bundle(V2, "2.0.0", RELEASE, board="shelly-plus-plug-s"),
                        "bundle is for board 'shelly-plus-plug-s', this is 'virtual-plug'"),
        "older": (make_bundle(V2, "0.9.12", RELEASE), "version 0.9.12 is older than 1.0.0 (not signed as a downgrade)"),
        "same": (make_bundle(V2, "1.0.0", RELEASE), "version 1.0.0 is installed already"),
        # numbers, not text: 1.0.0 > 0.10 > 0.9
        "older-numerically": (make_bundle(V2, "0.10", RELEASE), "older than 1.0.0"),
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
    payload = {"type": "bundle", "v": 1, "market": "*", "board": "*", "version": "9", "downgrade": False,
               "files": [["../main.py", 3, b"\x00" * 32]]}
    signed = P.cose.sign1(RELEASE, P.codec.dumps(payload), "release")
    bundle = b"MMB1" + struct.pack(">I", len(signed)) + signed + b"bad"
    out = install(mp, dev, bundle)
    assert out.startswith("refused: bad path"), out
    assert not (dev.parent / "main.py").exists() and app_files(dev) == V1


# what mmboot does at each boot of a pending app (main.py itself: test_agent_boot, test_ota)
COUNT_BOOT = ("st = update.state()\nif st.get('pending'):\n    st['boots'] = st.get('boots', 0) + 1\n"
              "    update._save(st)\n")
BOOT = "update.boot()\n" + COUNT_BOOT + "print(json.dumps(update.state().get('version')))"


def test_unconfirmed_app_is_rolled_back_after_max_boots(dev, mp):
    assert install(mp, dev, make_bundle(V2, "2.0.0", RELEASE)) == "2.0.0"
    versions = [device(mp, dev, BOOT) for _ in range(4)]
    assert versions == ["2.0.0", "2.0.0", "2.0.0", "1.0.0"]
    assert app_files(dev) == V1
    st = json.loads((dev / "app.json").read_text())
    assert st["version"] == "1.0.0" and st["rejected"] == "2.0.0" and not st["pending"]
    assert st["last"] == ["2.0.0", "rolled-back", "not confirmed after 3 boots"]


def test_confirmed_app_stays(dev, mp):
    assert install(mp, dev, make_bundle(V2, "2.0.0", RELEASE)) == "2.0.0"
    device(mp, dev, BOOT + "\nupdate.confirm()")
    versions = [device(mp, dev, BOOT) for _ in range(4)]
    assert versions == ["2.0.0"] * 4 and app_files(dev) == V2


def test_versions_go_forward_and_a_signed_downgrade_goes_back(dev, mp):
    assert install(mp, dev, make_bundle(V2, "1.10", RELEASE, board=BOARD)) == "1.10"
    device(mp, dev, "update.confirm()\nprint(1)")
    assert install(mp, dev, make_bundle(V1, "1.9", RELEASE)).startswith("refused: version 1.9 is older")
    assert app_files(dev) == V2
    assert install(mp, dev, make_bundle(V1, "1.9", RELEASE, downgrade=True)) == "1.9"
    assert app_files(dev) == V1


def test_no_update_over_an_unconfirmed_one_nor_the_rolled_back_version_again(dev, mp):
    assert install(mp, dev, make_bundle(V2, "2.0.0", RELEASE)) == "2.0.0"
    assert install(mp, dev, make_bundle(V0, "3.0.0", RELEASE)) == "refused: version 2.0.0 is not confirmed yet"
    assert device(mp, dev, "print(json.dumps(update.rollback('test')))") == "1.0.0"
    assert install(mp, dev, make_bundle(V2, "2.0.0", RELEASE)) == "refused: version 2.0.0 was rolled back here"
    assert install(mp, dev, make_bundle(V0, "3.0.0", RELEASE)) == "3.0.0"


# --- power cuts ----------------------------------------------------------------------------

CUT = """
import time
_n = [0]
def _hook(step):
    print("STEP", step)
    if _n[0] == CUT_AT:
        print("CUT")
        time.sleep(3600)  # the test kills the process here
    _n[0] += 1
update.HOOK = _hook
"""


def run_until_cut(cwd, code, cut_at):
    """Run ``code`` with update's step hook; SIGKILL the interpreter at step ``cut_at`` (none if
    -1). Returns the steps it announced."""
    prog = ("import json, update, install\nKEY = bytes.fromhex(%r)\nCUT_AT = %d\n" % (RELEASE_PUB.hex(), cut_at)
            + CUT + code)
    proc = subprocess.Popen([tool("micropython"), "-X", "heapsize=512K", "-c", prog], cwd=str(cwd),
                            env=micropython_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    steps = []
    try:
        for line in proc.stdout:
            line = line.decode().strip()
            if line.startswith("STEP "):
                steps.append(line[5:])
            elif line == "CUT":
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
    if cut_at < 0:
        assert proc.returncode == 0, proc.stderr.read().decode()
    else:
        assert proc.returncode == -signal.SIGKILL and len(steps) == cut_at + 1
    return steps


def verified(cwd, files_by_version):
    """Boot (update.boot, as mmboot does) and check that the app it will run is whole: every file
    of the version app.json names, with its SHA-256, and nothing else. Returns the version."""
    out = subprocess.run([tool("micropython"), "-X", "heapsize=512K", "-c",
                          "import json, update\n" + BOOT],
                         cwd=str(cwd), env=micropython_env(), capture_output=True, check=True)
    version = json.loads(out.stdout.decode().strip().splitlines()[-1])
    expected = files_by_version[version]
    got = app_files(cwd)
    assert {p: hashlib.sha256(d).digest() for p, d in got.items()} == \
        {p: hashlib.sha256(d).digest() for p, d in expected.items()}
    assert not (cwd / "app.new").exists() or version in files_by_version
    st = json.loads((cwd / "app.json").read_text())
    assert "swap" not in st and "back" not in st
    return version


@pytest.fixture(scope="module")
def two_installed(tmp_path_factory):
    from micromarket.device.upy import run_code as mp
    """A device with 1.0.0 running and 0.5.0 kept as app.prev: every step of a swap happens."""
    d = tmp_path_factory.mktemp("cuts") / "dev"
    d.mkdir()
    assert install(mp, d, make_bundle(V0, "0.5.0", RELEASE)) == "0.5.0"
    device(mp, d, "update.confirm()\nprint(1)")
    assert install(mp, d, make_bundle(V1, "1.0.0", RELEASE)) == "1.0.0"
    device(mp, d, "update.confirm()\nprint(1)")
    (d / "bundle.mmb").write_bytes(make_bundle(V2, "2.0.0", RELEASE))
    return d


INSTALL_V2 = "print(json.dumps(install.install('bundle.mmb', KEY, 'm1', %r)))\n" % BOARD
# pending 2.0.0 never confirmed: the next boot() rolls it back
ROLLBACK = "for _ in range(%d):\n    " + BOOT.replace("\n", "\n    ") + "\n"


def test_a_cut_at_every_step_of_install_and_swap_boots_a_verified_app(two_installed, tmp_path):
    steps = run_until_cut(_copy(two_installed, tmp_path / "probe"), INSTALL_V2, -1)
    assert steps[:3] == ["write lib/data.bin", "write lib/hello.py", "journal swap"]
    assert sorted(steps[3:5]) == ["remove app.prev/lib/hello.py", "remove app.prev/lib/zero.bin"]
    assert steps[5:] == ["remove app.prev/lib", "remove app.prev", "rename app", "rename new"]
    seen = []
    for i, step in enumerate(steps):
        d = _copy(two_installed, tmp_path / ("cut%d" % i))
        run_until_cut(d, INSTALL_V2, i)
        seen.append((step, verified(d, {"1.0.0": V1, "2.0.0": V2})))
    # cut while staging: the old app; once the journal says "swap": the new one, whole
    assert seen == [(s, "1.0.0" if i < 2 else "2.0.0") for i, s in enumerate(steps)]


def test_a_cut_at_every_step_of_a_rollback_boots_a_verified_app(two_installed, tmp_path, mp):
    base = _copy(two_installed, tmp_path / "base")
    assert device(mp, base, INSTALL_V2) == "2.0.0"
    code = ROLLBACK % 4
    steps = run_until_cut(_copy(base, tmp_path / "probe"), code, -1)
    assert steps[0] == "journal back"
    assert sorted(steps[1:3]) == ["remove app.cur/lib/data.bin", "remove app.cur/lib/hello.py"]
    assert steps[3:] == ["remove app.cur/lib", "remove app.cur", "rename prev"]
    for i in range(len(steps)):
        d = _copy(base, tmp_path / ("cut%d" % i))
        run_until_cut(d, code, i)
        assert verified(d, {"1.0.0": V1, "2.0.0": V2}) == "1.0.0"
        st = json.loads((d / "app.json").read_text())
        assert st["rejected"] == "2.0.0" and st["last"][:2] == ["2.0.0", "rolled-back"]


def _copy(src, dst):
    shutil.copytree(src, dst)
    return dst
