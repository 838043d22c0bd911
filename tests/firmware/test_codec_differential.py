"""Host and device accept exactly the same bytes: 13,000 mutations of the signed vectors (types,
lengths, UTF-8, map keys, bignums, item counts, nesting, tags, stray bytes, envelopes rebuilt
with another header, payload or signature; seeded) and the
hand-made cases at each limit go through the host's decoder (micromarket.protocol.codec and
.cose) and the device's (firmware/lib/wire.py on the MicroPython unix port, 64-bit, and on the
32-bit i386 build when ../shared has it). Every input gets the same answer from each: refused by
all, or accepted by all with the same decoded value (its deterministic encoding) and kid.

The decoders run with a heap of 1 MB here: the question is which bytes each accepts, and a map of
1024 pairs, within the limits, takes more than a board's whole heap. A board decodes what the
market sends with far tighter limits (256 items, 2 KB; test_agent_hostile.py) and refuses, not
crashes, on a MemoryError (the agent refuses any message whose handling fails)."""

import os
import subprocess
from pathlib import Path

import pytest

from micromarket import protocol as P
from micromarket.device import upy
from micromarket.paths import FIRMWARE_DIR, ROOT
from micromarket.protocol import codec, cose, vectors

# a helper beside this file (tests/conftest.py puts tests/firmware on sys.path)
import codec_mutations  # noqa: I001

BATCH = Path(__file__).with_name("upy_codec_batch.py")
I386 = ROOT.parent / "shared" / "tools" / "micropython-i386"
COUNT = 12_000
SEED = 14
HEAP = "1M"


def _inputs() -> tuple[list[bytes], list[bytes]]:
    """(everything for the codec, the envelopes among them for the COSE parser)."""
    built = vectors.build()
    messages = [v.message for v in built]
    payloads = [v.payload for v in built]
    envelopes = codec_mutations.mutations(messages, COUNT // 2, SEED) + messages + \
        codec_mutations.envelopes(messages, COUNT // 12, SEED + 2)
    inner = codec_mutations.mutations(payloads, COUNT // 2, SEED + 1) + payloads
    edges = codec_mutations.edges()
    return envelopes + inner + edges, envelopes + edges


INPUTS, ENVELOPES = _inputs()


def host_loads(data: bytes) -> str:
    try:
        return "ok " + codec.dumps(codec.loads(data)).hex()
    except P.ProtocolError:
        return "err"


def host_open(data: bytes) -> str:
    try:
        return "ok " + cose.open1(data).kid.hex()
    except P.ProtocolError:
        return "err"


def _batch(binary, tmp_path, mode: str, inputs: list[bytes]) -> list[str]:
    src = tmp_path / f"{mode}.txt"
    src.write_text("".join(d.hex() + "\n" for d in inputs))
    if binary is None:
        out = upy.run_file(BATCH, mode, str(src), heap=HEAP, timeout=600)
    else:
        env = dict(os.environ, MICROPYPATH=str(FIRMWARE_DIR / "lib"))
        out = subprocess.run([str(binary), "-X", f"heapsize={HEAP}", str(BATCH), mode, str(src)],
                             env=env, capture_output=True, text=True, timeout=600,
                             check=True).stdout
    lines = out.splitlines()
    assert lines[-1].startswith("mem_free_min") and len(lines) == len(inputs) + 1
    # the device's refusals name the fault; only the verdict and the value are compared
    return [line if line.startswith("ok") else line.split(" ", 1)[0] for line in lines[:-1]]


def _compare(binary, tmp_path):
    device = _batch(binary, tmp_path, "loads", INPUTS)
    host = [host_loads(d) for d in INPUTS]
    differ = [(d.hex()[:120], h, v[:80]) for d, h, v in zip(INPUTS, host, device) if h != v]
    assert not differ, f"{len(differ)} codec disagreements, e.g. {differ[:5]}"
    device_open = _batch(binary, tmp_path, "open", ENVELOPES)
    host_open_ = [host_open(d) for d in ENVELOPES]
    differ = [(d.hex()[:120], h, v[:80]) for d, h, v in zip(ENVELOPES, host_open_, device_open)
              if h != v]
    assert not differ, f"{len(differ)} COSE disagreements, e.g. {differ[:5]}"
    accepted = sum(r.startswith("ok") for r in host)
    print(f"\n{len(INPUTS)} inputs to the codec: {accepted} accepted, {len(INPUTS) - accepted} "
          f"refused, by host and device alike; {len(ENVELOPES)} to the COSE parser: "
          f"{sum(r.startswith('ok') for r in host_open_)} accepted")
    # a differential over inputs that all fail the same way would prove little
    assert COUNT // 20 < accepted < len(INPUTS) - COUNT // 4
    crashes = [r for r in device + device_open if r not in ("err",) and not r.startswith("ok")]
    assert not crashes, crashes[:5]


def test_the_issue_cases_are_refused_by_both():
    for hexed in ("62c080", "63eda080", "64f4908080", "990401" + "00" * 1025,
                  "a1c24901000000000000000000"):
        assert host_loads(bytes.fromhex(hexed)) == "err", hexed
    assert host_loads(bytes.fromhex("990400" + "00" * 1024)).startswith("ok")


def test_host_and_device_decoders_agree_on_every_mutated_message(tmp_path):
    assert len(INPUTS) >= 10_000
    _compare(None, tmp_path)


def _i386_runs() -> str | None:
    if not I386.exists():
        return f"{I386} missing (../shared must sit beside the repo)"
    try:
        subprocess.run([str(I386), "-c", "print(1)"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{I386} does not run here ({exc}): no 32-bit support in this kernel?"
    return None


def test_the_32_bit_port_agrees_too(tmp_path):
    why = _i386_runs()
    if why:
        pytest.skip(why)
    _compare(I386, tmp_path)
