"""Persistent store on the unix port: records, sequence blocks, the delivery queue, recovery,
and SIGKILL at random moments during writes."""

import sys
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from micromarket.device import upy
from micromarket.paths import tool

_HERE = str(Path(__file__).parent)  # pytest runs with --import-mode=importlib
sys.path.insert(0, _HERE)
from hw_harness import LIBS, run  # noqa: E402
sys.path.remove(_HERE)

TORTURE = Path(__file__).parent / "upy" / "store_torture.py"


def test_records_sequence_and_queue(tmp_path):
    res = run("""
import store
st = store.Store("state", seq_block=4)
seqs = [st.next_seq() for _ in range(6)]
st.put_json("config", {"market": "m1", "interval": 900})
a = st.push(b"delivery-1"); b = st.push(b"delivery-2")
st.remove(a)
st2 = store.Store("state", seq_block=4)          # a reboot
emit(dict(seqs=seqs, after=st2.next_seq(), cfg=st2.get_json("config"), q=st2.queued(),
          body=st2.read(b).decode(), n=len(st2), missing=st2.get("nothing")))
""", cwd=tmp_path)
    assert res["seqs"] == [1, 2, 3, 4, 5, 6]
    assert res["after"] == 9  # the reserved block 5-8 is skipped, never reused
    assert res["cfg"] == {"market": "m1", "interval": 900}
    assert res["q"] == [2] and res["body"] == "delivery-2" and res["n"] == 1
    assert res["missing"] is None


def test_sequence_file_written_once_per_block(tmp_path):
    res = run("""
import store, os
st = store.Store("state", seq_block=64)
writes = 0
last = None
for _ in range(640):
    st.next_seq()
    cur = st.get("seq")
    if cur != last:
        writes += 1
        last = cur
emit(writes)
""", cwd=tmp_path)
    assert res == 10


def test_damaged_files_are_refused_or_set_aside(tmp_path):
    run("""
import store
st = store.Store("state")
st.put("config", b"hello")
st.push(b"one"); st.push(b"two")
emit(0)
""", cwd=tmp_path)
    (tmp_path / "state" / "config").write_bytes(b"hellX" + (tmp_path / "state" / "config").read_bytes()[5:])
    (tmp_path / "state" / "out" / "00000001").write_bytes(b"on")
    # leftovers of interrupted writes: a complete new record and a torn one
    (tmp_path / "state" / "out" / "00000002.tmp").write_bytes(b"torn")
    res = run("""
import store
st = store.Store("state")
try:
    st.get("config")
    err = None
except store.StoreError as e:
    err = str(e)
emit(dict(err=err, q=st.queued(), two=st.read(2).decode(), recovered=st.recovered))
""", cwd=tmp_path)
    assert "damaged" in res["err"]
    assert res["q"] == [2] and res["two"] == "two"  # the torn .tmp did not replace a good record
    assert res["recovered"] == 2
    assert (tmp_path / "state" / "out" / "00000001.bad").exists()


def test_queued_record_damaged_while_running_or_refused_is_set_aside(tmp_path):
    """A record damaged after boot is set aside (.bad) when read; one the market refused is set
    aside (.refused); one settled meanwhile reads as None. None of them is queued again."""
    run("""
import store
st = store.Store("state")
for b in (b"one", b"two", b"three", b"four"):
    st.push(b)
emit(0)
""", cwd=tmp_path)
    out = tmp_path / "state" / "out"
    res = run("""
import store
st = store.Store("state")
n0 = len(st)
with open("state/out/00000002", "r+b") as f:  # flash damaged under the running agent
    f.write(b"twX")
try:
    st.read(2)
    err = None
except store.StoreError as e:
    err = str(e)
st.set_aside(3)
st.remove(4)
emit(dict(n0=n0, err=err, n=len(st), q=st.queued(), gone=st.read(4), one=st.read(1).decode()))
""", cwd=tmp_path)
    assert res["n0"] == 4 and "damaged" in res["err"]
    assert res["q"] == [1] and res["n"] == 1 and res["gone"] is None and res["one"] == "one"
    assert (out / "00000002.bad").exists() and (out / "00000003.refused").read_bytes()[:5] == b"three"
    res = run("""
import store
st = store.Store("state")
emit(dict(q=st.queued(), n=len(st), recovered=st.recovered))
""", cwd=tmp_path)
    assert res == {"q": [1], "n": 1, "recovered": 0}  # the boot leaves the set-aside files be


def test_complete_tmp_is_promoted_when_the_record_is_gone(tmp_path):
    """The non-atomic fallback (remove, then rename) can stop in between: the .tmp is kept."""
    run("""
import store
store.write_atomic("x", b"payload", True)
emit(0)
""", cwd=tmp_path)
    os.makedirs(tmp_path / "state" / "out")
    (tmp_path / "x").rename(tmp_path / "state" / "config.tmp")
    res = run("""
import store
st = store.Store("state")
emit(st.get("config").decode())
""", cwd=tmp_path)
    assert res == "payload"


def _lines(out: bytes) -> list[list[str]]:
    text = out.decode(errors="replace")
    complete = text[: text.rfind("\n") + 1]  # a line cut by the kill does not count
    return [ln.split() for ln in complete.splitlines() if ln]


def test_sigkill_during_writes_never_loses_or_reuses(tmp_path):
    """300 runs killed at random: one in five at a random moment from start (so also during
    boot-time recovery), the others 0.5-15 ms into the write loop. Each boot must find readable,
    consistent state, sequence numbers above all earlier ones, and the config no older than the
    last put that returned."""
    rnd = random.Random(6)
    cmd = [tool("micropython"), "-X", "heapsize=110K", str(TORTURE)]
    env = upy.micropython_env(LIBS)
    max_seq = 0
    last_cfg = 0
    boots = recovered = 0
    for i in range(300):
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        head = b""
        if i % 5 == 0:
            time.sleep(rnd.uniform(0.0, 0.02))
        else:
            head = proc.stdout.readline()  # booted and checked; now writing
            time.sleep(rnd.uniform(0.0005, 0.015))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        out = head + out
        assert b"Traceback" not in err, err.decode()
        for fields in _lines(out):
            if fields[0] == "BOOT":
                boots += 1
                ok, _queue, rec, k = map(int, fields[1:])
                assert ok == 1, "state not consistent after a kill"
                assert last_cfg <= k <= last_cfg + 1, (k, last_cfg)  # never older than the last put
                last_cfg = k
                recovered += rec > 0
            elif fields[0] == "S":
                seq = int(fields[1])
                assert seq > max_seq, f"sequence {seq} after {max_seq}"  # never back, never reused
                max_seq = seq
            elif fields[0] == "C":
                last_cfg = int(fields[1])
    final = upy.run_file(TORTURE, "check", lib_dirs=LIBS, cwd=tmp_path)
    assert final.startswith("BOOT 1 ")
    assert boots >= 240  # every run that waited for its boot line got one
    assert recovered > 10  # and many kills did land in the middle of a write
    print(f"300 kills: {boots} boots, {recovered} recovered a torn write, last seq {max_seq}")
