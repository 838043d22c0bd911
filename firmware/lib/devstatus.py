# The device's own view for `micromarket status --port`: who it is, what it runs, and what its
# agent recorded after its last interval (agent.py, _finish). The host runs report() in the raw
# REPL of a board in maintenance (rebooted without its app), then resets it to trade again.
import gc
import json

import fwinfo
import store


def _json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _party():
    data = store.read_file("id/enrollment.cose")
    if data is None:
        return None
    import wire

    try:
        return wire.loads(wire.open1(data)[2]).get("party")
    except (ValueError, KeyError, TypeError):
        return None


def report():
    """Print the device's view as one line of JSON."""
    device = _json("config/device.json")
    out = {"board": fwinfo.board_name(), "firmware": fwinfo.VERSION,
           "app": _json("app.json").get("version") or fwinfo.VERSION,
           "market": device.get("market"), "role": device.get("role"),
           "personality": device.get("personality"),
           "broker": _json("config/agent.json").get("broker"), "party": _party()}
    st = store.Store()
    out["queue"] = len(st)
    saved = st.get_json("agent") or {}
    out["last"] = saved.get("last")
    out["balance"] = saved.get("bal")
    out["heap_free"] = saved.get("free")
    gc.collect()
    out["heap_free_idle"] = gc.mem_free()
    print(json.dumps(out))
