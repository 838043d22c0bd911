"""Virtual boards: the MicroPython unix port on a pseudo-terminal, driven like a real ESP32.

Each board has a state directory ``$MICROMARKET_HOME/vboards/NAME`` holding ``fs/`` (its flash
filesystem, kept across resets and restarts), ``config.json`` (what it runs) and, while it runs,
``state.json`` (supervisor pid, port path, interpreter pid, boot count).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeviceError, UsageError
from ..paths import state_home, tool

# Another MicroPython unix port to run new virtual boards on (e.g. one built for i386, whose
# objects and viper ints have the ESP32's 32-bit sizes), when start() is given none.
RUNTIME_ENV = "MICROMARKET_MICROPYTHON"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class VBoard:
    name: str
    board: str
    port: str | None
    pid: int | None
    child_pid: int | None
    fs: Path
    heap: int
    boots: int = 0
    status: str = "stopped"  # running | stopped | stale

    def as_dict(self) -> dict:
        return {"name": self.name, "board": self.board, "port": self.port, "pid": self.pid,
                "fs": str(self.fs), "heap": self.heap, "boots": self.boots, "status": self.status}


def boards_home() -> Path:
    path = state_home() / "vboards"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive: look at /proc where there is one.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return True


def _check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise UsageError(f"invalid virtual board name {name!r}",
                         "use letters, digits, '-', '_' or '.', at most 64 characters")


def get(name: str) -> VBoard:
    """The virtual board called ``name`` (running, stopped or stale)."""
    _check_name(name)
    home = boards_home() / name
    cfg_path = home / "config.json"
    if not cfg_path.exists():
        raise DeviceError(f"no virtual board named {name!r}",
                          f"start it with `micromarket vboard start {name} --board virtual-plug`")
    cfg = json.loads(cfg_path.read_text())
    vb = VBoard(name=name, board=cfg["board"], port=None, pid=None, child_pid=None,
                fs=Path(cfg["fs"]), heap=cfg["heap"])
    state_path = home / "state.json"
    if state_path.exists():
        try:
            state = json.loads(state_path.read_text())
        except ValueError:
            state = {}
        vb.pid, vb.port = state.get("pid"), state.get("port")
        vb.child_pid, vb.boots = state.get("child_pid"), state.get("boots", 0)
        vb.status = "running" if _alive(vb.pid) else "stale"
    return vb


def list_boards() -> list[VBoard]:
    out = []
    for child in sorted(boards_home().iterdir()):
        if (child / "config.json").exists():
            out.append(get(child.name))
    return out


def _clear_stale(vb: VBoard) -> None:
    try:
        (boards_home() / vb.name / "state.json").unlink()
    except FileNotFoundError:
        pass


def start(name: str, board: str = "virtual-plug", heap: int | None = None, app: bool = True,
          timeout: float = 10.0, runtime: str | None = None) -> VBoard:
    """Start a virtual board and return it with its port path.

    A new board's filesystem gets the app and the board's config (as a flashed board would have);
    ``app=False`` leaves it blank (only MicroPython), for testing ``deploy``. A board that
    already exists keeps its filesystem. ``runtime`` (default: $MICROMARKET_MICROPYTHON, else
    the venv's micropython) is the interpreter binary; the app is compiled for its architecture.
    """
    from dataclasses import replace

    from ..boards.board import CHIPS, get_board  # the board table (also validates the name)
    from .upy import has_raw_repl, native_arch

    _check_name(name)
    spec = get_board(board)
    if not spec.virtual:
        raise UsageError(f"board {board!r} is a real {spec.chip} board, not a virtual one",
                         "pick a virtual board: micromarket vboard start NAME --board virtual-plug")
    home = boards_home() / name
    existing = get(name) if (home / "config.json").exists() else None
    if existing and existing.status == "running":
        raise DeviceError(f"virtual board {name!r} is already running on {existing.port}",
                          f"stop it first: micromarket vboard stop {name}")
    if existing and existing.status == "stale":
        _clear_stale(existing)
    if existing and existing.board != board:
        raise UsageError(f"virtual board {name!r} exists as a {existing.board}",
                         f"use --board {existing.board}, or remove it: micromarket vboard rm {name}")
    micropython = os.path.abspath(runtime or os.environ.get(RUNTIME_ENV) or tool("micropython"))
    arch = native_arch(micropython)
    if arch not in CHIPS[spec.chip].arch:
        raise UsageError(f"{micropython} runs {arch} code, which a {board} cannot",
                         "give a MicroPython unix port for x64 or i386")
    if not has_raw_repl(micropython):
        raise UsageError(f"{micropython} has no raw REPL, which virtual boards are driven through",
                         "build it with MicroPython's readline (MICROPY_USE_READLINE=1)")
    built = json.loads((home / "config.json").read_text()).get("arch", spec.arch) if existing else arch
    if built != arch:
        raise UsageError(f"virtual board {name!r} holds an app compiled for {built}, not {arch}",
                         f"start it on a {built} MicroPython, or remove it: micromarket vboard rm {name}")
    fs = home / "fs"
    fresh = not fs.exists()
    fs.mkdir(parents=True, exist_ok=True)
    cfg = {"name": name, "board": board, "fs": str(fs), "heap": heap or spec.heap_bytes,
           "micropython": micropython, "arch": arch}
    (home / "config.json").write_text(json.dumps(cfg, indent=1))
    if fresh and app:
        from .deploy import build_app

        for rel, data in build_app(replace(spec, arch=arch)).items():
            dest = fs / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
    log = open(home / "supervisor.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "micromarket.device.supervisor", str(home)],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        vb = get(name)
        if vb.status == "running" and vb.pid == proc.pid and vb.port:
            return vb
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    tail = (home / "supervisor.log").read_text(errors="replace").strip().splitlines()[-3:]
    raise DeviceError(f"virtual board {name!r} did not start: {' '.join(tail) or 'no output'}",
                      f"see {home / 'supervisor.log'}")


def stop(name: str, timeout: float = 5.0) -> VBoard:
    """Stop a virtual board; its filesystem is kept."""
    vb = get(name)
    if vb.status == "stale":
        _clear_stale(vb)
        vb.status = "stopped"
        return vb
    if vb.status != "running":
        raise DeviceError(f"virtual board {name!r} is not running",
                          f"start it with `micromarket vboard start {name}`")
    os.kill(vb.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(vb.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _alive(vb.pid):
        os.kill(vb.pid, signal.SIGKILL)
    if vb.child_pid and _alive(vb.child_pid):
        os.kill(vb.child_pid, signal.SIGKILL)
    _clear_stale(vb)
    vb.status, vb.port = "stopped", None
    return vb


def stop_all() -> list[VBoard]:
    return [stop(vb.name) for vb in list_boards() if vb.status in ("running", "stale")]


def power_cycle(name: str, timeout: float = 5.0) -> VBoard:
    """Cut the interpreter's power (SIGKILL, mid-write if it was writing) and boot it again."""
    vb = get(name)
    if vb.status != "running":
        raise DeviceError(f"virtual board {name!r} is not running",
                          f"start it with `micromarket vboard start {name}`")
    os.kill(vb.pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = get(name)
        if now.boots > vb.boots:
            return now
        time.sleep(0.02)
    raise DeviceError(f"virtual board {name!r} did not reboot", "see its supervisor.log")


def remove(name: str) -> None:
    """Delete a stopped virtual board and its filesystem."""
    vb = get(name)
    if vb.status == "running":
        raise DeviceError(f"virtual board {name!r} is running", f"stop it first: micromarket vboard stop {name}")
    shutil.rmtree(boards_home() / name)
