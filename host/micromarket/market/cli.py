"""`micromarket market serve|enroll|loadgen|stats` and `micromarket ledger verify|show|export`:
the command-line face of the market service and of its ledger, online or offline."""

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

import click

from .. import keys
from .. import protocol as P
from ..errors import MicromarketError, UsageError
from ..protocol.broker import parse as parse_broker
from ..paths import default_db
from ..protocol.fields import MARKET_RE
from . import ledger as L
from . import registry, settlement
from .clock import ScaledClock, SystemClock
from .core import Config, Market, parse_tariff
from .embedded import exposure_warning, start_embedded_broker
from .service import MarketService, ParentLink
from .store import get_meta, open_db

DEFAULT_PORT = 1883


def _default_db(_ctx, _param, value):
    return value if value is not None else default_db()


_db = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                   callback=_default_db,
                   help="market database: registry, tenders, ledger, balances "
                        "(default: $MICROMARKET_HOME/market.db, where `provision` registers)")


@click.group("market")
def market():
    """Run the neighbourhood market and look into its database."""


def _market_id(_ctx, _param, value):
    if value is not None and not MARKET_RE.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a market id: 1 to 32 of A-Z a-z 0-9 . _ -")
    return value


_market = click.option("--market", "market_id", required=True, callback=_market_id,
                       help="market id, e.g. elm-street")


@market.command("serve")
@_market
@_db
@click.option("--broker", default=None, help="MQTT broker URL; default: start an embedded one")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535),
              help="port of the embedded broker on 127.0.0.1 (without --broker)")
@click.option("--listen", default=None, help="address of the embedded broker, HOST:PORT (instead of --port)")
@click.option("--broker-passwd", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="let into the embedded broker only the users of this Mosquitto password file")
@click.option("--ca-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="CA that the mqtts:// broker's certificate must chain to (the neighbourhood's ca.pem)")
@click.option("--username", default=None, help="broker username (default with --password-file: mm-market-MARKET)")
@click.option("--password-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="file holding the broker password (broker config writes credentials/mm-market-MARKET)")
@click.option("--parent", default=None, help="parent market as mqtt://HOST:PORT/MARKET")
@click.option("--parent-key", default=None, help="pin the parent market's public key (hex)")
@click.option("--keys", "keys_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="host key directory (default: $MICROMARKET_HOME/keys)")
@click.option("--passphrase-file", default=None, help="passphrase of the market key")
@click.option("--interval", default=300, show_default=True, type=click.IntRange(1, 86400),
              help="interval length, market seconds")
@click.option("--gate", default=60, show_default=True, help="gate closure before an interval, s")
@click.option("--floor", default=80_000, show_default=True, type=click.IntRange(0, 2**32 - 1),
              help="feed-in price, ucr/kWh")
@click.option("--cap", default=400_000, show_default=True, type=click.IntRange(0, 2**32 - 1),
              help="retail price, ucr/kWh")
@click.option("--tariff", default=None,
              help="time-of-use grid prices instead of --floor/--cap, from each UTC time on: "
                   "HH:MM=FEEDIN/RETAIL,... e.g. 00:00=80000/250000,17:00=80000/450000")
@click.option("--qmax", default=100_000, show_default=True, type=click.IntRange(1, 2**32 - 1),
              help="largest tender, Wh")
@click.option("--window", default=12, show_default=True,
              help="intervals after its end that an awarded delivery is awaited; then it is "
                   "settled as 0 Wh")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(0, 100_000, min_open=True),
              help="market time runs this much faster")
@click.option("--anchor", default=None, type=click.FloatRange(0, 2**32 - 1),
              help="Unix time at which market time equals wall time (keep it across restarts)")
@click.option("-v", "--verbose", is_flag=True)
def serve(market_id, db_path, broker, port, listen, broker_passwd, ca_file, username, password_file, parent,
          parent_key, keys_dir, passphrase_file, interval, gate, floor, cap, tariff, qmax, window, speed, anchor, verbose):
    """Run the market: signed context, tenders in, clearing at each gate closure, awards out."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not 0 < gate < interval:
        raise UsageError(f"gate closure {gate} s must lie inside the interval of {interval} s",
                         "use e.g. --interval 300 --gate 60")
    if window < 1:
        raise UsageError(f"delivery window of {window} intervals is too short", "use --window 1 "
                         "or more")
    schedule = None
    if tariff is not None:
        ctx = click.get_current_context()
        if any(ctx.get_parameter_source(p) != click.core.ParameterSource.DEFAULT
               for p in ("floor", "cap")):
            raise UsageError("--tariff replaces --floor and --cap", "give one or the other")
        try:
            schedule = parse_tariff(tariff)
        except ValueError as exc:
            raise UsageError(f"--tariff: {exc}",
                             "e.g. --tariff 00:00=80000/250000,17:00=80000/450000") from None
    elif floor > cap:
        raise UsageError(f"--floor {floor} is above --cap {cap}", "the feed-in price is the lower")
    parent_link = None
    if parent_key is not None and not _is_key_hex(parent_key):
        raise UsageError("--parent-key must be 64 hex digits", "copy it from the parent's `micromarket keys show`")
    if parent:
        try:
            parent_link = ParentLink.from_url(parent, bytes.fromhex(parent_key) if parent_key
                                              else None)
        except (ValueError, MicromarketError) as exc:
            what = exc.args[0] if exc.args else exc
            raise UsageError(f"--parent: {what}", "e.g. --parent mqtt://127.0.0.1:1883/city") from exc
    open_db(db_path).close()  # a file that is no market database is refused before anything starts
    key = keys.load_private(keys_dir or keys.default_dir(), "market",
                            keys.read_passphrase(passphrase_file))
    config = Config(market=market_id, interval=interval, gate=gate, floor=floor, cap=cap,
                    qmax=qmax, window=window, parent=parent_link.market if parent_link else None,
                    tariff=schedule)
    clock = SystemClock() if speed == 1.0 and anchor is None else ScaledClock(speed, anchor)
    embedded = None
    if broker is not None:
        if listen or broker_passwd:
            raise UsageError("--listen and --broker-passwd are for the embedded broker", "drop them, or --broker")
        if password_file and not username:
            username = f"mm-market-{market_id}"
        access = parse_broker(broker, ca_file, username, password_file)
    else:
        host, port = _listen(listen) if listen else ("127.0.0.1", port)
        embedded = (host, port, broker_passwd)
        if exposure_warning(host, broker_passwd):
            click.echo(exposure_warning(host, broker_passwd), err=True)
        access = parse_broker(f"mqtt://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}",
                              None, username, password_file)
    asyncio.run(_serve(db_path, config, key, clock, access, embedded, parent_link))


def _is_key_hex(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == 32
    except ValueError:
        return False


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--listen {value!r} is not HOST:PORT", "e.g. --listen 0.0.0.0:1883")
    return host.strip("[]"), int(port)


async def _serve(db_path, config, key, clock, broker, embedded, parent_link) -> None:
    if embedded is not None:
        host, port, passwd = embedded
        embedded = await start_embedded_broker(port, host, passwd)
    conn = open_db(db_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        market = Market(conn, config, key, clock)
        click.echo(f"market {config.market} on {broker.url} (db {db_path}); Ctrl-C stops it", err=True)
        await MarketService(market, broker, parent_link).run(stop)
    finally:
        conn.close()
        if embedded is not None:
            await embedded.shutdown()


@market.command("enroll")
@_db
@click.option("--keys", "keys_dir", default=None, type=click.Path(file_okay=False, path_type=Path))
@click.argument("credential", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def enroll_cmd(db_path, keys_dir, credential, as_json):
    """Put a party into the registry from its registrar-signed enrollment credential file."""
    open_db(db_path).close()  # a file that is no market database is refused first
    party = registry.enroll(db_path, credential.read_bytes(), keys_dir=keys_dir)
    click.echo(json.dumps(party.to_dict()) if as_json else f"enrolled {party.party} ({party.role})")


@market.command("loadgen")
@_market
@_db
@click.option("--broker", required=True, help="MQTT broker URL of the market")
@click.option("--ca-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="CA the mqtts:// broker's certificate must chain to")
@click.option("--username", default=None, help="broker username (one that may publish every party's tenders)")
@click.option("--password-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="file holding that user's broker password")
@click.option("--parties", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--rounds", default=1, show_default=True, type=click.IntRange(1, 100_000),
              help="intervals to bid for")
@click.option("--seed", default=1, show_default=True, help="same seed, same party keys")
@click.option("--resend", default=5.0, show_default=True,
              help="send an unanswered tender again after this many seconds")
@click.option("--timeout", default=600.0, show_default=True,
              help="give up on answers after this many seconds")
@click.option("--json", "as_json", is_flag=True)
def loadgen_cmd(market_id, db_path, broker, ca_file, username, password_file, parties, rounds, seed,
                resend, timeout, as_json):
    """Sign and send tenders of many simulated parties (registered without credentials), each
    again until the market answers it (its award, or an error naming it)."""
    from . import loadgen
    access = parse_broker(broker, ca_file, username, password_file)
    sims = loadgen.make_parties(parties, seed)
    conn = open_db(db_path)
    try:
        loadgen.register(conn, sims, market_id)
        key = get_meta(conn, "key")
    finally:
        conn.close()
    result = asyncio.run(loadgen.drive(access, market_id, sims, rounds,
                                       bytes(key) if key else None, timeout, resend))
    if as_json:
        click.echo(json.dumps(result))
        return
    answers = ", ".join(f"{n} {name}" for name, n in sorted(result["answers"].items()))
    click.echo(f"sent {result['tenders']} tenders of {parties} parties ({result['resent']} copies)"
               f" in {result['wall_s']} s; answered: {answers or 'none'}; unanswered: "
               f"{result['unanswered']}")


@market.command("stats")
@_db
@click.option("--json", "as_json", is_flag=True)
def stats_cmd(db_path, as_json):
    """Counters, cleared intervals, balances, the Community Credit and the grid account; per
    interval, what the parties, the grid and the parent account were credited (they sum to 0)."""
    conn = open_db(db_path, readonly=True)
    try:
        counters = json.loads(get_meta(conn, "counters", "{}"))
        intervals = [dict(zip(("interval", "price", "local", "grid_buy", "grid_sell", "tenders"), r))
                     for r in conn.execute("SELECT interval, price, local, grid_buy, grid_sell, "
                                           "tenders FROM intervals WHERE state = 'cleared' "
                                           "ORDER BY interval")]
        failed = []
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'failures'").fetchone():
            failed = [dict(zip(("interval", "time", "reason"), r)) for r in conn.execute(
                "SELECT interval, time, reason FROM failures ORDER BY interval")]
        books = settlement.books(conn)
        result = {"market": get_meta(conn, "market"), "counters": counters,
                  "intervals": intervals, "failed": failed, **settlement.balances(conn),
                  "grid": books["grid"], "books": books["intervals"],
                  "closing_error": books["closing_error"]}
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"market {result['market']}: {len(intervals)} intervals cleared, "
               f"{len(failed)} failed, Community Credit {result['community_credit']} ucr")
    for f in failed:
        click.echo(f"  interval {f['interval']} FAILED at {f['time']}: {f['reason']}")
    for name, n in sorted(counters.items()):
        click.echo(f"  {name:<16} {n}")
    for party, v in result["parties"].items():
        click.echo(f"  {party}  balance {v['balance']:>12} ucr  reputation {v['reputation']}")
    g = result["grid"]
    click.echo(f"  grid account     balance {g['balance']:>12} ucr  imported "
               f"{sum(g['imported_wh'].values())} Wh, exported {sum(g['exported_wh'].values())} Wh"
               f"; books close to {result['closing_error']} ucr over {len(result['books'])} "
               "intervals")


# ---------------------------------------------------------------- ledger
class LedgerInvalid(MicromarketError):
    """The ledger does not verify."""


def _market_key(conn, key_hex: str | None, keys_dir: Path | None) -> bytes:
    if key_hex:
        try:
            key = bytes.fromhex(key_hex)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise UsageError("--key must be 64 hex digits", "copy it from `micromarket keys show`")
        return key
    if keys_dir is not None:
        return bytes.fromhex(keys.public_hex(keys_dir, "market"))
    stored = get_meta(conn, "key") if conn is not None else None
    if stored is None:
        raise UsageError("no market key to check against", "pass --key HEX or --keys DIR")
    return bytes(stored)


def _finish(report: L.Report, as_json: bool, where: str) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        state = "verifies" if report.ok else "DOES NOT verify"
        click.echo(f"{where}: {report.entries} entries, {report.checkpoints} signed checkpoints; "
                   f"ledger {state}")
        if report.unsigned_tail:
            click.echo(f"  {report.unsigned_tail} entries after the last checkpoint are not signed yet")
        for _idx, problem in report.problems[:20]:
            click.echo(f"  {problem}")
    if not report.ok:
        raise LedgerInvalid(f"ledger of {where} does not verify ({len(report.problems)} problems)",
                            "do not trust it; compare with an earlier export")


@click.group("ledger")
def ledger():
    """Verify, show and export the market's signed hash-chain ledger."""


_key = click.option("--key", "key_hex", default=None,
                    help="market public key in hex (the one to trust; default: --keys or the db's)")
_keys = click.option("--keys", "keys_dir", default=None,
                     type=click.Path(file_okay=False, path_type=Path), help="host key directory")


@ledger.command("verify")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="market database (default: $MICROMARKET_HOME/market.db)")
@click.option("--export", "export_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="verify an exported CBOR sequence instead (offline)")
@_key
@_keys
@click.option("--json", "as_json", is_flag=True)
def ledger_verify_cmd(db_path, export_path, key_hex, keys_dir, as_json):
    """Check every link, hash and market-signed checkpoint; exit non-zero on any problem."""
    if db_path is not None and export_path is not None:
        raise UsageError("give one of --db and --export, not both", "e.g. --db market.db")
    if export_path is None and db_path is None:
        db_path = default_db()
    if export_path is not None:
        with open(export_path, "rb") as f:
            header, _ = L.read_export(f)
            f.seek(0)
            key = _market_key(None, key_hex, keys_dir) if (key_hex or keys_dir) else None
            if key is None:
                raise UsageError("offline verification needs the market key to trust",
                                 "pass --key HEX (never the key inside the export)")
            report = L.verify_export(f, key)
        _finish(report, as_json, str(export_path))
        return
    trusted = _market_key(None, key_hex, keys_dir) if (key_hex or keys_dir) else None
    conn = open_db(db_path, readonly=True)
    try:
        report = L.verify(conn, trusted or _market_key(conn, None, None), get_meta(conn, "market"))
    finally:
        conn.close()
    _finish(report, as_json, str(db_path))


def _describe(kind: str, body: bytes) -> dict:
    if kind == L.CHECKPOINT:
        return {"signer": P.cose.open1(body).signer}
    try:
        signed = P.read(body)
    except P.ProtocolError as exc:
        return {"undecodable": exc.reason}
    payload = signed.message.to_payload()
    return {k: (v.hex() if isinstance(v, bytes) else v) for k, v in payload.items()
            if k not in ("type", "v")} | {"signer": signed.signer}


@ledger.command("show")
@_db
@click.option("--from", "start", default=0, show_default=True, type=click.IntRange(0), help="first entry")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
def ledger_show_cmd(db_path, start, limit, as_json):
    """List ledger entries with their decoded contents."""
    conn = open_db(db_path, readonly=True)
    try:
        for idx, kind, time, body, _prev, h in L.rows(conn, start, limit):
            info = _describe(kind, body)
            if as_json:
                click.echo(json.dumps({"index": idx, "kind": kind, "time": time,
                                       "hash": h.hex(), **info}))
            else:
                brief = ", ".join(f"{k}={v}" for k, v in info.items() if k not in ("curve",))
                click.echo(f"#{idx:<7} {kind:<12} {time}  {h.hex()[:16]}  {brief[:120]}")
    finally:
        conn.close()


@ledger.command("export")
@_db
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="file for the CBOR sequence ('-' for stdout)")
def ledger_export_cmd(db_path, output):
    """Write the ledger as a CBOR sequence that verifies offline with the market's public key."""
    conn = open_db(db_path, readonly=True)
    try:
        market, key = get_meta(conn, "market"), get_meta(conn, "key")
        if market is None or key is None:
            raise UsageError(f"{db_path} has never been served by a market",
                             "run `micromarket market serve` on it first")
        if output == "-":
            n = L.export(conn, sys.stdout.buffer, market, bytes(key))
        else:
            with open(output, "wb") as f:
                n = L.export(conn, f, market, bytes(key))
            click.echo(f"wrote {n} entries of market {market} to {output}", err=True)
    finally:
        conn.close()
