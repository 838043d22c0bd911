"""Generate the unrolled field arithmetic and the base-point table of the firmware's Ed25519.

    .venv/bin/python tests/tools/gen_ed25519.py      # rewrites the file below

firmware/lib/_ed25519_fe.py, one module (each module costs heap on the device):
- mul, square, add, sub modulo p = 2^255 - 19 on 20 limbs of 13 bits, fully unrolled viper.
  Every intermediate stays inside a signed 32-bit int: a column of the product holds at most
  20 products of limbs <= 9216, 20 * 9216^2 < 2^31.
- TABLE: k * 16^(8j) * B for j < 8, k = 1..8, as (y+x, y-x, 2d*x*y), each a 32-byte
  little-endian field element: 8 * 8 * 96 = 6144 bytes. Heap is scarce, and each doubling of
  the rows halves the doublings of a sign: 4 rows (3 KB) take 60, 8 rows take 28, 16 (12 KB)
  would take 12.
- pick: the constant-time read of one entry of a table row, unpacked into limbs. The select
  loops over the eight entries (unrolled, it was no faster on the x64 unix port and 6 KB bigger
  as an xtensawin .mpy).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "host" / "micromarket" / "bench" / "baselines"))
import ed25519_bigint as ref  # noqa: E402

NL = 20          # limbs
BITS = 13        # bits per limb
MASK = (1 << BITS) - 1
TOP_BITS = 255 - BITS * (NL - 1)   # bits of the top limb below 2^255 (8)
FOLD = 19 << (BITS * NL - 255)     # 2^260 = 608 (mod p)
ROWS = 8                           # rows of the base table
SPACING = 64 // ROWS               # base-16 digits between rows
MAX_LIMB = 9216                    # loosest limb a mul/sub input may carry (see _bounds)


def _bounds():
    """Prove the limb bounds: worst cases of every generated op stay in int32 and keep the form."""
    q = _sub_bias()
    assert all(MAX_LIMB < v < 2**15 for v in q)
    assert sum(v << (BITS * i) for i, v in enumerate(q)) % ref.P == 0
    top = (1 << TOP_BITS) - 1
    inb = [MAX_LIMB] * (NL - 1) + [top]
    worst = 0

    def fold(c, out):  # the shared tail: limbs 0..18 in out, c the full top limb
        nonlocal worst
        c0 = out[0] + (c >> TOP_BITS) * 19
        worst = max(worst, c0)
        return [MASK, out[1] + (c0 >> BITS)] + out[2:NL - 1] + [top]

    def product(x, y):
        nonlocal worst
        t, c = [], 0
        for k in range(2 * NL - 1):
            c = (c >> BITS) + sum(x[i] * y[k - i] for i in range(NL) if 0 <= k - i < NL)
            worst = max(worst, c)
            t.append(min(c, MASK))
        t.append(c >> BITS)
        out, c = [], 0
        for k in range(NL):
            c = (c >> BITS) + t[k] + t[k + NL] * FOLD
            worst = max(worst, c)
            out.append(min(c, MASK))
        return fold(c, out)

    def linear(x, y, bias):
        nonlocal worst
        out, c = [], 0
        for k in range(NL):
            c = (c >> BITS) + x[k] + bias[k]
            worst = max(worst, c)
            out.append(min(c, MASK))
        return fold(c, out)

    for res in (product(inb, inb), linear(inb, inb, inb), linear(inb, [0] * NL, q)):
        assert all(r <= b for r, b in zip(res, inb)), res
    assert worst < 2**31, worst
    return q


def _sub_bias():
    """64p in 20 limbs, each between 2^13 and 2^15, so a + bias - b never goes negative."""
    v = 64 * ref.P
    limbs = [(v >> (BITS * i)) & MASK for i in range(NL - 1)] + [v >> (BITS * (NL - 1))]
    for i in range(NL - 1):
        limbs[i] += 1 << BITS
        limbs[i + 1] -= 1
    return limbs


HEADER = '''"""Field arithmetic modulo p = 2^255 - 19 and the base-point table of the Ed25519 core:
GENERATED, do not edit.

Made by tests/tools/gen_ed25519.py. An element is a bytearray of 20 int32 limbs of 13 bits
(value = sum limb[i] * 2^(13 i), below 2^255 + 2^14). Inputs may carry limbs up to 9216; every
output has limbs 0..18 below 2^13 + 2^10 and limb 19 below 2^8, and every intermediate fits a
signed 32-bit int, so the code is exact on a 32-bit port (checked by tests/tools/viper32.py).
Calls are fmul / fadd / fsub(x, y, out) and fsq(out, x); outputs may alias inputs. Native code
in a .mpy keeps only a function's first two locals (its first two arguments) in registers, the
third register holding the module's qstr table: a product reads its two inputs 400 times and
writes its output 20 times, so the inputs come first. A square has only two pointers, and runs
faster on x64 with its output first (measured, 0.16 against 0.25 us).
"""

import micropython

_T = bytearray(160)  # 40 columns of a product
'''


def _tail(lines, r):
    """Fold the top limb's bits above 2^255 back in (times 19) and store limbs 0..1 again."""
    lines.append(f"    {r}[19] = c & 0x{(1 << TOP_BITS) - 1:X}")
    lines.append(f"    c = {r}[0] + (c >> {TOP_BITS}) * 19")
    lines.append(f"    {r}[0] = c & 0x{MASK:X}")
    lines.append(f"    {r}[1] = {r}[1] + (c >> {BITS})")


def _product(name, square):
    lines = ["", "", "@micropython.viper"]
    if square:
        lines += [f"def {name}(r: ptr32, x: ptr32):", "    t = ptr32(_T)"]
    else:
        lines += [f"def {name}(x: ptr32, y: ptr32, r: ptr32):", "    t = ptr32(_T)"]
    for k in range(2 * NL - 1):
        pairs = [(i, k - i) for i in range(NL) if 0 <= k - i < NL]
        if square:
            cross = [f"x[{i}] * x[{j}]" for i, j in pairs if i < j]
            terms = []
            if cross:
                terms.append(f"(({' + '.join(cross)}) << 1)")
            if k % 2 == 0:
                terms.append(f"x[{k // 2}] * x[{k // 2}]")
        else:
            terms = [f"x[{i}] * y[{j}]" for i, j in pairs]
        expr = " + ".join(terms)
        if k == 0:
            lines.append(f"    c: int = {expr}")
        else:
            lines.append(f"    c = (c >> {BITS}) + {expr}")
        lines.append(f"    t[{k}] = c & 0x{MASK:X}")
    lines.append(f"    t[{2 * NL - 1}] = c >> {BITS}")
    lines.append(f"    c = t[0] + t[{NL}] * {FOLD}")
    for k in range(1, NL):
        lines.append(f"    r[{k - 1}] = c & 0x{MASK:X}")
        lines.append(f"    c = (c >> {BITS}) + t[{k}] + t[{k + NL}] * {FOLD}")
    _tail(lines, "r")
    return lines


def _linear(name, sub, q):
    lines = ["", "", "@micropython.viper", f"def {name}(x: ptr32, y: ptr32, r: ptr32):"]
    for k in range(NL):
        term = f"x[{k}] + {q[k]} - y[{k}]" if sub else f"x[{k}] + y[{k}]"
        if k == 0:
            lines.append(f"    c: int = {term}")
        else:
            lines.append(f"    c = (c >> {BITS}) + {term}")
        if k < NL - 1:
            lines.append(f"    r[{k}] = c & 0x{MASK:X}")
    _tail(lines, "r")
    return lines


def _pick(q):
    """The constant-time read of one base-table entry, unrolled (see the docstring below)."""
    lines = ["", "", "@micropython.viper",
             "def pick(t: ptr32, o: ptr32, pre: ptr32, base: int, e: int):",
             '    """pre (3 elements) = e * (the point of the table row at word base), e in -8..8, in',
             "    constant time: every word of the row's eight entries is read and the wanted one kept",
             "    by a mask ((|e| ^ k) - 1) >> 31 (e = 0 gives the identity, (1, 1, 0)); a negative e",
             "    then swaps y+x and y-x and negates 2d*x*y under the mask e >> 31. o is 96 bytes of",
             '    scratch (the picked words)."""',
             "    s: int = e >> 31",
             "    a: int = (e ^ s) - s"]
    lines.append("    m: int = ((a - 1) >> 31) & 1")
    for i in range(24):
        lines.append(f"    o[{i}] = {'m' if i in (0, 8) else '0'}")
    lines.append("    k: int = 1")
    lines.append("    while k <= 8:")
    lines.append("        m = ((a ^ k) - 1) >> 31")
    for i in range(24):
        lines.append(f"        o[{i}] = o[{i}] | (t[base + {i}] & m)" if i else "        o[0] = o[0] | (t[base] & m)")
    lines.append("        base += 24")
    lines.append("        k += 1")
    lines.append("    w: int = 0")
    for i in range(8):  # the swap of y+x and y-x, on the packed words
        lines.append(f"    w = (o[{i}] ^ o[{i + 8}]) & s")
        lines.append(f"    o[{i}] = o[{i}] ^ w")
        lines.append(f"    o[{i + 8}] = o[{i + 8}] ^ w")
    lines.append("    h = ptr16(o)")
    for el in range(3):  # unpack: 13-bit limbs from the little-endian 16-bit halves
        for k in range(NL):
            bit = 256 * el + BITS * k
            hw, sh = bit // 16, bit % 16
            width = BITS if k < NL - 1 else TOP_BITS
            mask = (1 << width) - 1
            if sh + width <= 16:
                expr = f"(h[{hw}] >> {sh}) & 0x{mask:X}" if sh else f"h[{hw}] & 0x{mask:X}"
            else:
                expr = f"((h[{hw}] >> {sh}) | (h[{hw + 1}] << {16 - sh})) & 0x{mask:X}"
            lines.append(f"    pre[{NL * el + k}] = {expr}")
    # 2d*x*y -> its negation where s == -1: q - it, carried as fsub carries, then a masked move
    t0 = 2 * NL
    for k in range(NL):
        term = f"{q[k]} - pre[{t0 + k}]"
        lines.append(f"    c{'' if k else ': int'} = {'(c >> %d) + ' % BITS if k else ''}{term}")
        if k < NL - 1:
            lines.append(f"    o[{k}] = c & 0x{MASK:X}")
    _tail(lines, "o")
    for k in range(NL):
        lines.append(f"    pre[{t0 + k}] = pre[{t0 + k}] ^ ((pre[{t0 + k}] ^ o[{k}]) & s)")
    return lines


def field_module() -> str:
    q = _bounds()
    out = HEADER.splitlines()
    out += _product("fmul", False)
    out += _product("fsq", True)
    out += _linear("fadd", False, q)
    out += _linear("fsub", True, q)
    out += _pick(q)
    out += ["", ""] + _table_lines()
    return "\n".join(out) + "\n"


def _fe_bytes(v):
    return (v % ref.P).to_bytes(32, "little")


def table_bytes() -> bytes:
    out = bytearray()
    row_base = ref.BASE
    for _ in range(ROWS):
        p = row_base
        for _k in range(8):
            x, y, z, _t = p
            zi = pow(z, ref.P - 2, ref.P)
            x, y = x * zi % ref.P, y * zi % ref.P
            out += _fe_bytes(y + x) + _fe_bytes(y - x) + _fe_bytes(2 * ref.D * x * y)
            p = ref.point_add(p, row_base)
        for _d in range(4 * SPACING):
            row_base = ref.point_add(row_base, row_base)  # times 16^SPACING
    return bytes(out)


def _table_lines() -> list[str]:
    data = table_bytes()
    lines = [f"# Base-point table: entry (row j, k = 1..8) is k * 16^({SPACING}j) * B as y+x, y-x,",
             f"# 2d*x*y (32-byte little-endian field elements), 96 bytes; rows of 8 entries, {ROWS} rows.",
             "TABLE = ("]
    for i in range(0, len(data), 48):
        lines.append("    " + repr(data[i:i + 48]))
    lines.append(")")
    return lines


def main():
    lib = ROOT / "firmware" / "lib"
    (lib / "_ed25519_fe.py").write_text(field_module())
    print("wrote", lib / "_ed25519_fe.py")


if __name__ == "__main__":
    main()
