"""`micromarket bench market`: ingest, clearing and ledger-verification throughput.

``run()`` returns one dict; the command prints it (``--json``) or a short table. Signing the
simulated tenders is done before the clock starts: only the market's work is measured.
"""

import random
import tempfile
import time
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..market import auction, loadgen
from ..market import ledger as L
from ..market.clock import ManualClock
from ..market.core import Config, Market
from ..market.store import open_db

T0 = 1_800_000_000 - 1_800_000_000 % 300


def _ingest(workdir: Path, parties: int, rounds: int) -> tuple[float, Market]:
    conn = open_db(workdir / "bench.db")
    market = Market(conn, Config(market="bench"), Ed25519PrivateKey.generate(), ManualClock(T0 + 1))
    ps = loadgen.make_parties(parties)
    loadgen.register(conn, ps, "bench")
    market.reload_parties()
    s = market.open_interval()
    msgs = [loadgen.tender(p, "bench", s + 300 * r, 80_000, 400_000)
            for r in range(rounds) for p in ps]
    start = time.perf_counter()
    for i in range(0, len(msgs), 500):
        market.ingest(msgs[i:i + 500])
    elapsed = time.perf_counter() - start
    if market.counters["accepted"] != len(msgs):
        raise RuntimeError(f"bench ingest refused messages: {dict(market.counters)}")
    return len(msgs) / elapsed, market


def _clear(n: int) -> tuple[float, float]:
    r = random.Random(5)
    orders = [(r.randbytes(32), int(r.random() < 0.4),
               sorted((r.randrange(80_000, 400_001, 1000), r.randint(1, 2000)) for _ in range(3)))
              for _ in range(n)]
    blobs = [(o[0], o[1], cbor2.dumps(o[2])) for o in orders]
    start = time.perf_counter()
    auction.clear(orders, 80_000, 400_000)
    clear_s = time.perf_counter() - start
    start = time.perf_counter()
    loaded = [(h, side, [tuple(x) for x in cbor2.loads(b)]) for h, side, b in blobs]
    auction.clear(loaded, 80_000, 400_000)
    return clear_s, time.perf_counter() - start


def _verify(market: Market) -> float:
    n = market.conn.execute("SELECT count(*) FROM ledger").fetchone()[0]
    start = time.perf_counter()
    report = L.verify(market.conn, market.public, market.cfg.market)
    elapsed = time.perf_counter() - start
    if not report.ok:
        raise RuntimeError(f"bench ledger does not verify: {report.problems[:3]}")
    return n / elapsed


def run(parties: int = 2000, rounds: int = 5, clear_n: int = 100_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ingest_per_s, market = _ingest(Path(tmp), parties, rounds)
        verify_per_s = _verify(market)
        start = time.perf_counter()
        out = market.clear(market.open_interval())
        award_per_s = len(out) / (time.perf_counter() - start)
        market.conn.close()
    clear_s, clear_decode_s = _clear(clear_n)
    return {"ingest_per_s": round(ingest_per_s), "clear_100k_s": round(clear_s, 3),
            "clear_100k_with_decode_s": round(clear_decode_s, 3),
            "ledger_verify_per_s": round(verify_per_s), "awards_signed_per_s": round(award_per_s),
            "ingest_messages": parties * rounds, "clear_tenders": clear_n}
