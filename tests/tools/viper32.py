"""Run firmware viper code under CPython with the word semantics of a 32-bit port.

The only MicroPython at hand is the 64-bit unix port, where a viper ``int`` holds 64 bits. This
harness loads the *same* firmware sources, rewrites every ``@micropython.viper`` function (AST
to AST) with viper's static typing, and executes them with what an ESP32 (Xtensa or RISC-V,
32-bit words) would do:

- ``int`` arithmetic that leaves [-2^31, 2^31) raises ``Overflow32``: signed overflow is never
  intended in the crypto core, and a 64-bit port would silently compute something else;
- ``uint`` arithmetic wraps modulo 2^32 (the low word of the result, as the hardware keeps);
- ``ptr32`` loads return the signed 32-bit pattern (a 64-bit port zero-extends instead),
  ``ptr8``/``ptr16``/``ptr32`` stores keep the low 8/16/32 bits, and indexing outside the
  buffer raises (a real port would scribble over memory);
- shifts by 32 or more, literals outside the 31-bit small-int range, and int/uint values
  passed through a call or returned while outside that range (they would be boxed into a
  heap-allocated big int on a 32-bit port) raise ``Viper32Error``;
- the result type of a binary op is the type of its left operand, as in viper.

Usage::

    mods = viper32.load(FIRMWARE_DIR / "lib", ["ed25519"])
    mods["ed25519"].sign(seed, msg)
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.util
import sys
import types
from pathlib import Path

INT, UINT, BOOL, OBJ = "int", "uint", "bool", "object"
PTRS = {"ptr8": "B", "ptr16": "H", "ptr32": "i"}
NATIVE = {INT, UINT}
MIN_SMALL, MAX_SMALL = -(1 << 30), (1 << 30) - 1  # small ints of a 32-bit port
M32 = 0xFFFFFFFF


class Viper32Error(Exception):
    """Code that a 32-bit viper port would not run as the 64-bit port does."""


class Overflow32(Viper32Error):
    """A signed 32-bit int operation overflowed."""


# --- runtime helpers, injected into each loaded module -------------------------------------------

def _ovf(v):
    raise Overflow32(f"int result {v} does not fit 32 bits")


def _shift(n):
    if not 0 <= n < 32:
        raise Viper32Error(f"shift by {n}: undefined on a 32-bit port")
    return n


def _as_int(v):
    """Reinterpret a 32-bit pattern (an int or uint value) as a signed int."""
    if isinstance(v, bool):
        return int(v)
    if not isinstance(v, int):
        raise Viper32Error(f"int() of {type(v).__name__}")
    if not -(1 << 31) <= v <= M32:
        raise Viper32Error(f"int() of {v}: more than 32 bits")
    v &= M32
    return v - (1 << 32) if v >> 31 else v


def _as_uint(v):
    if isinstance(v, bool):
        return int(v)
    if not isinstance(v, int):
        raise Viper32Error(f"uint() of {type(v).__name__}")
    if not -(1 << 31) <= v <= M32:
        raise Viper32Error(f"uint() of {v}: more than 32 bits")
    return v & M32


def _box(v):
    """A native value leaving viper as an object: must be a small int on a 32-bit port."""
    if isinstance(v, int) and not isinstance(v, bool) and not MIN_SMALL <= v <= MAX_SMALL:
        raise Viper32Error(f"value {v} leaves viper as a heap-allocated big int on a 32-bit port")
    return v


def _ptr(kind):
    fmt = PTRS[kind]

    def cast(buf):
        if isinstance(buf, memoryview):
            if buf.format == fmt:
                return buf
            buf = buf.cast("B")
        mv = memoryview(buf)
        if fmt == "B":
            return mv.cast("B")
        size = {"H": 2, "i": 4}[fmt]
        n = len(mv.cast("B")) // size * size
        return mv.cast("B")[:n].cast(fmt)
    return cast


RUNTIME = {
    "_v32_ovf": _ovf, "_v32_shift": _shift, "_v32_int": _as_int, "_v32_uint": _as_uint,
    "_v32_box": _box, "_v32_ptr8": _ptr("ptr8"), "_v32_ptr16": _ptr("ptr16"),
    "_v32_ptr32": _ptr("ptr32"),
}


# --- the rewrite ---------------------------------------------------------------------------------

def _name(n, ctx=ast.Load):
    return ast.Name(id=n, ctx=ctx())


def _call(fn, *args):
    return ast.Call(func=_name(fn), args=list(args), keywords=[])


def _const(v):
    return ast.Constant(value=v)


def _checked_int(expr):
    """(_v32_t if -2^31 <= (_v32_t := expr) < 2^31 else _v32_ovf(_v32_t))"""
    walrus = ast.NamedExpr(target=_name("_v32_t", ast.Store), value=expr)
    test = ast.Compare(left=_const(-(1 << 31)), ops=[ast.LtE(), ast.LtE()],
                       comparators=[walrus, _const((1 << 31) - 1)])
    return ast.IfExp(test=test, body=_name("_v32_t"), orelse=_call("_v32_ovf", _name("_v32_t")))


def _wrap_uint(expr):
    return ast.BinOp(left=expr, op=ast.BitAnd(), right=_const(M32))


def _store_value(kind, expr):
    if kind == "ptr8":
        return ast.BinOp(left=expr, op=ast.BitAnd(), right=_const(0xFF))
    if kind == "ptr16":
        return ast.BinOp(left=expr, op=ast.BitAnd(), right=_const(0xFFFF))
    return _call("_v32_int", ast.BinOp(left=expr, op=ast.BitAnd(), right=_const(M32)))


class _Function:
    """Rewrites one viper function; ``types`` maps local names to viper types."""

    def __init__(self, fn: ast.FunctionDef, consts: set[str]):
        self.fn = fn
        self.consts = consts
        self.types: dict[str, str] = {}
        self.ret = OBJ
        if fn.returns is not None:
            self.ret = self._ann(fn.returns)

    def _ann(self, node) -> str:
        if isinstance(node, ast.Name) and node.id in (INT, UINT, BOOL, "ptr8", "ptr16", "ptr32"):
            return node.id
        if isinstance(node, ast.Name) and node.id == "object":
            return OBJ
        raise Viper32Error(f"{self.fn.name}: unsupported annotation {ast.dump(node)}")

    def rewrite(self) -> ast.FunctionDef:
        pre = []
        for a in self.fn.args.args:
            t = self._ann(a.annotation) if a.annotation is not None else OBJ
            self.types[a.arg] = t
            a.annotation = None
            if t == INT:
                pre.append(ast.Assign(targets=[_name(a.arg, ast.Store)],
                                      value=_call("_v32_int", _name(a.arg))))
            elif t == UINT:
                pre.append(ast.Assign(targets=[_name(a.arg, ast.Store)],
                                      value=_call("_v32_uint", _name(a.arg))))
            elif t in PTRS:
                pre.append(ast.Assign(targets=[_name(a.arg, ast.Store)],
                                      value=_call("_v32_" + t, _name(a.arg))))
        self.fn.returns = None
        self.fn.decorator_list = []
        self.fn.body = pre + self._block(self.fn.body)
        return self.fn

    # statements
    def _block(self, stmts):
        out = []
        for s in stmts:
            out.extend(self._stmt(s))
        return out

    def _stmt(self, s):
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant):  # docstring
                return [s]
            return [ast.Expr(value=self._expr(s.value)[0])]
        if isinstance(s, ast.AnnAssign):
            t = self._ann(s.annotation)
            name = s.target.id
            self.types[name] = t
            return [ast.Assign(targets=[_name(name, ast.Store)], value=self._coerce(s.value, t, name))]
        if isinstance(s, ast.Assign):
            if len(s.targets) != 1:
                raise Viper32Error(f"{self.fn.name}: chained assignment")
            return [self._assign(s.targets[0], s.value)]
        if isinstance(s, ast.AugAssign):
            load = self._as_load(s.target)
            return [self._assign(s.target, ast.BinOp(left=load, op=s.op, right=s.value))]
        if isinstance(s, ast.If):
            return [ast.If(test=self._expr(s.test)[0], body=self._block(s.body),
                           orelse=self._block(s.orelse))]
        if isinstance(s, ast.While):
            return [ast.While(test=self._expr(s.test)[0], body=self._block(s.body),
                              orelse=self._block(s.orelse))]
        if isinstance(s, ast.Return):
            if s.value is None:
                return [s]
            v, t = self._expr(s.value)
            if self.ret == BOOL:
                v = ast.Call(func=_name("bool"), args=[v], keywords=[])
            elif self.ret in NATIVE:
                if t == UINT and self.ret == INT:
                    v = _call("_v32_int", v)
                elif t == INT and self.ret == UINT:
                    v = _call("_v32_uint", v)
                v = _call("_v32_box", v)
            return [ast.Return(value=v)]
        if isinstance(s, (ast.Pass, ast.Break, ast.Continue)):
            return [s]
        raise Viper32Error(f"{self.fn.name}: unsupported statement {type(s).__name__}")

    def _as_load(self, target):
        node = ast.parse(ast.unparse(target), mode="eval").body
        return node

    def _coerce(self, value, t, name):
        v, vt = self._expr(value)
        if isinstance(value, ast.Constant) and t in NATIVE:
            return _call("_v32_" + t, v)
        if t in NATIVE and vt in NATIVE and vt != t:
            raise Viper32Error(f"{self.fn.name}: local {name!r} has type {t} but source is {vt}")
        return v

    def _assign(self, target, value):
        if isinstance(target, ast.Name):
            t = self.types.get(target.id)
            if t is None:
                v, vt = self._expr(value)
                self.types[target.id] = vt
                return ast.Assign(targets=[_name(target.id, ast.Store)], value=v)
            return ast.Assign(targets=[_name(target.id, ast.Store)],
                              value=self._coerce(value, t, target.id))
        if isinstance(target, ast.Subscript):
            base, bt = self._expr(target.value)
            idx, _ = self._expr(target.slice)
            v, _vt = self._expr(value)
            if bt in PTRS:
                v = _store_value(bt, v)
            return ast.Assign(targets=[ast.Subscript(value=base, slice=idx, ctx=ast.Store())], value=v)
        if isinstance(target, ast.Tuple):
            v, _ = self._expr(value)
            for elt in target.elts:
                self.types.setdefault(elt.id, OBJ)
            return ast.Assign(targets=[target], value=v)
        raise Viper32Error(f"{self.fn.name}: unsupported assignment target")

    # expressions: return (node, type)
    def _expr(self, e):
        if isinstance(e, ast.Constant):
            if isinstance(e.value, bool):
                return e, BOOL
            if isinstance(e.value, int):
                if not MIN_SMALL <= e.value <= MAX_SMALL:
                    raise Viper32Error(f"{self.fn.name}: literal {e.value:#x} needs more than 31 bits")
                return e, INT
            return e, OBJ
        if isinstance(e, ast.Name):
            if e.id in self.types:
                return _name(e.id), self.types[e.id]
            if e.id in self.consts:
                return _name(e.id), INT
            return _name(e.id), OBJ
        if isinstance(e, ast.Subscript):
            base, bt = self._expr(e.value)
            idx, _ = self._expr(e.slice)
            node = ast.Subscript(value=base, slice=idx, ctx=ast.Load())
            return node, (INT if bt in PTRS else OBJ)
        if isinstance(e, ast.UnaryOp):
            v, t = self._expr(e.operand)
            if isinstance(e.op, ast.Not):
                return ast.UnaryOp(op=e.op, operand=v), BOOL
            if t == INT:
                node = ast.UnaryOp(op=e.op, operand=v)
                return (_checked_int(node) if isinstance(e.op, ast.USub) else node), INT
            if t == UINT:
                return _wrap_uint(ast.UnaryOp(op=e.op, operand=v)), UINT
            return ast.UnaryOp(op=e.op, operand=v), t
        if isinstance(e, ast.BinOp):
            return self._binop(e)
        if isinstance(e, ast.Compare):
            left, lt = self._expr(e.left)
            comps = []
            for c in e.comparators:
                cv, ct = self._expr(c)
                if lt == UINT and ct == INT:
                    cv = _call("_v32_uint", cv)
                elif lt == INT and ct == UINT:
                    raise Viper32Error(f"{self.fn.name}: int compared with uint")
                comps.append(cv)
            return ast.Compare(left=left, ops=e.ops, comparators=comps), BOOL
        if isinstance(e, ast.BoolOp):
            return ast.BoolOp(op=e.op, values=[self._expr(v)[0] for v in e.values]), BOOL
        if isinstance(e, ast.IfExp):
            b, bt = self._expr(e.body)
            return ast.IfExp(test=self._expr(e.test)[0], body=b, orelse=self._expr(e.orelse)[0]), bt
        if isinstance(e, ast.Call):
            return self._call(e)
        if isinstance(e, ast.Attribute):
            v, _ = self._expr(e.value)
            return ast.Attribute(value=v, attr=e.attr, ctx=ast.Load()), OBJ
        if isinstance(e, ast.Tuple):
            return ast.Tuple(elts=[self._expr(x)[0] for x in e.elts], ctx=ast.Load()), OBJ
        raise Viper32Error(f"{self.fn.name}: unsupported expression {type(e).__name__}")

    def _binop(self, e):
        left, lt = self._expr(e.left)
        right, rt = self._expr(e.right)
        if lt not in NATIVE and lt != BOOL or rt not in NATIVE and rt != BOOL:
            if lt in NATIVE:
                left = _call("_v32_box", left)
            if rt in NATIVE:
                right = _call("_v32_box", right)
            return ast.BinOp(left=left, op=e.op, right=right), OBJ
        t = lt if lt in NATIVE else INT
        if rt != t:  # the right operand is reinterpreted as the left operand's type
            right = _call("_v32_" + t, right)
        if isinstance(e.op, (ast.LShift, ast.RShift)):
            if not (isinstance(right, ast.Constant) and 0 <= right.value < 32):
                right = _call("_v32_shift", right)
        op = e.op
        if isinstance(op, (ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)):
            raise Viper32Error(f"{self.fn.name}: operator {type(op).__name__} in viper arithmetic")
        node = ast.BinOp(left=left, op=op, right=right)
        if t == UINT:
            if isinstance(op, ast.RShift) or isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
                return node, UINT
            return _wrap_uint(node), UINT
        if isinstance(op, (ast.RShift, ast.BitAnd, ast.BitOr, ast.BitXor)):
            return node, INT  # cannot leave the int32 range
        return _checked_int(node), INT

    def _call(self, e):
        fname = e.func.id if isinstance(e.func, ast.Name) else None
        if fname in ("int", "uint") and len(e.args) == 1:
            v, t = self._expr(e.args[0])
            return _call("_v32_" + fname, v), fname
        if fname in PTRS and len(e.args) == 1:
            v, t = self._expr(e.args[0])
            if t in NATIVE:
                raise Viper32Error(f"{self.fn.name}: {fname}() of an integer address")
            return _call("_v32_" + fname, v), fname
        if fname == "bool" and len(e.args) == 1:
            return ast.Call(func=_name("bool"), args=[self._expr(e.args[0])[0]], keywords=[]), BOOL
        func, _ = self._expr(e.func)
        args = []
        for a in e.args:
            v, t = self._expr(a)
            args.append(_call("_v32_box", v) if t in NATIVE else v)
        return ast.Call(func=func, args=args, keywords=[]), OBJ


def _is_viper(fn) -> bool:
    for d in fn.decorator_list:
        if isinstance(d, ast.Attribute) and d.attr == "viper":
            return True
        if isinstance(d, ast.Name) and d.id == "viper":
            return True
    return False


def _module_consts(tree) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            f = node.value.func
            if isinstance(f, ast.Name) and f.id == "const":
                for t in node.targets:
                    names.add(t.id)
                    v = node.value.args[0]
                    if isinstance(v, ast.Constant) and not MIN_SMALL <= v.value <= MAX_SMALL:
                        raise Viper32Error(f"const {t.id} = {v.value:#x} needs more than 31 bits")
    return names


def transform(source: str, filename: str = "<viper>") -> ast.Module:
    """The module's AST with every viper function rewritten for 32-bit semantics."""
    tree = ast.parse(source, filename)
    consts = _module_consts(tree)
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.FunctionDef) and _is_viper(node):
            tree.body[i] = _Function(node, consts).rewrite()
        elif isinstance(node, ast.ClassDef):
            for j, sub in enumerate(node.body):
                if isinstance(sub, ast.FunctionDef) and _is_viper(sub):
                    node.body[j] = _Function(sub, consts).rewrite()
    return ast.fix_missing_locations(tree)


# --- loading firmware modules --------------------------------------------------------------------

def _micropython_shim():
    mod = types.ModuleType("micropython")
    mod.const = lambda v: v
    mod.viper = mod.native = lambda f: f
    return mod


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, lib_dir: Path):
        self.lib_dir = Path(lib_dir)

    def find_spec(self, name, path=None, target=None):
        if name == "micropython" or (self.lib_dir / f"{name}.py").exists():
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        if spec.name == "micropython":
            return _micropython_shim()
        return None

    def exec_module(self, module):
        if module.__name__ == "micropython":
            return
        path = self.lib_dir / f"{module.__name__}.py"
        module.__file__ = str(path)
        module.__dict__.update(RUNTIME)
        code = compile(transform(path.read_text(), str(path)), str(path), "exec")
        exec(code, module.__dict__)


def load(lib_dir, names) -> dict[str, types.ModuleType]:
    """Import firmware modules (and what they import from lib_dir) under 32-bit semantics.

    The modules are private to the caller: sys.modules is restored afterwards."""
    finder = _Finder(lib_dir)
    saved = dict(sys.modules)
    local = {n for n in list(sys.modules)
             if n == "micropython" or (Path(lib_dir) / f"{n}.py").exists()}
    for n in local:
        del sys.modules[n]
    sys.meta_path.insert(0, finder)
    try:
        return {n: importlib.import_module(n) for n in names}
    finally:
        sys.meta_path.remove(finder)
        for n in list(sys.modules):
            if n not in saved:
                del sys.modules[n]
        sys.modules.update(saved)
