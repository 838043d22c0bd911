"""`micromarket market serve|enroll|loadgen|stats` and `micromarket ledger verify|show|export|
head|prove|consistency|check-proof|audit`: the command-line face of the market service and of
its ledger, online or offline.

Every ledger check trusts only a market key given on the command line (``--key HEX`` or
``--keys DIR``), never the one stored in the database or an export: whoever can rewrite those
can rewrite the key too."""

import asyncio
import dataclasses
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

import click

from .. import keys
from .. import protocol as P
from ..errors import MicromarketError, UsageError
from ..protocol.broker import parse as parse_broker
from ..paths import default_db
from ..protocol.fields import MARKET_RE
from . import audit as A
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
@click.option("--advertise", default=None, metavar="ADDRESS",
              help="announce the market with DNS-SD over mDNS on the interface of this IPv4 address "
                   "(devices provisioned with --broker mdns find it)")
@click.option("--parent", default=None, help="parent market as mqtt://HOST:PORT/MARKET")
@click.option("--parent-key", default=None, help="pin the parent market's public key (hex)")
@click.option("--parent-ca-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="CA of an mqtts:// parent broker")
@click.option("--parent-password-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="this market's password at the parent's broker (its username: this market's id)")
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
@click.option("-v", "--verbose", count=True,
              help="-v: the market's own log; -vv: also the MQTT libraries' (amqtt, transitions)")
def serve(market_id, db_path, broker, port, listen, broker_passwd, ca_file, username, password_file, advertise,
          parent,
          parent_key, parent_ca_file, parent_password_file, keys_dir, passphrase_file, interval, gate, floor, cap, tariff, qmax, window, speed, anchor, verbose):
    """Run the market: signed context, tenders in, clearing at each gate closure, awards out."""
    _quiet_libraries(verbose)
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
    if (parent_ca_file or parent_password_file) and not parent:
        raise UsageError("--parent-ca-file and --parent-password-file need --parent", "name the parent market")
    if parent_key is not None and not _is_key_hex(parent_key):
        raise UsageError("--parent-key must be 64 hex digits", "copy it from the parent's `micromarket keys show`")
    if parent:
        try:
            parent_link = ParentLink.from_url(parent, bytes.fromhex(parent_key) if parent_key
                                              else None)
            parent_link.access = parse_broker(parent, parent_ca_file,
                                              market_id if parent_password_file else None,
                                              parent_password_file)
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
        own = None
        if broker_passwd is not None:  # the market logs into its own broker with a password of this run
            import secrets

            from ..protocol.broker import hash_password

            username, run_password = f"mm-market-{market_id}", secrets.token_urlsafe(18)
            own = {username: hash_password(run_password)}
        embedded = (host, port, broker_passwd, own)
        if exposure_warning(host, broker_passwd):
            click.echo(exposure_warning(host, broker_passwd), err=True)
        access = parse_broker(f"mqtt://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}",
                              None, username, password_file)
        if own:
            access = dataclasses.replace(access, password=run_password)
    announce = None
    if advertise is not None:
        from .discovery import broker_for_devices

        announce = (advertise, broker_for_devices(access.url.replace(f"{access.username}@", ""), advertise),
                    keys.raw_public(key))
    asyncio.run(_serve(db_path, config, key, clock, access, embedded, parent_link, announce,
                       keys_dir or keys.default_dir()))


# Libraries that log a traceback for what is routine to a market (a device that resets drops
# its connection mid-PUBACK): shown only with -vv.
_NOISY = ("amqtt", "transitions", "asyncio")


def _quiet_libraries(verbose: int) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.INFO if verbose > 1 else logging.CRITICAL)


def _interval_line(c: dict) -> str:
    """One line per cleared interval: what an operator watches."""
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(c["interval"]))
    if c["state"] != "cleared":
        return f"interval {when} UTC ({c['interval']}): {c['state']}"
    awarded = c["local_wh"] * 2 + c["grid_buy_wh"] + c["grid_sell_wh"]
    share = f"{100 * 2 * c['local_wh'] // awarded}%" if awarded else "-"
    refused = ", ".join(f"{n} {code}" for code, n in sorted(c["refused"].items())) or "none"
    return (f"interval {when} UTC ({c['interval']}): price {c['price']} ucr/kWh, {awarded} Wh awarded, "
            f"{share} local (from the grid {c['grid_sell_wh']} Wh, to it {c['grid_buy_wh']} Wh), "
            f"{c['parties']} parties, {c['tenders']} tenders; refused: {refused}")


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


def _clock_words(clock) -> str:
    if isinstance(clock, ScaledClock):
        return f"market time runs {clock.speed:g}x from anchor {int(clock.anchor)}"
    return "market time is wall time"


async def _serve(db_path, config, key, clock, broker, embedded, parent_link, announce=None,
                 keys_dir=None) -> None:
    if embedded is not None:
        host, port, passwd, own = embedded
        embedded = await start_embedded_broker(port, host, passwd, own)
    conn = open_db(db_path)
    ad = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        market = Market(conn, config, key, clock)
        click.echo(f"market {config.market} on {broker.url}; db {db_path}, keys {keys_dir}; "
                   f"{_clock_words(clock)}; Ctrl-C stops it", err=True)
        if announce is not None:
            from .discovery import Advertisement

            address, url, pub = announce
            ad = await asyncio.to_thread(Advertisement, config.market, pub, url, address, broker.port)
            click.echo(f"announced on {address} (mDNS): devices connect to {url}", err=True)
        await MarketService(market, broker, parent_link,
                            on_cleared=lambda c: click.echo(_interval_line(c))).run(stop)
    finally:
        if ad is not None:
            await asyncio.to_thread(ad.close)
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


def _hex_key(value: str, option: str) -> bytes:
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise UsageError(f"{option} must be 64 hex digits", "copy it from `micromarket keys show`")
    return key


def _trusted_key(key_hex: str | None, keys_dir: Path | None) -> bytes:
    if key_hex:
        return _hex_key(key_hex, "--key")
    if keys_dir is not None:
        return bytes.fromhex(keys.public_hex(keys_dir, "market"))
    if (keys.default_dir() / "market.pub").exists():  # this host's own market: its key directory
        return bytes.fromhex(keys.public_hex(keys.default_dir(), "market"))
    raise UsageError("no market key to trust",
                     "pass the market's public key: --key HEX (from `micromarket keys show` on "
                     "the market's host) or --keys DIR; the key stored in the ledger is never "
                     "trusted")


def _private_file(path: str):
    """A new file readable by the owner only (exports hold every party's trades)."""
    try:
        return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}",
                         "give a file in a directory that exists and you may write") from exc


def _write(output: str, data: bytes, what: str) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with _private_file(output) as f:
        f.write(data)
    click.echo(f"wrote {what} to {output}", err=True)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}", "check the path") from exc


@click.group("ledger")
def ledger():
    """Verify, prove, audit and export the market's signed Merkle-tree ledger."""


_key = click.option("--key", "key_hex", default=None,
                    help="the market public key to trust, in hex")
_keys = click.option("--keys", "keys_dir", default=None,
                     type=click.Path(file_okay=False, path_type=Path),
                     help="host key directory holding market.pub (the key to trust)")


def _finish(report: L.Report, as_json: bool, where: str) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        state = "verifies" if report.ok else "DOES NOT verify"
        click.echo(f"{where}: {report.entries} entries, {report.treeheads} signed tree heads, "
                   f"tree of {report.tree_size} entries with root {report.root.hex()}, "
                   f"{report.witnessed} witnessed heads checked; ledger {state}")
        for _idx, problem in sorted(report.problems, key=lambda p: p[0])[:20]:
            click.echo(f"  {problem}")
    if not report.ok:
        first = report.first_bad()
        raise LedgerInvalid(f"ledger of {where} does not verify: first bad entry #{first} "
                            f"({len(report.problems)} problems)",
                            "do not trust it; compare with an earlier export or tree head")


@ledger.command("verify")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="market database (default: $MICROMARKET_HOME/market.db)")
@click.option("--export", "export_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="verify an exported CBOR sequence instead (offline)")
@_key
@_keys
@click.option("--since", "since", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="an earlier tree head (`ledger head`) or export the ledger must extend")
@click.option("--witnesses", "witnesses", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="devices' delivery messages (a CBOR sequence): the ledger must extend "
                   "every tree head they name")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def ledger_verify_cmd(db_path, export_path, key_hex, keys_dir, since, witnesses, as_json):
    """Check every link, hash and market-signed tree head, and that the ledger extends every
    earlier head given; exit non-zero on any problem."""
    if db_path is not None and export_path is not None:
        raise UsageError("give one of --db and --export, not both", "e.g. --db market.db")
    if export_path is None and db_path is None:
        db_path = default_db()
    # what was given is checked first, each naming its option; then the ledger is opened
    given = _trusted_key(key_hex, keys_dir) if key_hex or keys_dir else None
    before = _read(since, "earlier head") if since else None
    if before is not None:
        L.earlier_kind(before, str(since))
    named = [w for path in witnesses for w in L.read_witnesses(_read(path, "witnesses"),
                                                               str(path))]
    conn = None
    if db_path is not None:
        conn = open_db(db_path, readonly=True)
        market = get_meta(conn, "market")
    else:
        with open(export_path, "rb") as f:
            market = L.read_export(f)[0].get("market")
    try:
        key = given or _trusted_key(None, None)
        earlier = L.read_earlier(before, str(since), key, market) if since else None
        sizes = {d.head[0] for _raw, d in named if d.head is not None}
        if earlier is not None:
            sizes.add(earlier.size)
        hashes: list[bytes] = []

        def keep(entries):
            for e in entries:
                hashes.append(L.entry_hash(*e[:5]))
                yield e
        if conn is not None:
            report = L.verify_entries(keep(L.rows(conn)), key, market, sizes)
        else:
            with open(export_path, "rb") as f:
                header, entries = L.read_export(f)
                report = L.verify_entries(keep(entries), key, market, sizes)
                if header.get("entries") != report.entries:
                    report.problem(report.entries, f"header announces {header.get('entries')} "
                                                   f"entries, the file holds {report.entries}")
    finally:
        if conn is not None:
            conn.close()
    if earlier is not None:
        L.check_earlier(report, earlier, hashes)
    L.check_witnesses(report, named)
    _finish(report, as_json, str(db_path or export_path))


def _describe(kind: str, body: bytes) -> dict:
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
    """List ledger entries with their decoded contents and message hashes."""
    conn = open_db(db_path, readonly=True)
    try:
        for idx, kind, time, body, _prev, h in L.rows(conn, start, limit):
            info = _describe(kind, body)
            message = P.message_hash(bytes(body)).hex()
            if as_json:
                click.echo(json.dumps({"index": idx, "kind": kind, "time": time,
                                       "hash": h.hex(), "message": message, **info},
                                      default=lambda v: v.hex() if isinstance(v, bytes) else v))
            else:
                brief = ", ".join(f"{k}={v}" for k, v in info.items() if k not in ("curve",))
                click.echo(f"#{idx:<7} {kind:<12} {time}  {message[:16]}  {brief[:120]}")
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
            with _private_file(output) as f:
                n = L.export(conn, f, market, bytes(key))
            click.echo(f"wrote {n} entries of market {market} to {output}", err=True)
    finally:
        conn.close()


@ledger.command("head")
@_db
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="file for the tree head message ('-' for stdout)")
def ledger_head_cmd(db_path, output):
    """Save the newest market-signed tree head (keep it for `ledger verify --since`)."""
    conn = open_db(db_path, readonly=True)
    try:
        latest = L.latest_head(conn)
    finally:
        conn.close()
    if latest is None:
        raise UsageError(f"the ledger of {db_path} has no signed tree head yet",
                         "let the market run until it writes one")
    th = P.read(latest[1]).message
    _write(output, latest[1], f"the tree head of {th.size} entries")


def _proof_out(proof: dict, output: str | None) -> None:
    text = json.dumps(proof, indent=1) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text.encode(), f"a {proof['type']} proof")


@ledger.command("prove")
@_db
@click.argument("message_hash")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="file for the proof (default: stdout)")
def ledger_prove_cmd(db_path, message_hash, output):
    """Print an inclusion proof of the message whose SHA-256 is MESSAGE_HASH (hex) under the
    newest signed tree head; `ledger check-proof` checks it with the market key alone."""
    try:
        h = bytes.fromhex(message_hash)
    except ValueError:
        h = b""
    if len(h) != 32:
        raise UsageError("MESSAGE_HASH must be 64 hex digits",
                         "take it from `ledger show` (the hash after the time)")
    conn = open_db(db_path, readonly=True)
    try:
        proof = L.inclusion_proof(conn, h)
    finally:
        conn.close()
    _proof_out(proof, output)


@ledger.command("consistency")
@_db
@click.option("--from", "old", required=True, type=click.IntRange(0),
              help="the size of the earlier tree head")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="file for the proof (default: stdout)")
def ledger_consistency_cmd(db_path, old, output):
    """Print a proof that the newest signed tree head extends the ledger's first SIZE entries."""
    conn = open_db(db_path, readonly=True)
    try:
        proof = L.consistency_proof(conn, old)
    finally:
        conn.close()
    _proof_out(proof, output)


@ledger.command("check-proof")
@click.argument("proof_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True,
                                              path_type=Path))
@_key
@_keys
def ledger_check_proof_cmd(proof_file, key_hex, keys_dir):
    """Check an inclusion or consistency proof offline with the market's public key alone."""
    given = _trusted_key(key_hex, keys_dir) if key_hex or keys_dir else None
    text = sys.stdin.read() if str(proof_file) == "-" else _read(proof_file, "proof").decode(
        "utf-8", "replace")
    try:
        proof = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{proof_file} is not a proof (not JSON: {exc})",
                         "give a file written by `ledger prove` or `ledger consistency`") from exc
    if not isinstance(proof, dict):
        raise UsageError(f"{proof_file} is not a proof", "give a file written by `ledger prove`")
    click.echo(f"proven: {L.check_proof(proof, given or _trusted_key(None, keys_dir))}")


@ledger.command("audit")
@_db
@click.option("--registrar", "registrar_hex", default=None,
              help="the registrar's public key in hex, to check every enrollment's signature")
@_keys
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def ledger_audit_cmd(db_path, registrar_hex, keys_dir, as_json):
    """Replay the signed messages of the ledger alone and compare the registry, balances,
    settlement and Community Credit they imply with the database's tables (`ledger verify`
    checks the signatures that vouch for the messages)."""
    registrar = None
    if registrar_hex:
        registrar = _hex_key(registrar_hex, "--registrar")
    elif keys_dir is not None:
        registrar = bytes.fromhex(keys.public_hex(keys_dir, "registrar"))
    conn = open_db(db_path, readonly=True)
    try:
        result = A.audit(conn, registrar)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    else:
        state = "agree" if result.ok else "DO NOT agree"
        click.echo(f"{db_path}: replayed {result.entries} entries ({result.messages} signed "
                   f"messages, {result.parties} parties, {result.deliveries} deliveries): the "
                   f"tables and the signed messages {state}")
        for d in result.differences[:40]:
            click.echo(f"  {d}")
        if len(result.differences) > 40:
            click.echo(f"  ... and {len(result.differences) - 40} more")
    if not result.ok:
        raise LedgerInvalid(f"the database of {db_path} differs from its signed messages in "
                            f"{len(result.differences)} places (first: "
                            f"{result.differences[0]})",
                            "do not trust its tables; the ledger's signed messages are what "
                            "happened")
