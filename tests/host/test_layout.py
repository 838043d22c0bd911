"""The host package's layers: imports only go downward and nothing imports in a circle.

Every ``import`` and ``from ... import`` in host/micromarket (at module level or inside a
function: a lazy import is still a dependency) is resolved with ``ast`` to the module it names.
"""

import ast
import sys
from pathlib import Path

import pytest

from micromarket.paths import ROOT

PKG = ROOT / "host" / "micromarket"

# top-level modules that every layer may use
FOUNDATION = {"errors", "paths", "keys", "lazy"}
# layer -> the layers it may import (besides itself and the foundation)
ALLOWED = {
    "protocol": set(),
    "boards": set(),
    "market": {"protocol", "boards"},     # a party's largest power is its board's
    "device": {"protocol", "boards"},
    "fleet": {"protocol", "boards", "device", "market"},
    "sim": {"protocol", "boards", "device", "market", "fleet"},
    "bench": {"protocol", "boards", "device", "market", "fleet", "sim"},
}
TOP_LEVEL_AT_MOST = 8


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """The micromarket modules ``path`` imports (a package for ``from pkg import name`` when
    ``name`` is not itself a module)."""
    me = module_name(path)
    base = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "micromarket"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "micromarket":
                target = node.module
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                is_module = (PKG.parent / Path(*sub.split("."))).with_suffix(".py").exists() or \
                    (PKG.parent / Path(*sub.split("."))).is_dir()
                found.add(sub if is_module else target)
    return found


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in PKG.rglob("*.py") if "baselines" not in p.parts}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "micromarket"


def test_imports_only_go_downward():
    wrong = []
    for mod, deps in graph().items():
        here = layer(mod)
        if here in FOUNDATION | {"micromarket", "cli"}:
            allowed = FOUNDATION | {"micromarket"} if here != "cli" else None
        else:
            allowed = ALLOWED[here] | FOUNDATION | {here, "micromarket"}
        for dep in deps:
            if allowed is not None and layer(dep) not in allowed:
                wrong.append(f"{mod} imports {dep} ({here} -> {layer(dep)})")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle():
    g = graph()
    # a package's __init__ is imported with any of its modules: fold it into the edges
    state, stack, cycles = {}, [], []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(g.get(m, ())):
            if d not in g:
                continue
            if state.get(d) == 1:
                cycles.append(" -> ".join(stack[stack.index(d):] + [d]))
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_every_subpackage_says_what_it_may_import():
    for init in PKG.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and "import" in doc, f"{init.relative_to(ROOT)} needs a docstring naming what it may import"
        assert init.parent.name in ALLOWED, f"{init.parent.name} is not in the layer table"


def test_top_level_is_small_and_commands_live_in_cli_modules():
    top = sorted(p.name for p in PKG.glob("*.py"))
    assert len(top) <= TOP_LEVEL_AT_MOST, top
    assert not [p for p in PKG.rglob("*_cli.py")], "command modules are <package>/cli.py"


@pytest.mark.parametrize("cycle", [("a", "b"), ("a", "b", "c")])
def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch, cycle):
    """The checker itself: a package whose modules import each other in a ring is reported."""
    pkg = tmp_path / "micromarket" / "sim"
    pkg.mkdir(parents=True)
    (tmp_path / "micromarket" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text('"""may import anything"""\n')
    for i, name in enumerate(cycle):
        (pkg / f"{name}.py").write_text(f"from . import {cycle[(i + 1) % len(cycle)]}\n")
    monkeypatch.setattr(sys.modules[__name__], "PKG", tmp_path / "micromarket")
    with pytest.raises(AssertionError, match="import cycles"):
        test_no_import_cycle()
