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

from ..errors import MicromarketError
from ..paths import FIRMWARE_DIR, ROOT, tool


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
    from ..boards.board import device_config

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
    from ..boards.board import CONFIG_PATH

    try:
        return json.loads(target.fs_get(CONFIG_PATH)).get("name")
    except (MicromarketError, ValueError, AttributeError):
        return None
