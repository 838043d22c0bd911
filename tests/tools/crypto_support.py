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


def run_on_unix_port(batch: list[dict], mpy_dir: Path) -> list[str]:
    """Answers of the firmware on the MicroPython unix port (110 KB heap, compiled modules)."""
    out = upy.run_file(RUNNER, lib_dirs=[mpy_dir, FIRMWARE_DIR / "lib"],
                       input=ed25519_cases.to_lines(batch).encode(), timeout=300)
    return out.splitlines()


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
