"""Run code on the MicroPython unix port (the virtual board's interpreter) from CPython.

Used by the firmware tests, the benchmarks and the simulator: the same firmware sources that go to
the ESP32, run by the same interpreter, with the heap limited like the board's.
"""

import os
import subprocess
from pathlib import Path

from ..errors import MicromarketError
from ..paths import FIRMWARE_DIR, tool

DEFAULT_HEAP = "110K"  # a classic ESP32 without PSRAM


class UpyError(MicromarketError):
    """A MicroPython script failed; carries its output."""

    def __init__(self, message: str, stdout: str = "", stderr: str = "") -> None:
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr


def micropython_env(lib_dirs=None) -> dict:
    """Environment whose MICROPYPATH puts the firmware's lib/ (and any extra dirs) on sys.path."""
    dirs = [str(d) for d in (lib_dirs or [FIRMWARE_DIR / "lib"])]
    env = dict(os.environ)
    env["MICROPYPATH"] = ":".join([".frozen", *dirs])
    return env


def run_code(code: str, *, heap: str = DEFAULT_HEAP, lib_dirs=None, cwd=None,
             timeout: float = 120, input: bytes | None = None, micropython: str | None = None) -> str:
    """Run ``code`` with ``micropython -X heapsize=heap -c``; return stdout, raise UpyError on failure.
    ``micropython``: another interpreter binary (e.g. the unix port built for i386)."""
    cmd = [micropython or tool("micropython"), "-X", f"heapsize={heap}", "-c", code]
    return _run(cmd, lib_dirs, cwd, timeout, input)


def run_file(path: Path | str, *args: str, heap: str = DEFAULT_HEAP, lib_dirs=None, cwd=None,
             timeout: float = 120, input: bytes | None = None, micropython: str | None = None) -> str:
    """Run a script file on the unix port; return stdout, raise UpyError on failure."""
    cmd = [micropython or tool("micropython"), "-X", f"heapsize={heap}", str(path), *args]
    return _run(cmd, lib_dirs, cwd, timeout, input)


def _run(cmd, lib_dirs, cwd, timeout, input) -> str:
    try:
        proc = subprocess.run(cmd, env=micropython_env(lib_dirs), cwd=cwd, input=input,
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise UpyError(f"micropython timed out after {timeout} s",
                       (exc.stdout or b"").decode(errors="replace")) from exc
    out = proc.stdout.decode(errors="replace")
    err = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        tail = (out + err).strip().splitlines()[-15:]
        raise UpyError(f"micropython exited {proc.returncode}:\n" + "\n".join(tail), out, err)
    return out


_ARCHS = {1: "x86", 2: "x64"}  # sys.implementation._mpy >> 10: the native code a port runs


def native_arch(micropython: str | None = None) -> str:
    """The ``mpy-cross -march`` of an interpreter binary (x64, or x86 for an i386 build), read
    from the binary itself; raises UsageError when it does not run or is no unix port of ours."""
    from ..errors import UsageError

    path = micropython or tool("micropython")
    try:
        proc = subprocess.run([path, "-c", "import sys; print(sys.implementation._mpy >> 10 & 15)"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"the MicroPython binary {path} does not run ({exc})",
                         "give the path of a MicroPython unix port executable") from exc
    arch = _ARCHS.get(int(proc.stdout.strip() or -1)) if proc.stdout.strip().isdigit() else None
    if proc.returncode or arch is None:
        said = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
        raise UsageError(f"{path} is not a MicroPython unix port for x64 or i386 ({said[0]})",
                         "give the path of a MicroPython unix port executable")
    return arch


def has_raw_repl(micropython: str) -> bool:
    """Whether an interpreter binary answers Ctrl-A with the raw REPL (the unix port does when
    built with MicroPython's own readline, MICROPY_USE_READLINE=1), which drives virtual boards."""
    try:
        proc = subprocess.run([micropython, "-i"], input=b"\x01\x02\x04", capture_output=True,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return b"raw REPL" in proc.stdout
