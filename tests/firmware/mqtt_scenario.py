"""Scenarios for the device's MQTT client, run on the unix port against a real broker.

Usage: micropython mqtt_scenario.py SCENARIO PORT. Prints one event a line (flushed) for the
pytest side, which drives the broker and a paho client in step with them.
"""

import asyncio
import sys

import mqtt


def say(*parts):
    print(*parts)


async def until(pred, ms, step=20):
    while ms > 0 and not pred():
        await asyncio.sleep_ms(step)
        ms -= step
    return pred()


async def basic(port):
    link = mqtt.MQTTLink("127.0.0.1", port, client_id="dev-basic", keepalive=1,
                         will=("t/will", b"gone", False, 1))
    await link.subscribe("t/retained")  # before connecting: sent on connect
    say("CONNECTED", await link.connect(wait_ms=3000))
    await link.subscribe("t/in/#")
    topic, payload = await link.recv()
    say("RECV", topic, payload.decode())
    await link.publish("t/out/0", b"zero")
    await link.publish("t/out/1", b"one", qos=1)
    say("PUBACKED")
    await asyncio.sleep_ms(3500)  # idle past 1.5 keep-alives: only PINGREQ keeps us in
    say("IDLE", link.connected, link.connects, link.pings > 0)
    say("WAITING")
    for _ in range(3):
        topic, payload = await link.recv()
        say("RECV", topic, len(payload), payload[:8].decode())
    say("DROPPED", link.dropped, link.connected)
    say("READY-FOR-KILL")
    await asyncio.sleep(30)


async def restart(port):
    link = mqtt.MQTTLink("127.0.0.1", port, client_id="dev-restart", keepalive=2,
                         backoff_base_ms=100, backoff_max_ms=400)
    await link.subscribe("t/r")
    say("UP", await link.connect(wait_ms=3000), link.connects)
    await until(lambda: not link.connected, 10000)
    say("DOWN-SEEN", link.connected)
    try:
        await link.publish("t/out", b"lost", qos=1)
        say("PUBLISHED-WHILE-DOWN")
    except mqtt.LinkDown:
        say("LINKDOWN")
    say("RECONNECTED", await until(lambda: link.connects >= 2, 20000), link.connects)
    await asyncio.sleep_ms(200)
    await link.publish("t/out", b"after", qos=1)
    say("PUBACKED")
    topic, payload = await link.recv()
    say("RECV", topic, payload.decode())
    await link.close()
    say("CLOSED", link.connected)


async def unreachable(port):
    link = mqtt.MQTTLink("127.0.0.1", port, client_id="dev-late", keepalive=5,
                         backoff_base_ms=50, backoff_max_ms=300)
    await link.subscribe("t/go")
    say("CONNECTED", await link.connect(wait_ms=400))
    try:
        await link.publish("t/late", b"x")
    except mqtt.LinkDown:
        say("LINKDOWN")
    say("WAITING")
    say("RECONNECTED", await until(lambda: link.connected, 20000))
    await link.recv()  # the host's go-ahead (retained), once its own subscription stands
    await link.publish("t/late", b"made it", qos=1)
    say("PUBACKED")
    await link.close()


async def silent(port):
    """The broker accepts, acknowledges, then says nothing: the client gives up on it."""
    link = mqtt.MQTTLink("127.0.0.1", port, client_id="dev-silent", keepalive=1,
                         backoff_base_ms=50, backoff_max_ms=100)
    say("CONNECTED", await link.connect(wait_ms=3000))
    say("RECONNECTED", await until(lambda: link.connects >= 2, 10000), link.last_error)
    await link.close()


async def secure(port):
    """TLS pinned to the CA in the DER file argv[5], logged in as argv[3] with password argv[4]:
    publish on our tender topic, then wait for what the market sends us."""
    user, password, ca_path, host = sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
    import tls

    with open(ca_path, "rb") as f:
        ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        ctx.verify_mode = tls.CERT_REQUIRED
        ctx.load_verify_locations(f.read())
    link = mqtt.MQTTLink(host, port, client_id=user, keepalive=5, user=user, password=password,
                         tls=ctx, backoff_base_ms=100, backoff_max_ms=300)
    await link.subscribe("mm/elm/award/" + user)
    ok = await link.connect(wait_ms=6000)
    say("CONNECTED", ok, link.last_error)
    if not ok:
        await asyncio.sleep_ms(1000)  # keeps trying, and keeps failing the same way
        say("STILL", link.connected, link.connects, link.last_error)
        await link.close()
        return
    await link.publish("mm/elm/tender/" + user, b"signed tender", qos=1)
    say("PUBACKED")
    topic, payload = await link.recv()
    say("RECV", topic, payload.decode())
    await link.close()


def main():
    scenario, port = sys.argv[1], int(sys.argv[2])
    asyncio.run({"basic": basic, "restart": restart, "unreachable": unreachable,
                 "silent": silent, "secure": secure}[scenario](port))


main()
