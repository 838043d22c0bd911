# Boot wiring of the agent: the board, the clock, the store, the identity and the link, from the
# files the host wrote. main.py calls start(); tests call run() with a count of intervals.
#
#   config/board.json   the board (boards/*.toml compiled by the host): pins, meter, role
#   config/device.json  written by `micromarket provision`: market, personality, market_key (hex),
#                       registrar_key, and optionally broker, release_key, params
#   config/agent.json   optional, for deployments and simulations; overrides device.json:
#                       {"broker": "mqtt://127.0.0.1:1883", "keepalive": 30,
#                        "clock": {"speed": 1440, "anchor": 1767225600},
#                        "params": {...personality parameters...}, "interval": 900}
#   id/seed, id/enrollment.cose   the identity (identity.py)
#
# A board is "ready" when it has a board config, a device config naming a market and its key,
# and an identity; otherwise main.py leaves it at the REPL for provisioning.
import json
import sys

_DEVICE = "config/device.json"
_AGENT = "config/agent.json"

# personality defaults, overridden by the board's role and the device's params
_DEFAULTS = {
    "fixed": {"power_w": 500},
    "deferrable": {"power_w": 2000, "energy_wh": 3000, "deadline_s": 25200},
    "thermostatic": {"power_w": 2000, "lo_mc": 19000, "hi_mc": 22000, "loss_pm_h": 100,
                     "gain_mc_wh": 2, "mode": "heat"},
    "pv": {"peak_w": 4000, "margin_pm": 20},
    "battery": {"power_w": 3000, "capacity_wh": 10000},
}
_FRACTIONS = (("efficiency", "eff_pm"), ("soc_min", "soc_min_pm"), ("soc_max", "soc_max_pm"))


def _json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError:
        return default


def personality_params(kind, role, extra=None):
    """Integer personality parameters from the board's role (fractions become per-mille)."""
    p = dict(_DEFAULTS.get(kind, {}))
    if "max_power_w" in role:
        p["power_w"] = role["max_power_w"]
    if "capacity_wh" in role:
        p["capacity_wh"] = role["capacity_wh"]
    for name, pm in _FRACTIONS:
        if name in role:
            p[pm] = int(role[name] * 1000 + 0.5)
    for src in (role.get("params"), extra):
        if src:
            for k, v in src.items():
                p[k] = int(v) if isinstance(v, float) else v
    return p


def load_config():
    """Everything the agent needs from the config files, or None if the board is not ready."""
    board = _json("config/board.json")
    device = _json(_DEVICE)
    if not board or not device or "market_key" not in device:
        return None
    cfg = dict(device)
    cfg.update(_json(_AGENT, {}))
    role = board.get("role", {})
    kind = cfg.get("personality") or role.get("personality")
    cfg["personality"] = kind
    cfg["market_key"] = bytes.fromhex(cfg["market_key"])
    cfg["params"] = personality_params(kind, role, cfg.get("params"))
    cfg["board"] = board
    return cfg


def make_link(cfg, party):
    broker = cfg.get("broker", "mqtt://127.0.0.1:1883")
    if broker == "serial":
        import seriallink

        return seriallink.SerialLink(party)
    import mqtt

    host, port = mqtt.parse_url(broker)
    will = ("mm/%s/status/%s" % (cfg["market"], party), b"offline", False, 0)
    return mqtt.MQTTLink(host, port, client_id=party, keepalive=cfg.get("keepalive", 30),
                         will=will)


def build(cfg, log=print):
    """The Agent for this device, wired to its board, clock, store, identity and link."""
    import agent
    import hal
    import identity
    import simclock
    import store

    clock = simclock.from_config(cfg)
    board = hal.open_board(cfg["board"], clock=clock)
    key, party, _ = identity.load()
    del identity
    sys.modules.pop("identity", None)  # provisioning code: not needed while trading
    st = store.Store()
    link = make_link(cfg, party)
    return agent.Agent(board, link, st, key, party, cfg, clock=board.clock, log=log)


async def run(intervals=None, on_interval=None, log=print):
    cfg = load_config()
    if cfg is None:
        raise OSError("not configured: provision the device first")
    a = build(cfg, log)
    log("agent %s: %s in market %s" % (a.party, a.kind, a.market))
    await a.run(intervals, on_interval)
    return a


def start():
    import asyncio

    asyncio.run(run())
