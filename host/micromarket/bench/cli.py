"""`micromarket bench`: benchmarks that print JSON; `bench all` runs each and prints one object."""

import importlib
import json
import re

import click

from ..errors import UsageError
from ..lazy import LazyGroup

BENCHES = {
    "crypto": "micromarket.bench.cli:crypto_cmd",
    "market": "micromarket.bench.cli:market_cmd",
    "fleet": "micromarket.bench.cli:fleet_cmd",
    "heap": "micromarket.bench.cli:heap_cmd",
    "economics": "micromarket.bench.cli:economics_cmd",
}


# the library module whose run() each benchmark of `bench all` calls
RUNNERS = {"crypto": "micromarket.bench.crypto", "market": "micromarket.bench.market",
           "fleet": "micromarket.sim.bench", "economics": "micromarket.bench.economics"}


@click.group(cls=LazyGroup, table=BENCHES)
def cli():
    """Measure throughput on this machine or a board; JSON out with --json."""


@cli.command("all")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def all_(as_json: bool) -> None:
    """Run every benchmark in turn (crypto, market, fleet, economics)."""
    results = {}
    for name, module in RUNNERS.items():
        results[name] = importlib.import_module(module).run()
    click.echo(json.dumps(results, indent=None if as_json else 2))


@click.command("crypto")
@click.option("--port", default=None, metavar="PORT",
              help="a board's serial port or a virtual board's name (default: the unix port)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def crypto_cmd(port: str | None, as_json: bool) -> None:
    """Ed25519 sign/verify and SHA-512 throughput of the firmware's crypto core.

    \b
    micromarket bench crypto --json
    micromarket bench crypto --port /dev/ttyUSB0
    """
    from ..device.ports import check_port
    from . import crypto

    if port is not None:
        port = check_port(port)

    result = crypto.run(port)
    click.echo(json.dumps(result) if as_json else crypto.table(result))


@click.command("market")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option("--parties", default=2000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="simulated parties")
@click.option("--rounds", default=5, show_default=True, type=click.IntRange(1, 1000),
              help="tenders per party")
def market_cmd(as_json: bool, parties: int, rounds: int) -> None:
    """Market throughput: ingest (verify, validate, persist), clearing, ledger verification,
    tree heads, proofs and the audit."""
    from . import market

    result = market.run(parties, rounds)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"ingest            {result['ingest_per_s']:>10,} tenders/s   (target >= 5,000)")
    click.echo(f"clear 100k        {result['clear_100k_s']:>10} s           (target <= 1)")
    click.echo(f"ledger verify     {result['ledger_verify_per_s']:>10,} entries/s   (target >= 100,000)")
    click.echo(f"hash chain only   {result['chain_verify_per_s']:>10,} entries/s")
    click.echo(f"ledger audit      {result['audit_per_s']:>10,} entries/s   (target >= 20,000; "
               f"{result['audit_to_chain_ratio']} of the chain check)")
    click.echo(f"tree heads signed {result['treeheads_signed_per_s']:>10,} /s")
    click.echo(f"inclusion proofs  {result['inclusion_proofs_per_s']:>10,} /s")
    click.echo(f"consistency proofs{result['consistency_proofs_per_s']:>10,} /s")
    click.echo(f"award signing     {result['awards_signed_per_s']:>10,} awards/s")


@click.command("fleet")
@click.option("--devices", default=50, show_default=True, type=click.IntRange(2, 1000),
              help="virtual boards")
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(0, 48, min_open=True),
              help="simulated hours (15-min intervals)")
@click.option("--speed", default=None, type=click.FloatRange(0, 100_000, min_open=True),
              help="clock speed (default: the day in ~4 min)")
@click.option("--broker", default=None,
              help="embedded, mosquitto or a URL (default: mosquitto when installed)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def fleet_cmd(devices, hours, speed, broker, as_json):
    """50 virtual boards running the real firmware through a day of 15-minute intervals."""
    from ..sim import bench as fleet_bench
    from ..sim.fleet import FleetError

    if broker not in (None, "embedded", "mosquitto"):
        from ..protocol.broker import parse

        parse(broker)  # a URL that is none is refused before the boards start
    result = fleet_bench.run(devices, hours, speed, broker)
    if as_json:
        click.echo(json.dumps(result))
    if "error" in result:
        raise FleetError(f"the fleet did not trade: {result['error']}", "see the message")
    if as_json:
        return
    click.echo(f"{result['devices']} devices, {result['intervals']}/{result['intervals_planned']} "
               f"intervals in {result['wall_s']} s wall (setup {result['setup_s']} s), "
               f"{result['cpu_s']} s CPU, peak RSS {result['peak_rss_mb']} MB; deliveries "
               f"{result['deliveries']}/{result['deliveries_expected']}; ledger "
               f"{'verifies' if result['ledger_ok'] else 'DOES NOT verify'}")


def _size(text: str) -> int:
    scale = {"K": 1024, "M": 1024 * 1024}.get(text[-1], 1)
    return int(text.rstrip("KM")) * scale


@click.command("heap")
@click.argument("modules", nargs=-1)
@click.option("--opt", default="-O1", show_default=True, help="mpy-cross optimisation level")
@click.option("--heap", "heap_size", default="400K", show_default=True, help="heap of the import probe")
@click.option("--runtime", default=None, metavar="i386|PATH",
              help="also measure on a 32-bit MicroPython (the unix port built for i386) and "
                   "report both word sizes side by side")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def heap_cmd(modules, opt, heap_size, runtime, as_json):
    """Heap each firmware import costs on the unix port, and free heap after the agent boots."""
    from ..device.upy import native_arch
    from . import heap

    if runtime:
        runtime = heap.find_runtime(runtime)
        if native_arch(runtime) != "x86":
            raise UsageError(f"{runtime} is not a 32-bit (i386) MicroPython",
                             "give the unix port built for i386")
    unknown = [m for m in modules if m not in heap.firmware_modules()]
    if unknown:
        raise UsageError(f"no firmware module {unknown[0]!r}", "name modules of firmware/lib, e.g. agent wire")
    if opt not in ("-O0", "-O1", "-O2", "-O3"):
        raise UsageError(f"--opt {opt!r} is not an mpy-cross level", "use -O0 to -O3")
    if not re.fullmatch(r"[1-9][0-9]*[KM]?", heap_size) or _size(heap_size) < 32 * 1024:
        raise UsageError(f"--heap {heap_size!r} is not a heap size of 32K or more", "e.g. --heap 400K")
    report = heap.run(modules or heap.AGENT_STACK, opt, heap_size, runtime)
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(heap.table(report))
    for line in heap.boot_lines(report):
        click.echo(line)


@click.command("economics")
@click.option("--seed", default=1, show_default=True, help="homes and weather")
@click.option("--days", default=4, show_default=True,
              help="days traded; the last is measured, the others fill the forecast's three "
                   "days of history")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def economics_cmd(seed: int, days: int, as_json: bool) -> None:
    """Savings, battery earnings against perfect foresight, deferrable prices, local share and
    the books' closing error, on the demo's street and a 40-party one."""
    from . import economics

    if days < 1:
        raise UsageError(f"--days {days} trades nothing", "use --days 2 or more")
    click.echo(json.dumps(economics.run(seed, days), indent=None if as_json else 2))
