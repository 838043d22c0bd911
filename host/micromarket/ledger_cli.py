"""`micromarket ledger verify|show|export`: check the market's hash-chain ledger, online or offline."""

import json
import sys
from pathlib import Path

import click

from . import keys
from . import protocol as P
from .errors import MicromarketError, UsageError
from .market import ledger as L
from .market.store import get_meta, open_db


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


@click.group()
def cli():
    """Verify, show and export the market's signed hash-chain ledger."""


_key = click.option("--key", "key_hex", default=None,
                    help="market public key in hex (the one to trust; default: --keys or the db's)")
_keys = click.option("--keys", "keys_dir", default=None,
                     type=click.Path(file_okay=False, path_type=Path), help="host key directory")


@cli.command("verify")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--export", "export_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="verify an exported CBOR sequence instead (offline)")
@_key
@_keys
@click.option("--json", "as_json", is_flag=True)
def verify_cmd(db_path, export_path, key_hex, keys_dir, as_json):
    """Check every link, hash and market-signed checkpoint; exit non-zero on any problem."""
    if (db_path is None) == (export_path is None):
        raise UsageError("give exactly one of --db and --export", "e.g. --db market.db")
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
    conn = open_db(db_path, readonly=True)
    try:
        report = L.verify(conn, _market_key(conn, key_hex, keys_dir), get_meta(conn, "market"))
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


@cli.command("show")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "start", default=0, show_default=True, help="first entry")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
def show_cmd(db_path, start, limit, as_json):
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


@cli.command("export")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="file for the CBOR sequence ('-' for stdout)")
def export_cmd(db_path, output):
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
