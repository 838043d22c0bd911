"""Helpers shared by the crypto tests: compiled firmware, running case batches."""

from __future__ import annotations

from pathlib import Path

from micromarket.device import upy
from micromarket.bench.crypto import CORE, compile_core
from micromarket.paths import FIRMWARE_DIR

import ed25519_cases

TOOLS = Path(__file__).resolve().parent
RUNNER = TOOLS / "ed25519_runner.py"
CRYPTO_MODULES = CORE   # the crypto core, as the crypto benchmark compiles it


def compile_crypto(out_dir: Path, arch: str = "x64") -> Path:
    """mpy-cross the crypto core into out_dir (as deployment does); returns out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    compile_core(out_dir, arch)
    return out_dir


def run_on_unix_port(batch: list[dict], mpy_dir: Path, micropython: str | None = None,
                     before: tuple = ()) -> list[str]:
    """Answers of the firmware on the MicroPython unix port (110 KB heap, compiled modules);
    ``micropython``: another build of it (i386), ``before``: folders put ahead of the core."""
    out = upy.run_file(RUNNER, lib_dirs=[*before, mpy_dir, FIRMWARE_DIR / "lib"],
                       input=ed25519_cases.to_lines(batch).encode(), timeout=600,
                       micropython=micropython)
    return out.splitlines()


_RAISE = ('raise MemoryError("memory allocation failed, allocating %d bytes '
          '(simulated: no executable RAM for %s)")\n')


def no_room_for(tmp_path: Path, modules: dict[str, int]) -> Path:
    """A folder that, put first on the path, makes importing each of ``modules`` (name: size)
    fail as a full IRAM makes it fail on an ESP32: MemoryError at import (said to be simulated)."""
    d = tmp_path / "no_iram"
    d.mkdir(parents=True, exist_ok=True)
    for name, size in modules.items():
        (d / f"{name}.py").write_text(_RAISE % (size, name))
    return d


def run_on_viper32(batch: list[dict], ed) -> list[str]:
    """Answers of the same firmware source run by the 32-bit harness (``ed`` = loaded module)."""
    out = []
    for c in batch:
        if c["kind"] == "sign":
            key = ed.SigningKey(c["seed"])
            out.append(key.public.hex() + " " + key.sign(c["msg"]).hex())
        else:
            out.append("1" if ed.verify(c["pk"], c["msg"], c["sig"]) else "0")
    return out
