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
             timeout: float = 120, input: bytes | None = None) -> str:
    """Run ``code`` with ``micropython -X heapsize=heap -c``; return stdout, raise UpyError on failure."""
    cmd = [tool("micropython"), "-X", f"heapsize={heap}", "-c", code]
    return _run(cmd, lib_dirs, cwd, timeout, input)


def run_file(path: Path | str, *args: str, heap: str = DEFAULT_HEAP, lib_dirs=None, cwd=None,
             timeout: float = 120, input: bytes | None = None) -> str:
    """Run a script file on the unix port; return stdout, raise UpyError on failure."""
    cmd = [tool("micropython"), "-X", f"heapsize={heap}", str(path), *args]
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
