"""`micromarket bench fleet`: a fleet of virtual boards running the real firmware through a day.

Measured: wall time of the whole run (setup included), CPU seconds of every process of the fleet
(this one, the market, the broker, each board's supervisor and MicroPython interpreter), and the
peak of their summed resident memory, sampled from /proc twice a second. The clock speed is
chosen so that the simulated day fits the 5-minute target with room for setup.
"""

import os
import resource
import tempfile
import threading
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class ProcSampler:
    """CPU and resident memory of a changing set of processes, from /proc (Linux)."""

    def __init__(self, pids_fn, period: float = 0.5):
        self.pids_fn = pids_fn
        self.period = period
        self.cpu: dict[int, float] = {}     # pid -> last seen utime + stime, s
        self.peak_rss = 0                   # bytes, summed over the processes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        total = 0
        for pid in set(self.pids_fn()):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                statm = Path(f"/proc/{pid}/statm").read_text().split()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            self.cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK
            total += int(statm[1]) * PAGE
        self.peak_rss = max(self.peak_rss, total)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run(devices: int = 50, hours: float = 24, speed: float | None = None,
        broker: str | None = None, workdir: Path | None = None) -> dict:
    """Run the fleet through ``hours`` of 15-minute intervals; return the measurements (with
    ``error`` and no figures when the fleet could not trade)."""
    from .fleet import Fleet, FleetError, mosquitto_binary, neighbourhood

    if speed is None:
        # the simulated day in 200 s of wall time, leaving time for setup and the tail
        speed = max(60.0, hours * 3600 / 200)
    broker = broker or ("mosquitto" if mosquitto_binary() else "embedded")
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="mm-fleet-bench-")
        workdir = Path(tmp.name)
    old_home = os.environ.get("MICROMARKET_HOME")
    os.environ["MICROMARKET_HOME"] = str(Path(workdir) / "home")
    fleet = Fleet(Path(workdir) / "fleet", neighbourhood(devices, "bench"), speed=speed,
                  broker=broker)
    t0 = time.monotonic()
    own0 = resource.getrusage(resource.RUSAGE_SELF)
    try:
        return _measure(fleet, hours, speed, broker, devices, t0, own0)
    except FleetError as exc:
        return {"devices": devices, "intervals": 0, "error": str(exc),
                "wall_s": round(time.monotonic() - t0, 1), "speed": speed, "broker": broker}
    finally:
        fleet.remove_boards()
        if old_home is None:
            os.environ.pop("MICROMARKET_HOME", None)
        else:
            os.environ["MICROMARKET_HOME"] = old_home
        if tmp is not None:
            tmp.cleanup()


def _measure(fleet, hours, speed, broker, devices, t0, own0) -> dict:
    with ProcSampler(fleet.pids) as sampler:
        try:
            timing = fleet.setup()
            setup_s = time.monotonic() - t0
            state = fleet.run_day(hours)
        finally:
            sampler.sample()
            fleet.close()
    from . import report

    n = int(hours * 3600) // timing.interval
    day = report.collect(fleet.db, timing.day_start, timing.day_start + (n - 1) * timing.interval)
    own = resource.getrusage(resource.RUSAGE_SELF)
    own_cpu = (own.ru_utime - own0.ru_utime) + (own.ru_stime - own0.ru_stime)
    own_rss = own.ru_maxrss * 1024
    cpu = own_cpu + sum(sampler.cpu.values())
    totals = day.totals()
    return {"devices": devices, "intervals": state["cleared"], "intervals_planned": n,
            "wall_s": round(time.monotonic() - t0, 1), "setup_s": round(setup_s, 1),
            "cpu_s": round(cpu, 1), "peak_rss_mb": round((sampler.peak_rss + own_rss) / 2**20, 1),
            "speed": speed, "broker": broker, "heap_bytes": fleet.heap or "board",
            "deliveries": totals["deliveries"], "deliveries_expected": n * devices,
            "tenders": totals["tenders"], "ledger_ok": day.ledger["ok"],
            "ledger_entries": day.ledger["entries"], "balances_add_up": day.balances_add_up,
            "timed_out": bool(state.get("timed_out")), "cpus": os.cpu_count()}
