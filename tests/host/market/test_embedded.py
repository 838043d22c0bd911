"""The embedded broker of `market serve`: a Mosquitto password file lets users in, nobody else;
listening beyond loopback without one is warned about."""

import asyncio
import threading

import paho.mqtt.client as mqtt

from micromarket.market.embedded import exposure_warning, start_embedded_broker
from micromarket.protocol.broker import hash_password
from micromarket.sim.fleet import free_port


def _answer(port, username=None, password=None) -> bool:
    """Whether the broker accepts a connection with these credentials."""
    got, done = [], threading.Event()
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{username}", protocol=mqtt.MQTTv311)
    if username:
        c.username_pw_set(username, password)
    c.on_connect = lambda _c, _u, _f, reason, _p: (got.append(not reason.is_failure), done.set())
    c.on_disconnect = lambda *_a: done.set()
    c.connect("127.0.0.1", port)
    c.loop_start()
    done.wait(10)
    c.disconnect()
    c.loop_stop()
    return bool(got and got[0])


def test_password_file_lets_in_only_its_users(tmp_path):
    passwd = tmp_path / "passwd"
    passwd.write_text(f"mm-market-elm:{hash_password('right')}\np0123456789abcdef:{hash_password('dev')}\n")
    port = free_port()

    async def run():
        broker = await start_embedded_broker(port, "127.0.0.1", passwd)
        try:
            return await asyncio.gather(*(asyncio.to_thread(_answer, port, *cred) for cred in (
                ("mm-market-elm", "right"), ("p0123456789abcdef", "dev"), ("mm-market-elm", "wrong"),
                ("nobody", "right"), (None, None))))
        finally:
            await broker.shutdown()

    assert asyncio.run(run()) == [True, True, False, False, False]


def test_exposure_is_warned_about():
    assert exposure_warning("127.0.0.1", None) is None
    assert exposure_warning("localhost", None) is None
    assert exposure_warning("::1", None) is None
    assert "without credentials" in exposure_warning("0.0.0.0", None)
    assert exposure_warning("0.0.0.0", "passwd") is None


def test_market_serve_with_a_password_file_lets_in_its_users_and_itself(tmp_path):
    """`market serve --listen HOST:PORT --broker-passwd passwd`: the market reaches its own broker
    (with a password of the run), a device of the file reads the market's context, an
    anonymous client is refused."""
    import signal
    import subprocess
    import sys
    import time

    from micromarket import keys

    keys.init(tmp_path / "keys", roles=("market",))
    passwd = tmp_path / "passwd"
    passwd.write_text(f"p0123456789abcdef:{hash_password('dev')}\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "micromarket.cli", "market", "serve", "--market", "elm",
                             "--db", str(tmp_path / "m.db"), "--keys", str(tmp_path / "keys"),
                             "--listen", f"127.0.0.1:{port}", "--broker-passwd", str(passwd)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        got, done = [], threading.Event()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="dev", protocol=mqtt.MQTTv311)
        c.username_pw_set("p0123456789abcdef", "dev")
        c.on_connect = lambda cl, _u, _f, reason, _p: cl.subscribe("mm/elm/context", qos=1)
        c.on_message = lambda _c, _u, msg: (got.append(msg.topic), done.set())
        for _ in range(100):
            try:
                c.connect("127.0.0.1", port)
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.1)
        c.loop_start()
        assert done.wait(30), "no context from the market"
        c.disconnect()
        c.loop_stop()
        assert got[0] == "mm/elm/context"
        assert not _answer(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, proc.stderr.read().decode()
