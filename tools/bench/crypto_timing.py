# Timing of the crypto core on a MicroPython target (unix port or a board), sent as-is through
# the raw REPL or run as a script. Prints one line: a dict literal of the figures.
# The caller may set BASELINE = True beforehand to time tools/bench/ed25519_bigint.py instead.
import gc
import time

try:
    BASELINE
except NameError:
    BASELINE = False


def _ms(fn, n):
    t = time.ticks_us()
    for _ in range(n):
        fn()
    return time.ticks_diff(time.ticks_us(), t) / 1000 / n


def _measure():
    out = {}
    gc.collect()
    before = gc.mem_alloc()
    if BASELINE:
        import ed25519_bigint as ed
    else:
        import ed25519 as ed
    gc.collect()
    out["import_heap"] = gc.mem_alloc() - before
    seed = bytes(range(32))
    msg = b"tender:" + bytes(120)
    n = 3 if BASELINE else 30
    if BASELINE:
        sig = ed.sign(seed, msg)
        pk = ed.public_key(seed)
        out["sign_ms"] = _ms(lambda: ed.sign(seed, msg), n)
    else:
        key = ed.SigningKey(seed)
        sig, pk = key.sign(msg), key.public
        key.sign(msg)
        out["sign_ms"] = _ms(lambda: key.sign(msg), n)
        worst = 0
        for _ in range(5):
            gc.collect()
            a = gc.mem_alloc()
            key.sign(msg)
            worst = max(worst, gc.mem_alloc() - a)
        out["heap_per_sign"] = worst
        from sha512 import sha512
        data = bytes(4096)
        out["sha512_kb_s"] = 4.0 / (_ms(lambda: sha512(data).digest(), 10) / 1000)
    assert ed.verify(pk, msg, sig)
    out["verify_ms"] = _ms(lambda: ed.verify(pk, msg, sig), n)
    return out


print(_measure())
