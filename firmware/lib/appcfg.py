# Boot-time reading of the device's files (app.py imports this module, uses it once and drops
# it, so its code costs no heap while the agent trades):
#
#   config/board.json   the board (boards/*.toml compiled by the host): pins, meter, role
#   config/device.json  written by `micromarket provision`: market, personality, market_key (hex),
#                       registrar_key, and optionally broker, release_key, params
#   config/broker.json  written by provisioning: {"password": ...}, the device's broker password
#                       (its username is its party id)
#   config/ca.der       the neighbourhood CA an mqtts:// broker's certificate must chain to
#   config/agent.json   optional, for deployments and simulations; overrides device.json:
#                       {"broker": "mqtt://127.0.0.1:1883", "keepalive": 30,
#                        "clock": {"speed": 1440, "anchor": 1767225600},
#                        "params": {...personality parameters...}, "interval": 900}
#   id/seed, id/enrollment.cose   the identity (written by identity.py)
import json

# personality defaults, overridden by the board's role and the device's params
_DEFAULTS = {
    "fixed": {"power_w": 500},
    "deferrable": {"power_w": 2000, "energy_wh": 3000, "deadline_s": 25200},
    "thermostatic": {"power_w": 2000, "lo_mc": 19000, "hi_mc": 22000, "loss_pm_h": 100,
                     "gain_mc_wh": 2, "mode": "heat"},
    "pv": {"peak_w": 4000},
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
    device = _json("config/device.json")
    if not board or not device or "market_key" not in device:
        return None
    cfg = dict(device)
    cfg.update(_json("config/agent.json", {}))
    role = board.get("role", {})
    kind = cfg.get("personality") or role.get("personality")
    cfg["personality"] = kind
    cfg["market_key"] = bytes.fromhex(cfg["market_key"])
    cfg["params"] = personality_params(kind, role, cfg.get("params"))
    cfg["board"] = board
    cfg["interval"] = _interval(cfg.get("interval", 900))
    access = _json("config/broker.json")
    if access and "password" in access:
        cfg["broker_password"] = access["password"]
    return cfg


def _interval(default):
    """The interval's length the market's latest context said (the agent keeps it in the store,
    record "len"): a board reset while no broker lets it in gets no context, and intervals of
    the config's length were refused by the market (too much energy) or never delivered."""
    import store

    try:
        return int(store.Store().get("len") or default)
    except (store.StoreError, ValueError, OSError):  # damaged, or no flash: the config's
        return default


def enrolled_key(data):
    """The public key an enrollment credential (COSE bytes) names, None if it names none."""
    import wire

    try:
        return wire.loads(wire.open1(data)[2])["key"]
    except (ValueError, KeyError, TypeError):
        return None


def load_identity():
    """(signing key, party id, enrollment bytes) of a provisioned device; ValueError if not."""
    import ed25519
    import store
    import wire

    seed = store.read_file("id/seed")
    data = store.read_file("id/enrollment.cose")
    if seed is None or len(seed) != 32 or data is None:
        raise ValueError("not provisioned: run micromarket provision")
    sk = ed25519.SigningKey(seed)
    if enrolled_key(data) != sk.public:
        raise ValueError("enrollment does not match the key: run micromarket provision --force")
    return sk, wire.party_id(sk.public), data


def tls_context():
    """A tls.SSLContext verifying the broker against config/ca.der, or None without that file."""
    try:
        with open("config/ca.der", "rb") as f:
            ca = f.read()
    except OSError:
        return None
    import tls

    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = tls.CERT_REQUIRED
    ctx.load_verify_locations(ca)  # DER; the C method takes it positionally
    return ctx
