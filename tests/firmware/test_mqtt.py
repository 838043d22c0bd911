"""The device's MQTT 3.1.1 client on the unix port against a real Mosquitto: subscriptions,
retained messages, QoS 0/1 both ways, keep-alive, last will, oversized packets, broker restart and
late broker, reconnect with back-off."""

import time
from pathlib import Path

import pytest

# a helper beside this file (tests/conftest.py puts tests/firmware on sys.path)
from devproc import DeviceProcess, HostClient

SCENARIO = Path(__file__).parent / "mqtt_scenario.py"


def test_publish_subscribe_keepalive_will(mosquitto):
    host = HostClient(mosquitto.port, ["t/out/#", "t/will"])
    host.publish("t/retained", b"ctx-1", retain=True)
    try:
        with DeviceProcess(SCENARIO, "basic", mosquitto.port) as dev:
            assert dev.expect("CONNECTED") == "CONNECTED True"
            assert dev.expect("RECV") == "RECV t/retained ctx-1"
            dev.expect("PUBACKED")
            got = sorted([host.get()[:2], host.get()[:2]])
            assert got == [("t/out/0", b"zero"), ("t/out/1", b"one")]
            # 3.5 s idle with a 1 s keep-alive: the broker would have cut a silent client
            assert dev.expect("IDLE") == "IDLE True 1 True"
            dev.expect("WAITING")
            host.publish("t/in/a", b"hello-qos1", qos=1)
            host.publish("t/in/big", b"B" * 6000, qos=0)  # above max_packet: skipped
            host.publish("t/in/b", b"qos0-msg", qos=0)
            host.publish("t/in/c", b"x" * 4000, qos=1)  # just inside max_packet
            assert dev.expect("RECV") == "RECV t/in/a 10 hello-qo"
            assert dev.expect("RECV") == "RECV t/in/b 8 qos0-msg"
            assert dev.expect("RECV") == "RECV t/in/c 4000 xxxxxxxx"
            assert dev.expect("DROPPED") == "DROPPED 1 True"
            dev.expect("READY-FOR-KILL")
            assert host.messages.empty()
            dev.kill()  # power cut: the broker publishes the last will
            topic, payload, _ = host.get(timeout=10)
            assert (topic, payload) == ("t/will", b"gone")
    finally:
        host.publish("t/retained", b"", retain=True)
        host.close()


def test_broker_restart_reconnects_and_resubscribes(fresh_mosquitto):
    with DeviceProcess(SCENARIO, "restart", fresh_mosquitto.port) as dev:
        assert dev.expect("UP") == "UP True 1"
        fresh_mosquitto.stop()
        assert dev.expect("DOWN-SEEN") == "DOWN-SEEN False"
        assert dev.expect("LINKDOWN", timeout=10) == "LINKDOWN"
        time.sleep(1.0)  # a few reconnect attempts against a closed port
        fresh_mosquitto.start()
        host = HostClient(fresh_mosquitto.port, ["t/out"])
        try:
            assert dev.expect("RECONNECTED", timeout=30) == "RECONNECTED True 2"
            dev.expect("PUBACKED")
            assert host.get()[:2] == ("t/out", b"after")
            host.publish("t/r", b"renewed")  # reaches the device only if it resubscribed
            assert dev.expect("RECV") == "RECV t/r renewed"
            assert dev.expect("CLOSED") == "CLOSED False"
            assert dev.wait() == 0
        finally:
            host.close()


def test_broker_that_comes_up_late(fresh_mosquitto):
    fresh_mosquitto.stop()
    with DeviceProcess(SCENARIO, "unreachable", fresh_mosquitto.port) as dev:
        assert dev.expect("CONNECTED") == "CONNECTED False"
        dev.expect("LINKDOWN")
        dev.expect("WAITING")
        time.sleep(0.5)
        fresh_mosquitto.start()
        host = HostClient(fresh_mosquitto.port, ["t/late"])
        host.publish("t/go", b"go", retain=True)
        try:
            assert dev.expect("RECONNECTED", timeout=30) == "RECONNECTED True"
            dev.expect("PUBACKED")
            assert host.get()[:2] == ("t/late", b"made it")
            assert dev.wait() == 0
        finally:
            host.close()


def test_silent_broker_is_given_up_after_one_and_a_half_keepalives():
    """A 'broker' that acknowledges the CONNECT and then never answers a PINGREQ."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    accepted = []

    def serve():
        while len(accepted) < 2:
            conn, _ = server.accept()
            conn.recv(1024)
            conn.sendall(b"\x20\x02\x00\x00")  # CONNACK, accepted
            accepted.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    try:
        with DeviceProcess(SCENARIO, "silent", server.getsockname()[1]) as dev:
            assert dev.expect("CONNECTED") == "CONNECTED True"
            assert dev.expect("RECONNECTED") == "RECONNECTED True broker silent"
            assert dev.wait() == 0
    finally:
        for conn in accepted:
            conn.close()
        server.close()


def test_backoff_grows_exponentially_with_jitter_and_a_cap(mp):
    out = mp("import mqtt, random\n"
             "random.seed(1)\n"
             "print([[mqtt.backoff_ms(a, 250, 30000) for a in range(12)] for _ in range(40)])\n")
    runs = eval(out)
    for delays in runs:
        for attempt, d in enumerate(delays):
            nominal = min(250 << attempt, 30000)
            assert nominal // 2 <= d <= nominal
    # jitter: the fleet does not retry in step
    assert len({tuple(r) for r in runs}) > 30


def test_device_link_backs_off_in_the_devices_own_time(mp):
    """30 s at most on a real clock; on a simulated clock at speed S, 30/S s of real time but
    never under the first step, so a sped-up day's outage ends when a real device's would."""
    out = mp("import app\n"
             "for clock in (None, {'speed': 10}, {'speed': 1440}, {'speed': 0.5}):\n"
             "    cfg = {'market': 'm1', 'broker': 'mqtt://127.0.0.1:1'}\n"
             "    if clock: cfg['clock'] = clock\n"
             "    link = app.make_link(cfg, 'p1')\n"
             "    print(link.backoff_base_ms, link.backoff_max_ms)\n")
    assert out.split("\n")[:4] == ["250 30000", "250 3000", "250 250", "250 60000"]


def paho_connect_bytes(user=None, password=None):
    """The CONNECT paho sends for the same client id, keep-alive, will and credentials, caught by a socket."""
    import socket

    import paho.mqtt.client as paho

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="dev1",
                        protocol=paho.MQTTv311)
        c.will_set("mm/m/will", b"bye", qos=1, retain=True)
        if user is not None:
            c.username_pw_set(user, password)
        c.connect("127.0.0.1", server.getsockname()[1], keepalive=30)
        conn, _ = server.accept()
        c.loop_write()
        conn.settimeout(5)
        data = conn.recv(4096)
        conn.close()
        c.socket().close()
        return data


@pytest.mark.parametrize("pkt", ["connect", "login", "publish"])
def test_packets_match_paho_bytes(mp, pkt):
    """The client's CONNECT (with and without credentials) and PUBLISH encodings are
    byte-identical to paho's."""
    if pkt == "connect":
        code = ("import mqtt\nprint(bytes(mqtt.connect_packet('dev1', 30, "
                "('mm/m/will', b'bye', True, 1))).hex())")
        want = paho_connect_bytes()
    elif pkt == "login":
        code = ("import mqtt\nprint(bytes(mqtt.connect_packet('dev1', 30, "
                "('mm/m/will', b'bye', True, 1), 'p0123456789abcdef', 'pa55-w0rd')).hex())")
        want = paho_connect_bytes("p0123456789abcdef", "pa55-w0rd")
    else:
        code = ("import mqtt\nprint(bytes(mqtt.publish_packet('mm/m/tender/p01', b'\\x01' * 200,"
                " True, 1, 7)).hex())")
        # header 0x33, remaining length 2+15+2+200=219 -> varint 0xdb 0x01
        want = bytes([0x33, 0xDB, 0x01, 0, 15]) + b"mm/m/tender/p01" + b"\x00\x07" + b"\x01" * 200
    assert bytes.fromhex(mp(code).strip()) == want


def _der(pem_path, out):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    out.write_bytes(x509.load_pem_x509_certificate(pem_path.read_bytes()).public_bytes(
        serialization.Encoding.DER))
    return out


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_tls_with_the_pinned_ca_and_a_password(secure_street, tmp_path, host):
    """The device's client through MicroPython's tls module (mbedTLS) to Mosquitto configured by
    `micromarket broker config`, at the board's heap: it publishes on its own topic and hears
    the market, by name or by address (the certificate names both)."""
    st = secure_street
    a = st["parties"][0]
    ca = _der(st["ca"], tmp_path / "ca.der")
    from broker_clients import Client  # tests/host/fleet, on the path

    market = Client(st["port"], st["ca"], "mm-market-elm", st["pw"]("mm-market-elm"),
                    subscribe=["mm/elm/tender/+"])
    try:
        with DeviceProcess(SCENARIO, "secure", st["port"], a, st["pw"](a), ca, host) as dev:
            assert dev.expect("CONNECTED") == "CONNECTED True None"
            dev.expect("PUBACKED")
            market.publish(f"mm/elm/award/{a}", b"award")
            assert dev.expect("RECV") == f"RECV mm/elm/award/{a} award"
        assert (f"mm/elm/tender/{a}", b"signed tender", False) in market.got
    finally:
        market.close()


@pytest.mark.parametrize("case", ["wrong-ca", "wrong-password", "revoked"])
def test_tls_refusals_are_logged_and_retried(secure_street, tmp_path, case):
    """A broker certificate from another CA, a wrong password, a party left out: the device
    does not connect, says why in last_error, and keeps trying (nothing is sent)."""
    from micromarket.fleet import ca as fleet_ca

    st = secure_street
    a = st["parties"][0]
    ca_pem, password = st["ca"], st["pw"](a)
    if case == "wrong-ca":
        fleet_ca.init(tmp_path / "other")
        ca_pem = tmp_path / "other" / fleet_ca.CA_CERT
    elif case == "wrong-password":
        password = "guess"
    else:
        from micromarket.fleet.broker import write_config

        write_config(st["kdir"], st["db"], st["out"], listen=("127.0.0.1", st["port"]), revoke=[a])
        st["broker"].reload()
    ca = _der(ca_pem, tmp_path / "ca.der")
    with DeviceProcess(SCENARIO, "secure", st["port"], a, password, ca, "localhost") as dev:
        line = dev.expect("CONNECTED")
        assert line.startswith("CONNECTED False")
        still = dev.expect("STILL")
    if case == "wrong-ca":
        assert "VERIFY" in line.upper() or "CERT" in line.upper(), line
    else:
        assert "connection refused: 5" in line, line  # not authorised
    assert still.startswith("STILL False 0"), still
