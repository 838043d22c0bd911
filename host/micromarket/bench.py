"""`micromarket bench`: benchmarks that print JSON; `bench all` runs each and prints one object."""

import importlib
import json

import click

from .cli import LazyGroup

BENCHES = {
    "crypto": "micromarket.crypto_bench:cli",
    "market": "micromarket.market.bench:cli",
    "fleet": "micromarket.fleet_bench:cli",
}


@click.group(cls=LazyGroup, table=BENCHES)
def cli():
    """Measure throughput on this machine or a board; JSON out with --json."""


@cli.command("all")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def all_(as_json: bool) -> None:
    """Run every benchmark in turn (crypto, market, fleet)."""
    results = {}
    for name, target in BENCHES.items():
        results[name] = importlib.import_module(target.partition(":")[0]).run()
    click.echo(json.dumps(results, indent=None if as_json else 2))
