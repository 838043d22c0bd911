"""Helpers shared by the market tests (importable: the test directory is on sys.path)."""

from micromarket import protocol as P


def public(key) -> bytes:
    return P.public_key_bytes(key)


def enrollment(registrar, device, market="m1", exp=0xFFFFFFF0) -> bytes:
    pub = public(device)
    msg = P.Enrollment(market=market, party=P.party_id(pub), key=pub, role="plug",
                       board="virtual-plug", site="lab", nbf=0, exp=exp)
    return P.sign(msg, registrar, "registrar")
