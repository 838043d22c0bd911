# Timing of the crypto core on a MicroPython target (unix port or a board), sent as-is through
# the raw REPL or run as a script. Prints one line: a dict literal of the figures.
# The caller may set BASELINE = True beforehand to time ed25519_bigint.py beside this file instead.
# With the firmware's ed25519 the figures name the core it loaded (VARIANT, NATIVE_ERROR).
# Both implementations are timed alike: sign with a key expanded once (SigningKey), sign from
# the seed (one-shot, the public key derived afresh each time), verify.
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


def _worst_heap(fn):
    fn()
    worst = 0
    for _ in range(5):
        gc.collect()
        a = gc.mem_alloc()
        fn()
        worst = max(worst, gc.mem_alloc() - a)
    return worst


def _measure():
    if BASELINE:
        import ed25519_bigint as ed
    else:
        import ed25519 as ed
    out = {}
    if not BASELINE:  # which core this board runs, and why when it is not the viper one
        out["variant"] = ed.VARIANT
        out["native_error"] = ed.NATIVE_ERROR
    seed = bytes(range(32))
    msg = b"tender:" + bytes(120)
    variant = "baseline" if BASELINE else ed.VARIANT
    # the viper core takes a fraction of a ms; the big-int ones take up to seconds on a board
    n = 100 if variant == "viper" else 10 if BASELINE else 3
    key = ed.SigningKey(seed)
    sig, pk = key.sign(msg), key.public
    assert ed.sign(seed, msg) == sig and ed.verify(pk, msg, sig)
    out["sign_ms"] = _ms(lambda: key.sign(msg), n)
    out["sign_oneshot_ms"] = _ms(lambda: ed.sign(seed, msg), n)
    out["verify_ms"] = _ms(lambda: ed.verify(pk, msg, sig), n)
    if not BASELINE:
        out["heap_per_sign"] = _worst_heap(lambda: key.sign(msg))
        out["heap_per_oneshot_sign"] = _worst_heap(lambda: ed.sign(seed, msg))
        from sha512 import sha512
        data = bytes(4096)
        out["sha512_kb_s"] = 4.0 / (_ms(lambda: sha512(data).digest(), 10) / 1000)
    return out


print(_measure())
