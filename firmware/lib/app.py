# Boot wiring of the agent: the board, the clock, the store, the identity and the link, from the
# files the host wrote (read by appcfg.py, see there). mmboot (main.py's boot) calls run(); tests
# call it with a count of intervals.
#
# A board is "ready" when it has a board config, a device config naming a market and its key,
# and an identity; otherwise mmboot leaves it at the REPL for provisioning. The config and the
# identity are read by boot-only code (appcfg) that is dropped before trading, and the config
# itself is not kept: each part keeps what it uses.
import sys

_MAX_PACKET = 2304  # the link's receive buffer: wire's largest message (2 KB), topic, header
# That buffer is made when app is imported: mmboot imports app right after the crypto core,
# while the heap is still in one piece. Made later, after the agent's other imports, 2.3 KB in
# one block may no longer be there (a MemoryError at boot, seen on a virtual board at 110 KB).
_RX = bytearray(_MAX_PACKET)


def _appcfg():
    import appcfg

    sys.modules.pop("appcfg", None)  # boot-only: freed once the caller is done with it
    return appcfg


# The TLS context that trusts only the neighbourhood CA (config/ca.der, which provisioning writes
# for an mqtts:// broker), or None. Made here for the same reason as _RX: mbedTLS's state and the
# parsed CA take ~3 KB in one block, there only early. Kept for every connection.
_TLS = _appcfg().tls_context()


def load_config():
    """Everything the agent needs from the config files, or None if the board is not ready."""
    return _appcfg().load_config()


def make_link(cfg, party):
    broker = cfg.get("broker", "mqtt://127.0.0.1:1883")
    if broker == "serial":
        import seriallink

        return seriallink.SerialLink(party)
    if broker == "mdns":  # provisioned without an address: ask the network, until the market answers
        import mdns

        while True:
            broker = mdns.find(cfg["market"], cfg["market_key"])
            if broker:
                break
        sys.modules.pop("mdns", None)  # boot-only
    import mqtt
    import wire

    host, port, tls = mqtt.parse_url(broker)
    # Reconnect attempts back off to at most 30 s of the device's time. A simulated clock at
    # speed S shrinks that to 30/S s of real time (never under the 250 ms first step): a sped-up
    # day then sees an outage end when a real device would, not hours of its time later.
    cap = int(30000 / (cfg.get("clock") or {}).get("speed", 1))
    return mqtt.MQTTLink(host, port, client_id=party, keepalive=cfg.get("keepalive", 30),
                         will=(wire.topic(cfg["market"], "status", party), b"offline", False, 0),
                         backoff_max_ms=cap if cap > 250 else 250, rx=_RX,
                         user=party, password=cfg.get("broker_password"), tls=_TLS if tls else None)


def build(cfg, log=print):
    """The Agent for this device, wired to its board, clock, store, identity and link."""
    import agent
    import hal
    import store

    clock = None
    if cfg.get("clock"):  # a simulated clock (virtual boards): a real board keeps its own
        import simclock

        clock = simclock.from_config(cfg)
    board = hal.Board(cfg.pop("board"), clock=clock)
    key, party, _ = _appcfg().load_identity()
    return agent.Agent(board, make_link(cfg, party), store.Store(), key, party, cfg, log=log)


async def run(intervals=None, on_interval=None, log=print, app=None):
    """``app``: the installed app's state (update.STATE, read by mmboot), for the agent's status."""
    cfg = load_config()
    if cfg is None:
        raise OSError("not configured: provision the device first")
    cfg["app"] = app or {}
    a = build(cfg, log)
    del cfg
    log("agent %s: %s in market %s" % (a.party, a.kind, a.market))
    await a.run(intervals, on_interval)
    return a
