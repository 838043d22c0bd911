"""`micromarket demo`: a neighbourhood's day on virtual boards, from keys to a verified ledger.

It makes a fresh demo directory (keys, market database, the boards' filesystems, the report),
starts the market with its embedded broker, starts virtual boards running the real firmware,
provisions them over their serial ports as a technician would, resets them into their agents,
runs a simulated day of 15-minute intervals in accelerated time, then prints the day and the
balances, verifies the ledger and writes an HTML report with plots.
"""

import os
import shutil
import time
from pathlib import Path

from ..errors import MicromarketError, UsageError


class DemoError(MicromarketError):
    """The demo did not complete."""


def prepare_dir(path: Path) -> Path:
    """A fresh demo directory; an earlier demo's is replaced, anything else is refused."""
    path = Path(path).resolve()
    if path.exists() and any(path.iterdir()):
        if not (path / "fleet.json").exists() and not (path / "market.db").exists():
            raise UsageError(f"{path} exists and is not a demo directory",
                             "give an empty or new directory with --dir")
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_demo(workdir: Path, devices: int = 8, hours: float = 24, speed: float = 600,
             console=None) -> dict:
    """Set up, trade ``hours`` of simulated time, stop everything; return what happened."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from . import report
    from .fleet import Fleet, neighbourhood

    # the boards' state (filesystems, ports) lives in the demo directory too
    os.environ["MICROMARKET_HOME"] = str(workdir / "home")
    members = neighbourhood(devices, "demo")
    t0 = time.monotonic()
    fleet = Fleet(workdir, members, speed=speed, broker="embedded")
    columns = (TextColumn("{task.description:<28}"), BarColumn(), TextColumn("{task.fields[info]}"),
               TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            setup = bar.add_task("setting up", total=len(members), info="")

            def step(what, done, total):
                bar.update(setup, description=what, completed=done, total=total)

            timing = fleet.setup(step=step)
            fleet.save()
            bar.update(setup, description="fleet up", completed=len(members), info=fleet.broker_url)
            n = int(hours * 3600) // timing.interval
            day = bar.add_task("trading the day", total=n, info="waiting for midnight")

            def follow(st):
                sim = st["sim"]
                clock = time.strftime("%H:%M", time.gmtime(sim))
                when = "day" if sim >= timing.day_start else "warm-up"
                bar.update(day, completed=st["cleared"],
                           info=f"{when} {clock} · {st['tenders']} tenders · "
                                f"{st['deliveries']} deliveries")

            state = fleet.run_day(hours, progress=follow)
            if state.get("timed_out"):
                raise DemoError(f"the day did not finish: {state['cleared']} of {n} intervals "
                                f"cleared, {state['last_delivered']} of {len(members)} last "
                                "deliveries in", f"see {workdir / 'market.log'}")
    finally:
        fleet.close()
    names = {m.name: fleet.parties.get(m.name) for m in members}
    kinds = {fleet.parties.get(m.name): m.personality for m in members}
    last = timing.day_start + n * timing.interval - timing.interval
    day_report = report.collect(fleet.db, timing.day_start, last, names, kinds=kinds)
    return {"fleet": fleet, "timing": timing, "day": day_report, "state": state,
            "wall_s": time.monotonic() - t0}
