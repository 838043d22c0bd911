# Bring-up checks that only the board itself can answer, run by the host's `micromarket doctor`
# through the raw REPL right after a soft reset: run(load_w, window_ms) prints one line
# "DOCTOR {json}". Everything is measured here, on the board. What this port cannot tell (the
# unix port of a virtual board has no flash chip and no executable-RAM heap) is reported as
# {"unavailable": why}, never made up. Nothing imports this module but the host's doctor.
import gc
import json
import sys
import time


def _na(why):
    return {"unavailable": why}


def _chip():
    import os

    out = {}
    out["platform"] = sys.platform
    try:
        out["machine"] = os.uname().machine
    except AttributeError:  # the unix port has no os.uname: the build's own description
        out["machine"] = getattr(sys.implementation, "_machine", sys.platform)
    out["micropython"] = "%d.%d.%d" % sys.implementation.version[:3]
    try:
        import esp

        out["flash_bytes"] = esp.flash_size()
    except ImportError:
        out["flash_bytes"] = _na("the %s port has no flash chip to ask" % sys.platform)
    try:
        import machine

        out["cpu_hz"] = machine.freq()
        out["unique_id"] = "".join("%02x" % b for b in machine.unique_id())
    except (ImportError, AttributeError):
        out["cpu_hz"] = out["unique_id"] = _na("the %s port has no machine.freq/unique_id"
                                               % sys.platform)
    return out


def _exec_ram():
    """Executable RAM (IRAM) left for native code: where the viper core's code is copied."""
    try:
        import esp32
    except ImportError:
        return _na("the %s port keeps native code in ordinary memory: no IRAM to measure"
                   % sys.platform)
    regions = esp32.idf_heap_info(esp32.HEAP_EXEC)
    return {"total": sum(r[0] for r in regions), "free": sum(r[1] for r in regions),
            "largest_free": max([r[2] for r in regions] or [0]), "regions": len(regions)}


def _heap():
    gc.collect()
    return {"free": gc.mem_free(), "used": gc.mem_alloc()}


def _crypto():
    import ed25519

    key = ed25519.SigningKey(bytes(range(32)))
    msg = b"doctor:" + bytes(120)
    sig = key.sign(msg)
    n = 20 if ed25519.VARIANT == "viper" else 2
    ok = False
    t = time.ticks_us()
    for _ in range(n):
        key.sign(msg)
    sign_us = time.ticks_diff(time.ticks_us(), t) // n
    t = time.ticks_us()
    for _ in range(n):
        ok = ed25519.verify(key.public, msg, sig)
    verify_us = time.ticks_diff(time.ticks_us(), t) // n
    return {"variant": ed25519.VARIANT, "native_error": ed25519.NATIVE_ERROR, "verify_ok": ok,
            "rejects_forgery": not ed25519.verify(key.public, msg + b"!", sig),
            "sign_ms": sign_us / 1000, "verify_ms": verify_us / 1000, "rounds": n}


def _window(board, window_ms):
    """The meter over ``window_ms``: power samples (W), volts, amps, energy booked (Wh)."""
    m = board.meter
    m.poll()
    wh0 = m.import_wh - m.export_wh
    samples = []
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < window_ms:
        time.sleep_ms(100)
        m.poll()
        samples.append(m.power_w)
    return {"power_w": sum(samples) // len(samples), "min_w": min(samples),
            "max_w": max(samples), "samples": len(samples), "voltage_mv": m.voltage_mv,
            "current_ma": m.current_ma, "net_wh": m.import_wh - m.export_wh - wh0,
            "errors": m.errors}


def _meter_and_relay(board, load_w, window_ms):
    out = {}
    out["driver"] = type(board.meter).__name__
    relay = board.relay
    if relay is None:
        out["relay"] = _na("this board has no relay")
        out["now"] = _window(board, window_ms)
        return out
    board.set_relay(False)
    out["no_load"] = _window(board, window_ms)
    board.set_relay(True)  # a click on a real board: listen for it
    on_level = relay._pin.value()
    out["load"] = _window(board, window_ms)
    board.set_relay(False)
    out["relay"] = {"switches": relay.switches, "pin_on": on_level,
                    "pin_off": relay._pin.value(), "inverted": bool(relay._inv)}
    if load_w:
        got = out["load"]["power_w"] - out["no_load"]["power_w"]
        out["known_load_w"] = load_w
        out["load_error_pct"] = (got - load_w) * 100 / load_w
    return out


def _clock():
    from hal_clock import Clock

    c = Clock()
    out = {}
    out["unix"], out["known"], out["port_epoch"] = c.unix(), c.known(), time.gmtime(0)[0]
    try:
        import machine

        out["rtc"] = list(machine.RTC().datetime())
    except (ImportError, AttributeError):
        out["rtc"] = _na("the %s port has no machine.RTC" % sys.platform)
    return out


def run(load_w=0, window_ms=2000):
    report = {}
    report["heap_at_start"] = _heap()
    report["chip"], report["exec_ram_before_crypto"] = _chip(), _exec_ram()
    import fwinfo

    report["firmware"] = {"version": fwinfo.VERSION, "board": fwinfo.board_name()}
    report["crypto"] = _crypto()  # the core first, as mmboot loads it
    report["exec_ram_after_crypto"] = _exec_ram()
    report["heap_after_crypto"] = _heap()
    try:
        import hal

        report["meter"] = _meter_and_relay(hal.open_board(), load_w, window_ms)
    except (OSError, ValueError, KeyError) as exc:  # no board config, or a driver that fails
        report["meter"] = {"error": "%s: %s" % (type(exc).__name__, exc)}
    report["clock"] = _clock()
    report["heap_at_end"] = _heap()
    print("DOCTOR", json.dumps(report))
