"""`micromarket bench crypto`: Ed25519 sign/verify and SHA-512 speed of the firmware's core.

On the unix port (no ``--port``), in one run: the viper core, the big-int baseline
(bench/baselines/ed25519_bigint.py) in the same interpreter, and libsodium (PyNaCl) on CPython,
with the ratios, heap per sign, import heap and the size of the xtensawin ``.mpy`` files. With
``--port`` the same scripts run on the board through its raw REPL. On the unix port the core
and the baseline run in turn, three rounds, and each figure is the best of its three.

Sign is compared like for like: a key expanded once on both sides (``sign_ms``, what a device
does), and one-shot ``sign(seed, msg)`` on both sides. The import heap is measured in a fresh
interpreter whose first act is the import, as at boot; it includes the interned names (qstrs),
reported apart because their pool grows in steps whose position depends on what came before.
"""

from __future__ import annotations

import ast
import subprocess
import tempfile
import time
from pathlib import Path

from ..device import upy
from ..errors import MicromarketError
from ..paths import FIRMWARE_DIR, tool

BENCH_DIR = Path(__file__).resolve().parent / "baselines"
TIMING = BENCH_DIR / "crypto_timing.py"
CORE = ["sha512", "ed25519", "_ed25519_fe", "_ed25519_ge", "_ed25519_sc", "_ed25519_bigint"]


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


IMPORT_HEAP = """
import gc, sys, micropython
if "ed25519" in sys.modules:
    print({"import_heap": None})
else:
    gc.collect()
    micropython.qstr_info()
    a = gc.mem_alloc()
    import ed25519
    gc.collect()
    b = gc.mem_alloc()
    micropython.qstr_info()
    print({"import_heap": b - a})
"""


def _import_figures(out: str) -> dict:
    figures = _parse(out)
    pools = [int(line.rsplit("n_total_bytes=", 1)[1]) for line in out.splitlines()
             if "n_total_bytes=" in line]
    if len(pools) == 2:
        figures["import_qstr_bytes"] = pools[1] - pools[0]
    return figures


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


def import_unix_port(mpy_dir: Path) -> dict:
    """Heap of ``import ed25519`` in a fresh unix-port interpreter at the boards' heap size."""
    return _import_figures(upy.run_code(IMPORT_HEAP, lib_dirs=[mpy_dir, FIRMWARE_DIR / "lib"],
                                        heap=upy.DEFAULT_HEAP, timeout=120))


def time_target(port: str) -> dict:
    from ..device.target import connect

    with connect(port) as board:  # import heap: None when the app had already imported it
        figures = _import_figures(board.exec(IMPORT_HEAP, timeout=60))
        return {**figures, **_parse(board.exec(TIMING.read_text(), timeout=300))}


ROUNDS = 3


def _best_of(rounds: int, *timers) -> list[dict]:
    """Each timer run ``rounds`` times, interleaved, keeping each figure's best (lowest time,
    highest throughput, largest heap): a noisy machine slows runs down, never speeds them up."""
    best: list[dict] = [{} for _ in timers]
    for _ in range(rounds):
        for keep, timer in zip(best, timers):
            for key, value in timer().items():
                if not isinstance(value, (int, float)):  # which core ran, not a figure
                    keep[key] = value
                    continue
                pick = max if key.endswith("_kb_s") or key.startswith("heap_") else min
                keep[key] = value if key not in keep else pick(keep[key], value)
    return best


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
        core, base = _best_of(ROUNDS, lambda: time_unix_port(host),
                              lambda: time_unix_port(host, baseline=True))
        core.update(import_unix_port(host))
    result["unix_port"] = {"viper": core, "bigint_baseline": base}
    result["libsodium_cpython"] = time_libsodium()
    result["ratios"] = {
        "sign_vs_baseline": base["sign_ms"] / core["sign_ms"],
        "sign_oneshot_vs_baseline": base["sign_oneshot_ms"] / core["sign_oneshot_ms"],
        "verify_vs_baseline": base["verify_ms"] / core["verify_ms"],
    }
    result["targets_met"] = {
        "sign_10x": result["ratios"]["sign_vs_baseline"] >= 10,
        "verify_6x": result["ratios"]["verify_vs_baseline"] >= 6,
        "heap_per_sign_256": core["heap_per_sign"] <= 256,
        "import_heap_24k": core["import_heap"] <= 24 * 1024,
    }
    return result


def table(r: dict) -> str:
    lines = []
    if "unix_port" in r:
        v, b = r["unix_port"]["viper"], r["unix_port"]["bigint_baseline"]
        s = r["libsodium_cpython"]
        ra = r["ratios"]
        lines.append(f"{'':24}{'sign ms':>10}{'one-shot':>10}{'verify ms':>11}")
        for name, f in (("viper core (unix port)", v), ("big-int baseline", b)):
            lines.append(f"{name:24}{f['sign_ms']:10.3f}{f['sign_oneshot_ms']:10.3f}"
                         f"{f['verify_ms']:11.3f}")
        if "sign_ms" in s:
            lines.append(f"{'libsodium (CPython)':24}{s['sign_ms']:10.3f}{'':10}{s['verify_ms']:11.3f}")
        lines.append(f"ratios: sign {ra['sign_vs_baseline']:.1f}x (one-shot "
                     f"{ra['sign_oneshot_vs_baseline']:.1f}x), verify {ra['verify_vs_baseline']:.1f}x "
                     "faster than the baseline")
        lines.append(f"heap per sign {v['heap_per_sign']} B (one-shot {v['heap_per_oneshot_sign']} B), "
                     f"import {v['import_heap']} B ({v.get('import_qstr_bytes', '?')} B of it names), "
                     f"SHA-512 {v['sha512_kb_s']:.0f} KB/s")
    if "target" in r:
        t = r["target"]
        lines.append(f"{t['port']}: crypto core {t['variant']}"
                     + (f" ({t['native_error']})" if t.get("native_error") else ""))
        lines.append(f"{t['port']}: sign {t['sign_ms']:.2f} ms (one-shot {t['sign_oneshot_ms']:.2f}), "
                     f"verify {t['verify_ms']:.2f} ms, heap per sign {t['heap_per_sign']} B, "
                     f"import {t['import_heap']} B, SHA-512 {t['sha512_kb_s']:.0f} KB/s")
    lines.append(f"xtensawin .mpy: {r['mpy_xtensawin_bytes']} bytes")
    return "\n".join(lines)
