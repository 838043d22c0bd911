"""`micromarket bench market`: ingest, clearing, ledger verification, tree heads, proofs and
the audit's replay.

``run()`` returns one dict; the command prints it (``--json``) or a short table. Signing the
simulated tenders and deliveries is done before the clock starts: only the market's work is
measured. The ledger measured holds what a market's does: enrollments, a context, tenders,
awards, a clearing, deliveries with their receipts, and a tree head after every write. The
audit's rate is also given as a ratio to a plain hash-chain check of the same ledger (entry
hashes and links only), which on the same machine factors out its speed.
"""

import random
import tempfile
import time
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .. import protocol as P
from ..market import audit, auction, loadgen
from ..market import ledger as L
from ..market.clock import ManualClock
from ..market.core import Config, Market
from ..market.store import open_db

T0 = 1_800_000_000 - 1_800_000_000 % 300


def _ingest(workdir: Path, parties: int, rounds: int) -> tuple[float, Market, list]:
    conn = open_db(workdir / "bench.db")
    market = Market(conn, Config(market="bench"), Ed25519PrivateKey.generate(), ManualClock(T0 + 1))
    ps = loadgen.make_parties(parties)
    loadgen.enroll(conn, ps, "bench", Ed25519PrivateKey.generate(), T0)
    market.log_context(market.context())
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
    return len(msgs) / elapsed, market, ps


def _deliver(market: Market, ps: list, s: int, out) -> None:
    """Every party delivers what it was awarded for ``s`` (10 Wh off), naming the tree head of
    the clearing; the market settles them."""
    head = next(P.read(o.payload).message.head for o in out if o.topic.endswith("/clearing"))
    by_party = {p.party: p for p in ps}
    market.clock.set(s + 300 + 1)
    batch = []
    for o in out:
        if "/award/" in o.topic:
            a = P.read(o.payload).message
            batch.append(loadgen.delivery(by_party[a.party], market.cfg.market, s, a.side,
                                          a.wh + 10, P.message_hash(o.payload), head=head))
    for i in range(0, len(batch), 500):
        market.ingest(batch[i:i + 500])


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


def _verify(market: Market) -> tuple[int, float, float, float]:
    """Entries; full verification (chain, Merkle tree, tree heads), a plain hash-chain check
    and the audit's replay, each in entries per second."""
    conn = market.conn
    n = conn.execute("SELECT count(*) FROM ledger").fetchone()[0]
    start = time.perf_counter()
    report = L.verify(conn, market.public, market.cfg.market)
    verify_s = time.perf_counter() - start
    if not report.ok:
        raise RuntimeError(f"bench ledger does not verify: {report.problems[:3]}")
    start = time.perf_counter()
    prev = L.GENESIS
    for idx, kind, t, body, link, stored in L.rows(conn):
        h = L.entry_hash(idx, kind, t, body, link)
        if link != prev or h != stored:
            raise RuntimeError(f"bench ledger's chain breaks at #{idx}")
        prev = h
    chain_s = time.perf_counter() - start
    start = time.perf_counter()
    result = audit.audit(conn)
    audit_s = time.perf_counter() - start
    if not result.ok:
        raise RuntimeError(f"bench audit found differences: {result.differences[:3]}")
    return n, n / verify_s, n / chain_s, n / audit_s


def _heads_and_proofs(market: Market, count: int = 2000) -> tuple[float, float, float]:
    """Tree heads signed, inclusion and consistency proofs made, per second (nothing kept)."""
    conn = market.conn
    a = L.Appender(conn)
    start = time.perf_counter()
    for _ in range(count):
        a.sign_head(market.key, market.cfg.market, T0)
    heads_s = time.perf_counter() - start
    tree = L.Tree(conn)
    r = random.Random(7)
    start = time.perf_counter()
    for _ in range(count):
        tree.inclusion(r.randrange(tree.size), tree.size)
    inclusion_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(count):
        tree.consistency(r.randrange(1, tree.size), tree.size)
    consistency_s = time.perf_counter() - start
    return count / heads_s, count / inclusion_s, count / consistency_s


def run(parties: int = 2000, rounds: int = 5, clear_n: int = 100_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ingest_per_s, market, ps = _ingest(Path(tmp), parties, rounds)
        s = market.open_interval()
        start = time.perf_counter()
        out = market.clear(s)
        award_per_s = len(out) / (time.perf_counter() - start)
        _deliver(market, ps, s, out)
        entries, verify_per_s, chain_per_s, audit_per_s = _verify(market)
        heads_per_s, inclusion_per_s, consistency_per_s = _heads_and_proofs(market)
        market.conn.close()
    clear_s, clear_decode_s = _clear(clear_n)
    return {"ingest_per_s": round(ingest_per_s), "clear_100k_s": round(clear_s, 3),
            "clear_100k_with_decode_s": round(clear_decode_s, 3),
            "ledger_verify_per_s": round(verify_per_s), "awards_signed_per_s": round(award_per_s),
            "chain_verify_per_s": round(chain_per_s), "audit_per_s": round(audit_per_s),
            "audit_to_chain_ratio": round(audit_per_s / chain_per_s, 3),
            "treeheads_signed_per_s": round(heads_per_s),
            "inclusion_proofs_per_s": round(inclusion_per_s),
            "consistency_proofs_per_s": round(consistency_per_s),
            "ledger_entries": entries, "ingest_messages": parties * rounds, "clear_tenders": clear_n}
