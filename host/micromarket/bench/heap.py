"""Heap cost of importing firmware modules on the unix port, as deployed (mpy-cross .mpy).

    micromarket bench heap [--opt -O1] [--heap 400K] [--runtime i386|PATH] [--json] [MODULE ...]

Compiles firmware/lib/*.py for x64 into a temporary directory, then imports the modules one by
one in a single MicroPython process (in the order given; default: the agent stack of a
provisioned virtual board), printing the live heap added by each import after gc.collect().
Modules an earlier import already pulled in cost 0 in their own row, so the order matters: the
table answers "what does this import add to what is already loaded".

With ``--runtime`` the same is measured on a second MicroPython, the unix port built for i386
(``i386``: $MICROMARKET_MICROPYTHON_I386 or ``micropython-i386`` on the PATH, or its path),
whose objects have the ESP32's 32-bit sizes, and the two word sizes are reported side by side.

Also a library: ``measure(modules)`` and ``boot()`` (tests print the table); each compiles
firmware/lib itself (for the architecture of ``micropython``, the venv's by default) unless
given a directory ``compile_lib`` filled (``lib=``), as ``run`` does.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import os
import shutil

from ..errors import UsageError
from ..paths import FIRMWARE_DIR, ROOT, tool

LIB = FIRMWARE_DIR / "lib"

# what main.py -> app.run() keeps imported on a provisioned virtual battery board, leaves first
# (identity is imported to load the key and dropped again)
AGENT_STACK = ("asyncio", "sha512", "ed25519", "wire", "store", "meter", "hal", "vpin",
               "meter_virtual", "personalities", "pers_battery", "simclock", "mqtt",
               "agent", "app")

_PROBE = """
import gc, sys
gc.collect()
base = gc.mem_alloc()
print("BASE", base)
for name in sys.argv[1:]:
    gc.collect()
    before = gc.mem_alloc()
    __import__(name)
    gc.collect()
    print("MOD", name, gc.mem_alloc() - before)
gc.collect()
print("TOTAL", gc.mem_alloc() - base, gc.mem_free())
"""


_BOOT = """
import gc
import sys
gc.collect()
base = gc.mem_alloc()
import app
a = app.build(app.load_config(), log=lambda *m: None)
gc.collect()
print("BOOT", gc.mem_alloc() - base, gc.mem_free())
print("MODULES", " ".join(sorted(sys.modules)))
"""


def firmware_modules() -> set[str]:
    """What the import probe can load: the firmware's modules and the built-ins the agent uses."""
    return set(AGENT_STACK) | {p.stem for p in (FIRMWARE_DIR / "lib").glob("*.py")}


def compile_lib(out: Path, opt: str = "-O1", arch: str = "x64") -> Path:
    """firmware/lib/*.py compiled into ``out`` by deployment's compile_module; returns ``out``."""
    from micromarket.device.deploy import compile_module

    for src in sorted(LIB.glob("*.py")):
        (out / (src.stem + ".mpy")).write_bytes(compile_module(src, arch, opt))
    return out


def _lib_dir(tmp: Path, lib: Path | None, opt: str, micropython: str | None = None) -> Path:
    """``lib`` if given (already compiled), else firmware/lib compiled at ``opt`` into tmp/lib
    for the architecture of ``micropython``."""
    if lib is not None:
        return lib
    from ..device.upy import native_arch

    lib = tmp / "lib"
    lib.mkdir()
    return compile_lib(lib, opt, native_arch(micropython))


def find_runtime(name: str) -> str:
    """The interpreter ``--runtime`` names: ``i386`` ($MICROMARKET_MICROPYTHON_I386, else
    micropython-i386 on the PATH) or a path to a MicroPython unix port binary."""
    found = name
    if name == "i386":
        found = os.environ.get("MICROMARKET_MICROPYTHON_I386") or shutil.which("micropython-i386")
        if not found:
            raise UsageError("no i386 MicroPython: neither $MICROMARKET_MICROPYTHON_I386 nor "
                             "micropython-i386 on the PATH",
                             "build the unix port with CC='gcc -m32' and name it, or give its path")
    return os.path.abspath(found)  # the boot probe runs in another directory


def measure(modules=AGENT_STACK, opt: str = "-O1", heap: str = "400K",
            lib: Path | None = None, micropython: str | None = None) -> dict:
    """{"rows": [(module, bytes)], "total": bytes, "free": bytes left at ``heap``}.

    ``lib``: a directory compile_lib already filled (then ``opt`` only labels the report);
    ``micropython``: the interpreter (default: the venv's unix port)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lib = _lib_dir(tmp, lib, opt, micropython)
        probe = tmp / "probe.py"
        probe.write_text(_PROBE)
        env = {"MICROPYPATH": f".frozen:{lib}", "PATH": "/usr/bin:/bin"}
        proc = subprocess.run([micropython or tool("micropython"), "-X", f"heapsize={heap}",
                               str(probe),
                               *modules], env=env, cwd=tmp, capture_output=True, text=True,
                              timeout=120)
    if proc.returncode:
        raise RuntimeError(f"import probe failed:\n{proc.stdout}{proc.stderr}")
    rows, total, free = [], 0, 0
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[0] == "MOD":
            rows.append((parts[1], int(parts[2])))
        elif parts[0] == "TOTAL":
            total, free = int(parts[1]), int(parts[2])
    return {"rows": rows, "total": total, "free": free, "heap": heap, "opt": opt}


def boot(heap: str = "110K", board: str = "virtual-battery", opt: str = "-O1",
         lib: Path | None = None, micropython: str | None = None) -> dict:
    """Live heap after the agent's boot wiring (app.build) on a provisioned virtual board:
    {"boot": bytes in use beyond the bare interpreter, "free": bytes left at ``heap``,
    "modules": what sys.modules holds then}. ``lib``, ``micropython``: as for ``measure``."""
    sys.path.insert(0, str(ROOT / "tests" / "firmware"))
    try:
        from agent_device import make_device
    finally:
        sys.path.pop(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lib, dev = _lib_dir(tmp, lib, opt, micropython), tmp / "dev"
        make_device(dev, board=board, market_key=bytes(32), port=1883, speed=1, anchor=0)
        (tmp / "boot.py").write_text(_BOOT)
        env = {"MICROPYPATH": f".frozen:{lib}", "PATH": "/usr/bin:/bin"}
        proc = subprocess.run([micropython or tool("micropython"), "-X", f"heapsize={heap}",
                               str(tmp / "boot.py")], env=env, cwd=dev, capture_output=True,
                              text=True, timeout=120)
    if proc.returncode:
        raise RuntimeError(f"boot probe failed:\n{proc.stdout}{proc.stderr}")
    out = {ln.split()[0]: ln.split()[1:] for ln in proc.stdout.splitlines() if ln.strip()}
    return {"boot": int(out["BOOT"][0]), "free": int(out["BOOT"][1]), "heap": heap,
            "board": board, "modules": out["MODULES"]}


def table(report: dict) -> str:
    """The import table; with an i386 report beside it, both word sizes side by side."""
    other = report.get("i386")
    if other is None:
        lines = [f"{'module':<16}{'heap':>9}"]
        lines += [f"{name:<16}{n / 1024:>8.1f}K" for name, n in report["rows"]]
        lines.append(f"{'TOTAL':<16}{report['total'] / 1024:>8.1f}K  (free "
                     f"{report['free'] / 1024:.1f}K of {report['heap']}, mpy-cross {report['opt']})")
        return "\n".join(lines)
    theirs = dict(other["rows"])
    lines = [f"{'module':<16}{'64-bit':>9}{'32-bit':>9}"]
    lines += [f"{name:<16}{n / 1024:>8.1f}K{theirs.get(name, 0) / 1024:>8.1f}K"
              for name, n in report["rows"]]
    lines.append(f"{'TOTAL':<16}{report['total'] / 1024:>8.1f}K{other['total'] / 1024:>8.1f}K"
                 f"  (32-bit/64-bit {other['total'] / report['total']:.2f}, heap "
                 f"{report['heap']}, mpy-cross {report['opt']})")
    return "\n".join(lines)


def boot_lines(report: dict) -> list[str]:
    """One line per word size: the agent booted at the board's heap."""
    out = []
    for label, r in (("64-bit", report), ("32-bit", report.get("i386"))):
        if r is not None:
            b = r["boot"]
            out.append(f"agent booted on {b['board']} at {b['heap']} ({label}): "
                       f"{b['boot'] / 1024:.1f}K in use, {b['free'] / 1024:.1f}K free")
    return out


def run(modules=AGENT_STACK, opt: str = "-O1", heap: str = "400K",
        runtime: str | None = None) -> dict:
    """The import table of ``modules`` and the booted agent, compiled once for both; with
    ``runtime`` (an i386 MicroPython) the same again there, under "i386"."""
    reports = []
    for micropython in (None, runtime) if runtime else (None,):
        with tempfile.TemporaryDirectory() as tmp:
            lib = _lib_dir(Path(tmp), None, opt, micropython)
            report = measure(modules, opt, heap, lib=lib, micropython=micropython)
            report["boot"] = boot(opt=opt, lib=lib, micropython=micropython)
        reports.append(report)
    if runtime:
        reports[0]["i386"] = reports[1]
    return reports[0]
