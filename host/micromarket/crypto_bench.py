"""`micromarket bench crypto`: Ed25519 sign/verify and SHA-512 speed of the firmware's core.

On the unix port (no ``--port``), in one run: the viper core, the big-int baseline
(tools/bench/ed25519_bigint.py) in the same interpreter, and libsodium (PyNaCl) on CPython,
with the ratios, heap per sign, import heap and the size of the xtensawin ``.mpy`` files. With
``--port`` the same timing script runs on the board through its raw REPL.
"""

from __future__ import annotations

import ast
import json
import subprocess
import tempfile
import time
from pathlib import Path

import click

from . import upy
from .errors import MicromarketError
from .paths import FIRMWARE_DIR, ROOT, tool

BENCH_DIR = ROOT / "tools" / "bench"
TIMING = BENCH_DIR / "crypto_timing.py"
CORE = ["sha512", "ed25519", "_ed25519_fe", "_ed25519_fx", "_ed25519_ge", "_ed25519_sc",
        "_ed25519_table"]


class BenchError(MicromarketError):
    """A benchmark could not run."""


def compile_core(out_dir: Path, arch: str) -> dict[str, int]:
    """mpy-cross the crypto core for ``arch`` into out_dir; returns the size of each .mpy."""
    sizes = {}
    for name in CORE:
        dst = out_dir / f"{name}.mpy"
        proc = subprocess.run([tool("mpy-cross"), f"-march={arch}", "-o", str(dst),
                               str(FIRMWARE_DIR / "lib" / f"{name}.py")],
                              capture_output=True, text=True)
        if proc.returncode:
            raise BenchError(f"{name}.py does not compile for {arch}: {proc.stderr.strip()}",
                             "run the firmware tests to see why")
        sizes[name] = dst.stat().st_size
    return sizes


def _parse(out: str) -> dict:
    try:
        return ast.literal_eval(out.strip().splitlines()[-1])
    except (ValueError, SyntaxError, IndexError) as exc:
        raise BenchError(f"the timing script printed no figures: {out[-200:]!r}",
                         "run it by hand with micropython to see the error") from exc


def time_unix_port(mpy_dir: Path, baseline: bool = False) -> dict:
    """Run the timing script on the unix port (110 KB heap) against compiled modules."""
    prefix = "BASELINE = True\n" if baseline else ""
    code = prefix + TIMING.read_text()
    out = upy.run_code(code, lib_dirs=[mpy_dir, BENCH_DIR, FIRMWARE_DIR / "lib"],
                       heap="1M" if baseline else upy.DEFAULT_HEAP, timeout=600)
    return _parse(out)


def time_libsodium(n: int = 2000) -> dict:
    """PyNaCl (libsodium) on CPython, the same message."""
    try:
        from nacl.signing import SigningKey
    except ImportError:
        return {"error": "PyNaCl is not installed"}
    key = SigningKey(bytes(range(32)))
    msg = b"tender:" + bytes(120)
    signed = key.sign(msg)
    t = time.perf_counter()
    for _ in range(n):
        key.sign(msg)
    sign = (time.perf_counter() - t) * 1000 / n
    vk = key.verify_key
    t = time.perf_counter()
    for _ in range(n):
        vk.verify(signed)
    verify = (time.perf_counter() - t) * 1000 / n
    return {"sign_ms": sign, "verify_ms": verify}


def time_target(port: str) -> dict:
    from .target import connect

    with connect(port) as board:
        return _parse(board.exec(TIMING.read_text(), timeout=300))


def run(port: str | None = None) -> dict:
    """Figures of the crypto core; see the module docstring for what is measured where."""
    with tempfile.TemporaryDirectory() as tmp:
        xt = Path(tmp) / "xtensawin"
        xt.mkdir()
        sizes = compile_core(xt, "xtensawin")
        result: dict = {"mpy_xtensawin_bytes": sum(sizes.values()), "mpy_xtensawin": sizes}
        if port:
            result["target"] = {"port": port, **time_target(port)}
            return result
        host = Path(tmp) / "x64"
        host.mkdir()
        compile_core(host, "x64")
        core = time_unix_port(host)
        base = time_unix_port(host, baseline=True)
    result["unix_port"] = {"viper": core, "bigint_baseline": base}
    result["libsodium_cpython"] = time_libsodium()
    result["ratios"] = {
        "sign_vs_baseline": base["sign_ms"] / core["sign_ms"],
        "verify_vs_baseline": base["verify_ms"] / core["verify_ms"],
    }
    result["targets_met"] = {
        "sign_10x": result["ratios"]["sign_vs_baseline"] >= 10,
        "verify_6x": result["ratios"]["verify_vs_baseline"] >= 6,
        "heap_per_sign_256": core["heap_per_sign"] <= 256,
    }
    return result


def _table(r: dict) -> str:
    lines = []
    if "unix_port" in r:
        v, b = r["unix_port"]["viper"], r["unix_port"]["bigint_baseline"]
        s = r["libsodium_cpython"]
        lines.append(f"{'':24}{'sign ms':>10}{'verify ms':>11}")
        lines.append(f"{'viper core (unix port)':24}{v['sign_ms']:10.3f}{v['verify_ms']:11.3f}")
        lines.append(f"{'big-int baseline':24}{b['sign_ms']:10.3f}{b['verify_ms']:11.3f}")
        if "sign_ms" in s:
            lines.append(f"{'libsodium (CPython)':24}{s['sign_ms']:10.3f}{s['verify_ms']:11.3f}")
        lines.append(f"ratios: sign {r['ratios']['sign_vs_baseline']:.1f}x, "
                     f"verify {r['ratios']['verify_vs_baseline']:.1f}x faster than the baseline")
        lines.append(f"heap per sign {v['heap_per_sign']} B, import {v['import_heap']} B, "
                     f"SHA-512 {v['sha512_kb_s']:.0f} KB/s")
    if "target" in r:
        t = r["target"]
        lines.append(f"{t['port']}: sign {t['sign_ms']:.2f} ms, verify {t['verify_ms']:.2f} ms, "
                     f"heap per sign {t['heap_per_sign']} B, SHA-512 {t['sha512_kb_s']:.0f} KB/s")
    lines.append(f"xtensawin .mpy: {r['mpy_xtensawin_bytes']} bytes")
    return "\n".join(lines)


@click.command()
@click.option("--port", default=None, help="a board's serial port (default: the unix port)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def cli(port: str | None, as_json: bool) -> None:
    """Ed25519 sign/verify and SHA-512 throughput of the firmware's crypto core."""
    result = run(port)
    click.echo(json.dumps(result) if as_json else _table(result))
