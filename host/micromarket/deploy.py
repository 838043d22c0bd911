"""Deploy the app to a board: compile for its architecture, copy only what changed, reset.

``build_app(board)`` is the app as it lands on the device's filesystem (``main.py`` as source, the
libraries compiled to ``.mpy`` for the board's ``mpy-cross`` architecture, the board config); the
flasher's factory image and new virtual boards use the same function.
"""

import hashlib
import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import click

from .errors import MicromarketError, UsageError
from .paths import FIRMWARE_DIR, ROOT, tool


class BuildError(MicromarketError):
    """A firmware module does not compile for the board's architecture."""


def compile_module(source: Path, arch: str | None, opt: str = "-O1") -> bytes:
    """``mpy-cross`` a module for ``arch`` at optimisation level ``opt``; raises BuildError naming
    the file and the compiler's message."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / (source.stem + ".mpy")
        cmd = [tool("mpy-cross"), opt, "-s", source.name, str(source), "-o", str(out)]
        if arch:
            cmd.insert(1, f"-march={arch}")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            msg = (proc.stderr or proc.stdout).strip().splitlines()
            shown = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
            raise BuildError(f"{shown} does not compile for "
                             f"{arch or 'the host'}: {msg[-1] if msg else 'mpy-cross failed'}",
                             "fix the module (see the line named above)")
        return out.read_bytes()


def firmware_sources(root: Path = FIRMWARE_DIR) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def build_app(board, root: Path = FIRMWARE_DIR, compiled: bool = True) -> dict[str, bytes]:
    """The device files of the app for ``board``: relative path -> bytes."""
    from .boards import device_config

    files: dict[str, bytes] = {}
    for src in firmware_sources(root):
        rel = src.relative_to(root).as_posix()
        if rel == "main.py" or not compiled:
            files[rel] = src.read_bytes()
        else:
            files[rel[:-3] + ".mpy"] = compile_module(src, board.arch)
    files.update(device_config(board))
    return files


@dataclass
class DeployResult:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


_HASH_SNIPPET = """
import hashlib
def _h(p):
    try:
        f = open(p, 'rb')
    except OSError:
        return None
    h = hashlib.sha256(); b = bytearray(512)
    while True:
        n = f.readinto(b)
        if not n:
            break
        h.update(memoryview(b)[:n])
    f.close()
    return h.digest().hex()
print(repr([_h(p) for p in %r]))
del _h
"""


def _twin(path: str) -> str | None:
    """The other form of a module (``x.py`` for ``x.mpy`` and back): MicroPython prefers ``.py``."""
    if path == "main.py":
        return None
    if path.endswith(".mpy"):
        return path[:-4] + ".py"
    if path.endswith(".py"):
        return path[:-3] + ".mpy"
    return None


def deploy(target, board, files: dict[str, bytes] | None = None, progress=None,
           reset: bool = True) -> DeployResult:
    """Copy the files of ``build_app(board)`` whose SHA-256 differs on the board; then soft-reset it."""
    files = build_app(board) if files is None else files
    paths = sorted(files)
    twins = [t for t in (_twin(p) for p in paths) if t and t not in files]
    remote = _remote_hashes(target, paths + twins)
    result = DeployResult()
    made_dirs = set()
    for i, path in enumerate(paths):
        local = hashlib.sha256(files[path]).hexdigest()
        if remote[i] == local:
            result.unchanged.append(path)
        else:
            parent = path.rpartition("/")[0]
            if parent and parent not in made_dirs:
                target.makedirs(parent)
                made_dirs.add(parent)
            target.write_file(path, files[path])
            result.changed.append(path)
        if progress:
            progress(i + 1, len(paths), path)
    stale = [t for t, h in zip(twins, remote[len(paths):]) if h is not None]
    if stale:
        target.exec("import os\nfor _p in %r: os.remove(_p)" % stale)
        result.removed = stale
    if reset:
        target.soft_reset()
    return result


def _remote_hashes(target, paths: list[str]) -> list:
    import ast

    return ast.literal_eval(target.exec(_HASH_SNIPPET % paths, timeout=60).strip())


def board_of(target) -> str | None:
    """The board named in the config the board already carries (``config/board.json``), if any."""
    from .boards import CONFIG_PATH

    try:
        return json.loads(target.fs_get(CONFIG_PATH)).get("name")
    except (MicromarketError, ValueError, AttributeError):
        return None


@click.command()
@click.option("--port", required=True, help="serial port of the board (or a virtual board's pty)")
@click.option("--board", "board_name", default=None,
              help="board definition: a name in boards/ or a TOML file "
                   "(default: the board named by the config already on the device)")
@click.option("--no-reset", is_flag=True, help="do not reset the board afterwards")
@click.option("--json", "as_json", is_flag=True)
def cli(port, board_name, no_reset, as_json):
    """Compile the firmware for the board and copy what changed."""
    from rich.progress import Progress

    from .boards import get_board
    from .target import connect

    board = get_board(board_name) if board_name else None
    with connect(port) as target:
        if board is None:
            name = board_of(target)
            if not name:
                raise UsageError(f"the board on {port} carries no board config",
                                 "name it once: micromarket deploy --port PORT --board BOARD")
            board = get_board(name)
        files = build_app(board)
        with Progress(transient=True, disable=as_json) as bar:
            task = bar.add_task(f"deploying to {board.name}", total=len(files))
            result = deploy(target, board, files, reset=not no_reset,
                            progress=lambda n, total, p: bar.update(task, completed=n))
    if as_json:
        click.echo(json.dumps({"board": board.name, **result.__dict__}))
    else:
        removed = f", {len(result.removed)} removed" if result.removed else ""
        click.echo(f"{board.name}: {len(result.changed)} changed, {len(result.unchanged)} unchanged{removed}")
        for p in result.changed:
            click.echo(f"  + {p}")
