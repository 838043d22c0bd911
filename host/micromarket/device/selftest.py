"""`micromarket selftest`: Wycheproof-format EdDSA verify vectors through a board's own verify.

The vectors go to the target a few at a time, as data in a one-line call of the firmware's
``ed25519.verify`` (small chunks: a classic ESP32 has about 110 KB of heap); the verdicts come
back as one line of 0/1 per chunk and are held against each vector's expected result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import MicromarketError, UsageError

# Wycheproof's ed25519_test.json (Apache-2.0: vectors/NOTICE), shipped as package data
DEFAULT_VECTORS = Path(__file__).with_name("vectors") / "wycheproof_ed25519_test.json"
CHUNK_BYTES = 2048  # hex of vectors per exec


class SelftestError(MicromarketError):
    """The vectors could not be read or the board gave no usable answer."""


@dataclass(frozen=True)
class Vector:
    tc_id: int
    comment: str
    pk: bytes
    msg: bytes
    sig: bytes
    valid: bool


@dataclass(frozen=True)
class Outcome:
    vector: Vector
    verdict: bool

    @property
    def passed(self) -> bool:
        return self.verdict == self.vector.valid


def load_vectors(path: Path | str = DEFAULT_VECTORS) -> list[Vector]:
    """Vectors of a Wycheproof EdDSA verify file (``testGroups[].publicKey.pk``, ``tests[]``)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        out = []
        for group in data["testGroups"]:
            pk = bytes.fromhex(group["publicKey"]["pk"])
            for t in group["tests"]:
                if t["result"] not in ("valid", "invalid"):
                    continue  # "acceptable" leaves the verdict open: nothing to check
                out.append(Vector(int(t["tcId"]), t.get("comment", ""), pk,
                                  bytes.fromhex(t["msg"]), bytes.fromhex(t["sig"]),
                                  t["result"] == "valid"))
    except FileNotFoundError as exc:
        raise UsageError(f"no vector file at {path}", "pass --vectors FILE") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not a Wycheproof EdDSA verify file ({exc})",
                         "use the format of wycheproof's ed25519_test.json") from exc
    if not out:
        raise UsageError(f"{path} holds no test vectors", "check the file")
    return out


def _chunks(vectors: list[Vector]):
    chunk, size = [], 0
    for v in vectors:
        n = 2 * (len(v.pk) + len(v.msg) + len(v.sig))
        if chunk and size + n > CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(v)
        size += n
    if chunk:
        yield chunk


def _call(chunk: list[Vector]) -> str:
    cases = ",".join(f"({v.pk.hex()!r},{v.msg.hex()!r},{v.sig.hex()!r})" for v in chunk)
    return ("import ed25519\nfrom binascii import unhexlify as _u\n"
            f"print(''.join('1' if ed25519.verify(_u(a), _u(b), _u(c)) else '0' for a, b, c in ({cases},)))")


def run_vectors(target, vectors: list[Vector], progress=None) -> list[Outcome]:
    """Verdicts of the target's ``ed25519.verify``; ``target.exec(code) -> stdout``."""
    outcomes = []
    for chunk in _chunks(vectors):
        answer = target.exec(_call(chunk), timeout=120).strip().splitlines()
        line = answer[-1] if answer else ""
        if len(line) != len(chunk) or set(line) - {"0", "1"}:
            raise SelftestError(f"the board answered {line[:60]!r} for {len(chunk)} vectors",
                                "check that the firmware is deployed (`micromarket deploy`)")
        outcomes += [Outcome(v, bit == "1") for v, bit in zip(chunk, line)]
        if progress:
            progress(len(chunk))
    return outcomes


def selftest(port: str | None = None, vectors: Path | str = DEFAULT_VECTORS,
             progress=None, baud: int = 115200) -> list[Outcome]:
    """Run the vectors on a board (a temporary virtual board when ``port`` is None)."""
    from .target import connect

    vecs = load_vectors(vectors)
    with connect(port, baud=baud) as board:
        return run_vectors(board, vecs, progress)


def summary(outcomes: list[Outcome]) -> str:
    passed = sum(o.passed for o in outcomes)
    return f"{passed} passed, {len(outcomes) - passed} failed"
