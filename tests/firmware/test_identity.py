"""The device half of provisioning (firmware/lib/identity.py) on the unix port, against the host's protocol."""

import ast
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import keys
from micromarket import protocol as P
from micromarket.device import upy
from micromarket.paths import FIRMWARE_DIR

LIBS = [FIRMWARE_DIR / "lib"]


def device(cwd, expr):
    out = upy.run_code(f"import identity\nprint(repr({expr}))", lib_dirs=LIBS, cwd=cwd, heap="2M")
    return ast.literal_eval(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def registrar():
    k = Ed25519PrivateKey.generate()
    return k, keys.raw_public(k)


def _enroll(registrar, key, market="m1"):
    k, _ = registrar
    return P.sign(P.Enrollment(market=market, party=P.party_id(key), key=key, role="plug", board="virtual-plug",
                               site="", nbf=0, exp=2**32 - 1), k, "registrar")


def test_provisioning_round_trip(tmp_path, registrar):
    k, pub = registrar
    assert device(tmp_path, "identity.status()") == {"provisioned": False, "party": None, "pending": False,
                                                    "crypto": "viper"}
    key = device(tmp_path, "identity.prepare(False)")
    assert (tmp_path / "id" / "seed.new").stat().st_size == 32
    nonce = os.urandom(16)
    challenge = P.sign(P.Challenge(market="m1", nonce=nonce, issued=1), k, "registrar")
    resp = P.verify(device(tmp_path, f"identity.answer({challenge!r}, {pub!r})"), key, kind=P.Response)
    assert resp.nonce == nonce and resp.party == P.party_id(key)
    # an interrupted run reuses the pending key
    assert device(tmp_path, "identity.prepare(False)") == key
    party = device(tmp_path, f"identity.commit({_enroll(registrar, key)!r}, {pub!r})")
    assert party == P.party_id(key)
    assert device(tmp_path, "identity.status()") == {"provisioned": True, "party": party, "pending": False,
                                                    "crypto": "viper"}
    assert device(tmp_path, "identity.load()[1]") == party
    assert sorted(os.listdir(tmp_path / "id")) == ["enrollment.cose", "seed"]


def test_forged_challenge_and_foreign_enrollment_are_refused(tmp_path, registrar):
    _, pub = registrar
    other = Ed25519PrivateKey.generate()
    key = device(tmp_path, "identity.prepare(False)")
    forged = P.sign(P.Challenge(market="m1", nonce=b"\x00" * 16, issued=1), other, "registrar")
    with pytest.raises(upy.UpyError, match="challenge refused"):
        device(tmp_path, f"identity.answer({forged!r}, {pub!r})")
    wrong_key = _enroll(registrar, keys.raw_public(Ed25519PrivateKey.generate()))
    with pytest.raises(upy.UpyError, match="enrollment is for another key"):
        device(tmp_path, f"identity.commit({wrong_key!r}, {pub!r})")
    assert device(tmp_path, "identity.status()")["provisioned"] is False
    assert device(tmp_path, "identity.prepare(False)") == key


def test_fresh_key_replaces_the_old_one_only_at_commit(tmp_path, registrar):
    _, pub = registrar
    old = device(tmp_path, "identity.prepare(False)")
    device(tmp_path, f"identity.commit({_enroll(registrar, old)!r}, {pub!r})")
    new = device(tmp_path, "identity.prepare(True)")
    assert new != old
    st = device(tmp_path, "identity.status()")
    assert st["provisioned"] and st["party"] == P.party_id(old) and st["pending"]  # still the old identity
    device(tmp_path, f"identity.commit({_enroll(registrar, new)!r}, {pub!r})")
    st = device(tmp_path, "identity.status()")
    assert st == {"provisioned": True, "party": P.party_id(new), "pending": False,
                                                    "crypto": "viper"}
