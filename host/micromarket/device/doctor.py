"""`micromarket doctor --port PORT`: a bring-up report of one board, for a maker's bug report.

The board is soft-reset in the raw REPL (its agent does not start; the heap is fresh), then the
firmware's ``doctor`` module measures on the board what only the board can tell: chip, flash
size, CPU clock, free heap before and after the crypto core, free executable RAM (IRAM) before
and after it (where the native code goes), which crypto core loaded and its sign/verify times,
the meter with the relay off (no load) and on (the known load the maker plugged in, compared
with ``--load-w``), the relay's pin read back (listen for the clicks) and the clock. The host
adds the board clock's offset from its own. What a port cannot report (a virtual board has no
flash chip and no IRAM) is written as unavailable with the reason, never filled in.

Writes ``doctor-<board>-<UTC time>.json`` (everything) and ``.txt`` (the summary).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..errors import DeviceError, UsageError

WINDOW_MS = 2000  # each meter window (no load, load)
LOAD_TOLERANCE_PCT = 10


def probe(port: str, load_w: int = 0, window_ms: int = WINDOW_MS) -> dict:
    """Run the board's doctor module; the report it printed, with the host's view added."""
    from .target import DeviceExecError, connect

    with connect(port) as board:
        board.transport.enter_raw_repl(soft_reset=True)  # a fresh heap; main.py does not run
        sent = time.time()
        try:
            out = board.exec(f"import doctor\ndoctor.run({int(load_w)}, {int(window_ms)})",
                             timeout=120 + 3 * window_ms / 1000)
        except DeviceExecError as exc:
            if "doctor" in str(exc) and "ImportError" in str(exc):
                raise DeviceError(f"the firmware on {port} has no doctor module",
                                  f"deploy the current app first: micromarket deploy --port {port}") from exc
            raise
        back = time.time()
    line = next((ln for ln in out.splitlines() if ln.startswith("DOCTOR ")), None)
    if line is None:
        raise DeviceError(f"the board on {port} printed no report: {out.strip()[-200:]!r}",
                          "run it again; if it repeats, attach this output to the bug report")
    report = json.loads(line[len("DOCTOR "):])
    clock = report["clock"]
    # the board read its clock somewhere between sending and the answer; its offset is bounded
    clock["host_unix"] = int(back)
    clock["offset_s"] = clock["unix"] - int(back)
    clock["offset_bound_s"] = int(back - sent) + 1
    report["port"] = port
    report["taken"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(back))
    meter = report.get("meter", {})
    if "load_error_pct" in meter:
        meter["load_within_pct"] = LOAD_TOLERANCE_PCT
        meter["load_ok"] = abs(meter["load_error_pct"]) <= LOAD_TOLERANCE_PCT
    return report


def _val(v, fmt="{}"):
    if isinstance(v, dict) and "unavailable" in v:
        return f"unavailable ({v['unavailable']})"
    return fmt.format(v)


def _kb(n):
    return f"{n / 1024:.1f} KB"


def summary(r: dict) -> str:
    """The human half of the report: one line per check."""
    chip, c, fw = r["chip"], r["crypto"], r["firmware"]
    lines = [f"micromarket doctor: {fw['board']} on {r['port']}, {r['taken']}",
             f"chip        {chip['machine']} ({chip['platform']}, MicroPython {chip['micropython']}),"
             f" CPU {_val(chip['cpu_hz'], '{} Hz')}",
             f"flash       {_val(chip['flash_bytes'], '{} bytes')}",
             f"firmware    {fw['version']}",
             f"heap        {_kb(r['heap_at_start']['free'])} free at start, "
             f"{_kb(r['heap_after_crypto']['free'])} after the crypto core, "
             f"{_kb(r['heap_at_end']['free'])} at the end"]
    before, after = r["exec_ram_before_crypto"], r["exec_ram_after_crypto"]
    if "unavailable" in before:
        lines.append(f"IRAM        {_val(before)}")
    else:
        lines.append(f"IRAM        {_kb(before['free'])} free of {_kb(before['total'])} before the "
                     f"crypto core, {_kb(after['free'])} after (largest block "
                     f"{_kb(after['largest_free'])})")
    core = c["variant"] + (f" — {c['native_error']}" if c["native_error"] else "")
    lines.append(f"crypto      {core}; sign {c['sign_ms']:.2f} ms, verify {c['verify_ms']:.2f} ms "
                 f"({c['rounds']} rounds); verifies its own signature: {c['verify_ok']}, "
                 f"rejects a forgery: {c['rejects_forgery']}")
    m = r.get("meter", {})
    if "error" in m:
        lines.append(f"meter       could not be opened: {m['error']}")
    else:
        for key, what in (("no_load", "relay off"), ("load", "relay on"), ("now", "now")):
            if key in m:
                w = m[key]
                lines.append(f"meter       {what}: {w['power_w']} W (min {w['min_w']}, max "
                             f"{w['max_w']}, {w['samples']} samples), {w['voltage_mv'] / 1000:.1f} V,"
                             f" {w['current_ma']} mA, {w['errors']} errors [{m['driver']}]")
        if "known_load_w" in m:
            verdict = "ok" if m["load_ok"] else f"OUTSIDE ±{m['load_within_pct']}%: check calibration"
            lines.append(f"known load  {m['known_load_w']} W expected, "
                         f"{m['load_error_pct']:+.1f}% measured — {verdict}")
        relay = m.get("relay")
        if isinstance(relay, dict) and "switches" in relay:
            lines.append(f"relay       switched on and off ({relay['switches']} switches), pin read "
                         f"back {relay['pin_on']}/{relay['pin_off']}"
                         f"{' (inverted)' if relay['inverted'] else ''}: did it click twice?")
        elif relay is not None:
            lines.append(f"relay       {_val(relay)}")
    k = r["clock"]
    lines.append(f"clock       {'knows the time' if k['known'] else 'has NOT learnt the time'}, "
                 f"{k['offset_s']:+d} s from the host (±{k['offset_bound_s']} s); RTC "
                 f"{_val(k['rtc'])}")
    return "\n".join(lines)


def write(report: dict, out_dir: Path) -> tuple[Path, Path]:
    """The JSON and the summary, named after the board and the time; their paths."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write to {out_dir}: {exc.strerror}", "give another --out") from exc
    stem = f"doctor-{report['firmware']['board']}-{report['taken'].replace(':', '').replace('-', '')}"
    js, txt = out_dir / f"{stem}.json", out_dir / f"{stem}.txt"
    js.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    txt.write_text(summary(report) + "\n")
    return js, txt
