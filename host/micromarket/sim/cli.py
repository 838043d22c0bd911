"""Command line of the sim package: sim, demo."""

from pathlib import Path

import click

from ..errors import UsageError
from .demo import DemoError, prepare_dir, run_demo
from .street import run_sim


@click.command("sim")
@click.option("--devices", default=50, show_default=True, type=click.IntRange(2, 100_000),
              help="parties in the street")
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(0, 48, min_open=True),
              help="simulated hours")
@click.option("--boards", default=4, show_default=True, type=click.IntRange(0, 1000),
              help="how many of them are virtual boards running the firmware (the rest: host agents)")
@click.option("--broker", default=None, help="MQTT broker URL (default: the market's embedded one)")
@click.option("--speed", default=None, type=click.FloatRange(0, 100_000, min_open=True),
              help="clock speed (default: the day in ~3 min)")
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="where to keep keys, database and report (default: a fresh temporary directory)")
@click.option("--json", "as_json", is_flag=True)
def sim_cmd(devices, hours, boards, broker, speed, workdir, as_json):
    """A bigger street: virtual boards plus host agents running the same personality code."""
    import json
    import tempfile

    from rich.console import Console
    from rich.progress import Progress

    from ..errors import UsageError
    from . import report

    if broker is not None:
        from ..protocol.broker import parse

        parse(broker)  # a URL that is none is refused before anything starts
    if not 0 <= boards <= devices or devices < 2:
        raise UsageError("need 2 or more devices and 0 <= --boards <= --devices",
                         "e.g. --devices 200 --boards 4")
    workdir = Path(workdir or tempfile.mkdtemp(prefix="mm-sim-"))
    speed = speed or max(60.0, hours * 3600 / 180)
    console = Console(stderr=as_json)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("trading", total=int(hours * 3600) // 900)
        out = run_sim(workdir, devices, hours, boards, speed, broker or "embedded",
                      lambda st: bar.update(task, completed=st["cleared"]))
    day = out["day"]
    html = report.write_html(day, workdir / "report")
    if as_json:
        click.echo(json.dumps({**day.totals(), "ledger_ok": day.ledger["ok"],
                               "balances_add_up": day.balances_add_up, "boards": boards,
                               "host_agents": out["host_agents"], "report": str(html),
                               "wall_s": round(out["wall_s"], 1)}))
        return
    report.print_day(day, console, every=4)
    console.print(f"{boards} virtual boards + {out['host_agents']} host agents; "
                  f"report: {html}; took {out['wall_s']:.0f} s")


@click.command("demo")
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/demo"), show_default=True, help="demo directory (made afresh)")
@click.option("--devices", default=8, show_default=True, type=click.IntRange(2, 64),
              help="virtual boards in the street")
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(0, 48, min_open=True),
              help="simulated hours to trade")
@click.option("--speed", default=600.0, show_default=True, type=click.FloatRange(0, 100_000, min_open=True),
              help="simulated time runs this much faster than the wall clock")
@click.option("--json", "as_json", is_flag=True, help="print a JSON summary instead of tables")
def demo_cmd(workdir, devices, hours, speed, as_json):
    """A neighbourhood's day on virtual boards: provision, trade, settle, verify, report."""
    import json
    import sys

    from rich.console import Console

    from . import report

    if devices < 2:
        raise UsageError("a market needs at least two devices", "use --devices 2 or more")
    if not 0 < hours <= 48:
        raise UsageError("--hours must lie in (0, 48]", "e.g. --hours 24")
    console = Console(file=sys.stderr if as_json else sys.stdout)
    workdir = prepare_dir(workdir)
    console.print(f"demo directory: [bold]{workdir}[/] (keys, market.db, boards, report)")
    out = run_demo(workdir, devices, hours, speed, console)
    day = out["day"]
    html = report.write_html(day, workdir / "report")
    if as_json:
        click.echo(json.dumps({**day.to_dict(), "report": str(html),
                               "wall_s": round(out["wall_s"], 1)}))
    else:
        report.print_day(day, console)
        console.print(f"report: [bold]{html}[/]")
        console.print(f"check the ledger yourself: micromarket ledger verify --db "
                      f"{workdir / 'market.db'} --keys {workdir / 'keys'}")
        console.print(f"demo took {out['wall_s']:.0f} s")
    if not day.ledger["ok"]:
        raise DemoError("the market's ledger does not verify", f"see {workdir / 'market.log'}")
