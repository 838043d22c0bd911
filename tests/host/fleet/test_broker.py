"""`micromarket broker config` run against the real Mosquitto: TLS from the neighbourhood CA,
one password per enrolled device, ACLs per party, client ids bound to usernames, and a reload
(SIGHUP) that lets new devices in and revoked ones out without a restart."""

import os
import ssl
import subprocess
import sys
import time

import pytest

from micromarket import keys
from micromarket import protocol as P
from micromarket.cli import main
from micromarket.fleet import ca
from micromarket.fleet.broker import market_user
from micromarket.market.store import open_db
from micromarket.protocol.broker import check_password, hash_password, read_password_file

from broker_clients import Client  # a helper beside this file

M = "elm"


def _settle(*clients, marker="mm/elm/context", timeout=10):
    """Wait until the market's marker publish reached every client that subscribed to it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(any(t == marker and p == b"mark" for t, p, _ in c.got) for c in clients):
            return
        time.sleep(0.05)
    raise AssertionError("the market's marker did not arrive")


def test_passwords_in_mosquitto_format():
    line = hash_password("secret", salt=bytes(range(12)))
    assert line.startswith("$7$101$AAECAwQFBgcICQoL$")
    assert check_password("secret", line) and not check_password("Secret", line)


def test_config_files(secure_street):
    out, parties = secure_street["out"], secure_street["parties"]
    users = read_password_file(out / "passwd")
    assert set(users) == {market_user(M), f"mm-release-{M}", *parties}
    assert all(check_password(secure_street["pw"](u), h) for u, h in users.items())
    acl = (out / "acl").read_text()
    a = parties[0]
    for line in (f"user {a}", f"topic write mm/{M}/tender/{a}", f"topic write mm/{M}/delivery/{a}",
                 f"topic write mm/{M}/status/{a}", f"topic read mm/{M}/award/{a}", f"topic read mm/{M}/+"):
        assert line in acl.splitlines()
    assert oct(os.stat(out / "passwd").st_mode & 0o777) == "0o600"
    assert oct(os.stat(out / "credentials" / market_user(M)).st_mode & 0o777) == "0o600"
    conf = (out / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in conf and "use_username_as_clientid true" in conf


def test_anonymous_wrong_password_and_wrong_ca_are_refused(secure_street, tmp_path):
    port, ca_file, a = secure_street["port"], secure_street["out"] / "ca.pem", secure_street["parties"][0]
    anon = Client(port, ca_file)
    assert not anon.accepted and "not authorized" in str(anon.answer).lower()
    anon.close()
    wrong = Client(port, ca_file, a, "not-the-password")
    assert not wrong.accepted
    wrong.close()
    other = tmp_path / "other"
    ca.init(other)
    with pytest.raises(ssl.SSLCertVerificationError):
        Client(port, other / ca.CA_CERT, a, secure_street["pw"](a))


def test_devices_publish_only_their_own_topics_and_never_the_context(secure_street):
    port, ca_file = secure_street["port"], secure_street["out"] / "ca.pem"
    a, b = secure_street["parties"]
    mu = market_user(M)
    market = Client(port, ca_file, mu, secure_street["pw"](mu), subscribe=[f"mm/{M}/#"])
    assert market.accepted
    market.publish(f"mm/{M}/context", b"genuine", retain=True)
    dev_a = Client(port, ca_file, a, secure_street["pw"](a), client_id=a,
                   subscribe=[f"mm/{M}/tender/#", f"mm/{M}/context", f"mm/{M}/award/{a}"])
    dev_b = Client(port, ca_file, b, secure_street["pw"](b), client_id=b)
    assert dev_a.accepted and dev_b.accepted
    dev_b.publish(f"mm/{M}/tender/{b}", b"b's own")
    dev_b.publish(f"mm/{M}/tender/{a}", b"b as a")            # another party's topic
    dev_b.publish(f"mm/{M}/context", b"forged", retain=True)  # the retained context
    dev_b.publish(f"mm/{M}/award/{b}", b"self-award")        # a market topic
    dev_b.publish(f"mm/{M}/tender/{b}", b"kept", retain=True)
    market.publish(f"mm/{M}/award/{a}", b"award for a")
    market.publish(f"mm/{M}/context", b"mark")
    _settle(market, dev_a)
    heard = {(t, p) for t, p, _ in market.got}
    assert (f"mm/{M}/tender/{b}", b"b's own") in heard
    assert (f"mm/{M}/tender/{a}", b"b as a") not in heard
    assert (f"mm/{M}/context", b"forged") not in heard
    assert (f"mm/{M}/award/{b}", b"self-award") not in heard
    # a device hears the market's topics and its own, never another party's tenders
    a_heard = {(t, p) for t, p, _ in dev_a.got}
    assert (f"mm/{M}/award/{a}", b"award for a") in a_heard
    assert (f"mm/{M}/context", b"genuine") in a_heard
    assert not any(t.startswith(f"mm/{M}/tender/") for t, _ in a_heard)
    # a newcomer gets the market's retained context, not the forged one
    late = Client(port, ca_file, a, secure_street["pw"](a), client_id=a, subscribe=[f"mm/{M}/context"])
    deadline = time.monotonic() + 5
    while not late.got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(t, p) for t, p, r in late.got if r] == [(f"mm/{M}/context", b"genuine")]
    for c in (market, dev_a, dev_b, late):
        c.close()


def test_market_session_cannot_be_taken_over(secure_street):
    port, ca_file, a = secure_street["port"], secure_street["out"] / "ca.pem", secure_street["parties"][0]
    mu = market_user(M)
    market = Client(port, ca_file, mu, secure_street["pw"](mu), client_id=f"mm-market-{M}",
                    subscribe=[f"mm/{M}/tender/+"])
    intruder = Client(port, ca_file, a, secure_street["pw"](a), client_id=f"mm-market-{M}")
    assert intruder.accepted
    intruder.publish(f"mm/{M}/tender/{a}", b"after")
    market.publish(f"mm/{M}/context", b"mark")
    deadline = time.monotonic() + 10
    while (f"mm/{M}/tender/{a}", b"after", False) not in market.got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (f"mm/{M}/tender/{a}", b"after", False) in market.got
    assert not market.lost.is_set(), "the market's session was taken over"
    assert market.client.is_connected()
    # the broker saw the intruder under its own username, whatever client id it asked for
    assert {mu, a} <= secure_street["broker"].clients()
    market.close()
    intruder.close()


def test_rerun_lets_new_devices_in_and_revoked_out_without_restart(secure_street, capsys):
    port, ca_file, out = secure_street["port"], secure_street["out"] / "ca.pem", secure_street["out"]
    a = secure_street["parties"][0]
    mu = market_user(M)
    market = Client(port, ca_file, mu, secure_street["pw"](mu), subscribe=[f"mm/{M}/tender/+"])
    conn = open_db(secure_street["db"])
    c = secure_street["add_party"](conn)
    conn.close()
    assert not Client(port, ca_file, c, secure_street["pw"](c), client_id=c).accepted
    assert main(["broker", "config", "--keys", str(secure_street["kdir"]), "--registry", str(secure_street["db"]),
                 "-o", str(out), "--listen", f"127.0.0.1:{port}", "--host", "localhost", "--host",
                 "127.0.0.1", "--revoke", a, "--reload", str(secure_street["broker"].proc.pid)]) == 0
    assert "2 devices of elm, 1 left out" in capsys.readouterr().out
    deadline = time.monotonic() + 10
    newcomer = None
    while time.monotonic() < deadline:  # the reload is asynchronous to the signal
        newcomer = Client(port, ca_file, c, secure_street["pw"](c), client_id=c)
        if newcomer.accepted:
            break
        newcomer.close()
        time.sleep(0.1)
    assert newcomer.accepted
    assert not Client(port, ca_file, a, secure_street["pw"](a)).accepted, "a revoked device still gets in"
    newcomer.publish(f"mm/{M}/tender/{c}", b"hello")
    deadline = time.monotonic() + 10
    while not market.got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert market.got == [(f"mm/{M}/tender/{c}", b"hello", False)]
    assert not market.lost.is_set(), "the reload dropped the market"
    assert secure_street["broker"].starts == 1
    assert (out / "revoked").read_text().split() == [a]
    market.close()
    newcomer.close()


def test_bad_input_is_one_line(tmp_path, capsys):
    assert main(["broker", "config", "--keys", str(tmp_path / "none"), "--market", M,
                 "-o", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("micromarket: no broker secret") and err.count("\n") == 1
    kdir = tmp_path / "k"
    keys.init(kdir)
    ca.init(kdir)
    assert main(["broker", "config", "--keys", str(kdir), "--market", M, "-o", str(tmp_path / "b"),
                 "--listen", "nowhere"]) == 1
    assert "--listen 'nowhere' is not HOST:PORT" in capsys.readouterr().err


def _serve(street, *extra):
    return ["market", "serve", "--market", M, "--db", str(street["db"]), "--keys", str(street["kdir"]),
            "--broker", f"mqtts://localhost:{street['port']}", *extra]


def test_market_serves_over_tls_with_its_credential(secure_street):
    st = secure_street
    a = st["parties"][0]
    cred = st["out"] / "credentials" / market_user(M)
    proc = subprocess.Popen([sys.executable, "-m", "micromarket.cli", *_serve(st, "--ca-file", str(st["ca"]),
                             "--password-file", str(cred))], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        dev = Client(st["port"], st["ca"], a, st["pw"](a), client_id=a, subscribe=[f"mm/{M}/context"])
        deadline = time.monotonic() + 30
        while not dev.got and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert dev.got and dev.got[0][0] == f"mm/{M}/context", proc.stderr.read1().decode()
        ctx = P.verify(dev.got[0][1], bytes.fromhex(keys.public_hex(st["kdir"], "market")), kind="context")
        assert ctx.market == M
        dev.close()
    finally:
        proc.terminate()
        proc.wait(10)
    assert market_user(M) in st["broker"].clients()


def test_market_says_why_it_cannot_connect(secure_street, tmp_path, capsys):
    st = secure_street
    cred = st["out"] / "credentials" / market_user(M)
    other = tmp_path / "other"
    ca.init(other)
    wrong_pw = tmp_path / "wrong"
    wrong_pw.write_text("guess\n")
    cases = [
        (["--ca-file", str(other / ca.CA_CERT), "--password-file", str(cred)], "certificate does not verify"),
        (["--ca-file", str(st["ca"]), "--password-file", str(wrong_pw)], "refused the connection"),
        (["--ca-file", str(st["ca"])], "refused the connection"),
        (["--ca-file", str(tmp_path / "none.pem")], "cannot read the CA file"),
        (["--ca-file", str(cred)], "holds no PEM certificate"),
    ]
    for extra, words in cases:
        assert main(_serve(st, *extra)) == 1
        err = capsys.readouterr().err
        last = err.strip().splitlines()[-1]  # after the banner, if the market got as far as starting
        assert words in last and last.startswith("micromarket: ") and "Traceback" not in err, err


def test_expired_enrollments_get_no_credential(secure_street):
    """A party whose enrollment has expired is left out of passwd and acl, like a revoked one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from micromarket.fleet.broker import write_config
    from micromarket.market import registry

    st = secure_street
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                 serialization.PublicFormat.Raw)
    conn = open_db(st["db"])
    old = registry.add_party(conn, raw, M, nbf=1, exp=int(time.time()) - 60).party
    conn.close()
    cfg = write_config(st["kdir"], st["db"], st["out"], listen=("127.0.0.1", st["port"]))
    assert cfg.left_out == [old] and old not in cfg.parties
    assert old not in read_password_file(st["out"] / "passwd")
    assert f"user {old}" not in (st["out"] / "acl").read_text()
    st["broker"].reload()
    assert not Client(st["port"], st["ca"], old, st["pw"](old), client_id=old).accepted


def test_credential_of_a_user_for_the_bridge_or_a_child_market(secure_street, tmp_path, capsys):
    st = secure_street
    a = st["parties"][0]
    out = tmp_path / "a.pw"
    assert main(["broker", "credential", a, "--keys", str(st["kdir"]), "-o", str(out)]) == 0
    assert out.read_text().strip() == st["pw"](a)
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    assert Client(st["port"], st["ca"], a, out.read_text().strip(), client_id=a).accepted
    assert main(["broker", "credential", "a b", "--keys", str(st["kdir"]), "-o", str(out)]) == 1
    assert "cannot be a broker username" in capsys.readouterr().err


def test_child_market_reaches_its_parent_over_tls_with_its_credential(secure_street, mosquitto, tmp_path):
    """A child market (its own street on the plain broker) follows its parent through the
    parent's TLS broker, logged in as its market id with the password `broker credential` gives."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from market_helpers import ServiceThread, wait_for

    from micromarket.fleet.broker import write_config
    from micromarket.market import registry
    from micromarket.market.clock import ManualClock
    from micromarket.market.core import Config
    from micromarket.market.service import ParentLink
    from micromarket.protocol.broker import parse

    st = secure_street
    child_key = Ed25519PrivateKey.generate()
    conn = open_db(st["db"])
    registry.add_party(conn, P.public_key_bytes(child_key), M, role="market", party="n1")
    conn.close()
    write_config(st["kdir"], st["db"], st["out"], listen=("127.0.0.1", st["port"]))
    st["broker"].reload()
    pw = tmp_path / "n1.pw"
    assert main(["broker", "credential", "n1", "--keys", str(st["kdir"]), "-o", str(pw)]) == 0
    url = f"mqtts://localhost:{st['port']}"
    parent_access = parse(url, st["ca"], market_user(M), st["out"] / "credentials" / market_user(M))
    clock = ManualClock(1_800_000_000 - 1_800_000_000 % 300 + 10)
    market_key = keys.load_private(st["kdir"], "market")
    link = ParentLink.from_url(f"{url}/{M}", P.public_key_bytes(market_key))
    link.access = parse(f"{url}/{M}", st["ca"], "n1", pw)
    with ServiceThread(st["db"], Config(market=M), market_key, clock, parent_access), \
            ServiceThread(tmp_path / "n1.db", Config(market="n1", parent=M), child_key, clock,
                          mosquitto.url, link) as child:
        wait_for(lambda: child.service.parent_context is not None, what="the parent's context")
        assert child.service.parent_context.market == M
    assert {"n1", market_user(M)} <= st["broker"].clients()
