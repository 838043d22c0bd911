"""The device's reading of the MarketContext (firmware/lib/wire.py, personalities.py) on the
unix port: it takes the market's tariff and forecast as the host writes them, reads the same
prices out of them, and refuses shapes the personalities could not read."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.device import upy
from micromarket.paths import FIRMWARE_DIR

pytestmark = pytest.mark.skipif(not (FIRMWARE_DIR / "lib" / "ed25519.py").exists(),
                                reason="firmware/lib/ed25519.py (crypto core) not in the tree yet")

DAY0 = 1_767_225_600
CODE = """
import sys, json, wire, personalities as P
key = bytes.fromhex(sys.stdin.readline().strip())
for line in sys.stdin:
    t, data = line.split()
    try:
        c = wire.check_context(key, "m1", bytes.fromhex(data))
    except ValueError as exc:
        print(json.dumps(str(exc)))
        continue
    v = P.view(c, int(t))
    print(json.dumps([v["floor"], v["cap"], P.expected(v, int(t)), P.reach(v)]))
"""


def test_device_reads_tariff_and_forecast_as_the_host_does():
    key = Ed25519PrivateKey.generate()
    pub = P.public_key_bytes(key)
    tariff = ((0, 50_000, 200_000), (7 * 3600, 80_000, 400_000), (21 * 3600, 60_000, 250_000))
    prices = tuple(100_000 + 3_000 * k for k in range(96))
    start = DAY0 + 6 * 3600
    ctx = P.Context(market="m1", key=pub, interval=900, start=start, gate=60, floor=50_000,
                    cap=200_000, tariff=tariff, forecast=(start, 900, prices), qmax=5_000,
                    parent=None, products=("energy",), issued=start - 100,
                    head=(7, bytes(32)))
    good = P.sign(ctx, key, "m1")
    times = [start + k * 900 for k in (-1, 0, 3, 4, 5, 59, 60, 95, 96, 200)]

    def raw(**change):
        payload = dict(ctx.to_payload(), **change)
        return P.cose.sign1(key, P.codec.dumps(payload), "m1")
    bad = [raw(tariff=[]), raw(tariff=[[60, 1, 9]]), raw(tariff=[[0, 9, 1]]),
           raw(tariff=[[0, 1]]), raw(tariff=[[0, -1, 9]]), raw(forecast=[start, 0, []]),
           raw(forecast=[start, 900]), raw(forecast=[start, 900, [1, -2]]), raw(tariff=None)]
    lines = [pub.hex()] + [f"{t} {good.hex()}" for t in times] + [f"{start} {b.hex()}" for b in bad]
    out = upy.run_code(CODE, heap="256K", input=("\n".join(lines) + "\n").encode())
    got = [json.loads(x) for x in out.splitlines()]
    assert len(got) == len(times) + len(bad)
    for t, g in zip(times, got):
        lo, hi = ctx.tariff_at(t)
        exp = ctx.expected(max(t, start))  # an interval begun before the forecast: its first
        exp = hi if exp is None else min(hi, max(lo, exp))
        assert g == [lo, hi, exp, 96 - (t - start) // 900 if t < start + 95 * 900 else 1], t
    assert got[len(times):] == ["context: malformed tariff, forecast or head"] * len(bad)
