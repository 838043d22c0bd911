# The device's identity: an Ed25519 key born here (os.urandom: the hardware RNG on an ESP32)
# and the registrar-signed enrollment credential that binds it to a market.
#
# Files (relative to the filesystem root):
#   id/seed             the 32-byte private seed; never leaves the device
#   id/seed.new         a seed made for a re-provisioning that has not been committed yet
#   id/enrollment.cose  the credential; written last, so its presence (with a key that matches
#                       the seed) is what "provisioned" means
#
# Provisioning, driven by the host over the REPL (micromarket provision):
#   status()                       -> {"provisioned", "party", "pending", "crypto"} (the
#                                     crypto core running: ed25519.VARIANT)
#   prepare(fresh)                 -> public key of the key to enroll (a new one if fresh or none)
#   answer(challenge, registrar)   -> response: the challenge's nonce signed by that key
#   commit(enrollment, registrar)  -> party id, after checking the registrar's signature
# The agent uses load() -> (signing key, party id, enrollment bytes).

import os

import cbor
import cose
import store

_DIR = "id"
SEED = "id/seed"
PENDING = "id/seed.new"
ENROLLMENT = "id/enrollment.cose"


class IdentityError(ValueError):
    pass


def _write(path, data):
    store.write_atomic(path, data)


def _mkdir():
    try:
        os.mkdir(_DIR)
    except OSError:
        pass


def _key(seed):
    import ed25519

    return ed25519.SigningKey(seed)


def _seed(path):
    seed = store.read_file(path)
    if seed is None or len(seed) != 32:
        return None
    return seed


def status():
    seed = _seed(SEED)
    key = _key(seed).public if seed else None
    import appcfg  # reads an enrollment as the agent's boot does

    enrolled = appcfg.enrolled_key(store.read_file(ENROLLMENT))
    ok = key is not None and enrolled == key
    import ed25519

    return {"provisioned": ok, "party": cose.party_id(key) if ok else None,
            "pending": store.exists(PENDING), "crypto": ed25519.VARIANT}


def prepare(fresh):
    """The public key to enroll: a new key if ``fresh`` or none exists, else the pending/current one."""
    _mkdir()
    seed = _seed(PENDING) or (None if fresh else _seed(SEED))
    if seed is None:
        seed = os.urandom(32)
        _write(PENDING, seed)
    return _key(seed).public


def _pending_seed():
    return _seed(PENDING) or _seed(SEED)


def _check(data, registrar, kind):
    try:
        payload = cbor.loads(cose.verify1(registrar, data))
    except ValueError as exc:
        raise IdentityError("%s refused: %s" % (kind, exc))
    if not isinstance(payload, dict) or payload.get("type") != kind or payload.get("v") != 1:
        raise IdentityError("not a %s message" % kind)
    if cose.kid(data) != "registrar":
        raise IdentityError("%s not signed by the registrar" % kind)
    return payload


def answer(challenge, registrar):
    """Sign the challenge's nonce with the key being enrolled (after checking the registrar)."""
    ch = _check(challenge, registrar, "challenge")
    seed = _pending_seed()
    if seed is None:
        raise IdentityError("no key: call prepare() first")
    sk = _key(seed)
    party = cose.party_id(sk.public)
    return cose.sign1(sk, {"type": "response", "v": 1, "market": ch["market"], "party": party,
                           "key": sk.public, "nonce": ch["nonce"]}, party)


def commit(enrollment, registrar):
    """Store the credential (last, atomically) and make its key the device's key."""
    cred = _check(enrollment, registrar, "enrollment")
    seed = _pending_seed()
    if seed is None or _key(seed).public != cred["key"]:
        raise IdentityError("the enrollment is for another key")
    if _seed(PENDING) is not None:
        store.remove_file(ENROLLMENT)
        try:
            os.rename(PENDING, SEED)
        except OSError:  # a filesystem that will not rename over a file
            store.remove_file(SEED)
            os.rename(PENDING, SEED)
    _write(ENROLLMENT, enrollment)
    return cred["party"]


def load():
    """(signing key, party id, enrollment bytes) of a provisioned device; IdentityError if not."""
    import appcfg  # the agent's boot reads the identity there, without this module

    try:
        return appcfg.load_identity()
    except ValueError as exc:
        raise IdentityError(str(exc))
