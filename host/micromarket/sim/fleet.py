"""A neighbourhood on one host: broker, market and a fleet of virtual boards running the firmware.

    with Fleet(workdir, neighbourhood(8), speed=480) as fleet:
        fleet.setup()                     # keys, broker, boards, provisioning, market, agents
        fleet.run_day(progress=...)       # until the day's last delivery is in (or time is up)
        print(fleet.progress())           # where the day stands, from the market's database

Everything goes through the paths a user takes: boards are started with ``micromarket.device.vboard``,
given their key and enrollment by ``micromarket.fleet.provision`` over their serial ports, configured
(broker, scaled clock, personality parameters) by provisioning again, and reset into the agent;
the market is a ``micromarket market serve`` process. The clocks of the market and the boards run
``sim = anchor + (wall - anchor) * speed`` (firmware/lib/simclock.py), with the anchor chosen so
that the simulated day starts at a UTC midnight a few intervals after the agents boot.
``close()`` (or leaving the ``with``) stops all of it, also after Ctrl-C or a failure.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MicromarketError

DAY = 86400


class FleetError(MicromarketError):
    """The virtual neighbourhood could not be set up or did not trade as expected."""


class AgentsSilent(FleetError):
    """Devices delivered nothing into the day: their agents did not start (or cannot reach us)."""


@dataclass(frozen=True)
class Member:
    """One device of the fleet: a virtual board, its role and personality, parameters."""
    name: str
    board: str
    role: str
    personality: str
    params: tuple = ()          # sorted (name, value) pairs: hashable, so members can be grouped


# what a household device is, as board + role + personality + parameters (firmware/lib/app.py)
KINDS = {
    "house": ("virtual-meter", "meter", "fixed", {}),
    "pv": ("virtual-pv", "pv", "pv", {"peak_w": 4000}),
    "dishwasher": ("virtual-plug", "load", "deferrable",
                   {"power_w": 1800, "energy_wh": 1350, "deadline_s": 21 * 3600}),
    "heater": ("virtual-plug", "load", "thermostatic",
               {"power_w": 1800, "lo_mc": 19000, "hi_mc": 22000, "temp_out_mc": 6000}),
    "battery": ("virtual-battery", "battery", "battery", {}),
}
# a street: two of three homes have a meter, one in two has PV, appliances and a battery here and there
MIX = ("house", "pv", "dishwasher", "heater", "house", "pv", "battery", "dishwasher", "house",
       "heater")


def neighbourhood(n: int, prefix: str = "nb", mix=MIX) -> list[Member]:
    """``n`` devices of the mix (kinds of ``KINDS``), named ``PREFIX-KIND-I``."""
    out = []
    for i in range(n):
        kind = mix[i % len(mix)]
        board, role, personality, params = KINDS[kind]
        out.append(Member(f"{prefix}-{kind}-{i}", board, role, personality,
                          tuple(sorted(params.items()))))
    return out


@dataclass(frozen=True)
class Timing:
    """Simulated time of the market and the boards: ``sim = anchor + (wall - anchor) * speed``."""
    speed: float
    anchor: int
    day_start: int              # simulated Unix time of the first interval of the day
    interval: int = 900
    gate: int = 120

    def sim(self, wall: float | None = None) -> float:
        wall = time.time() if wall is None else wall
        return self.anchor + (wall - self.anchor) * self.speed

    def wall(self, sim: float) -> float:
        return self.anchor + (sim - self.anchor) / self.speed

    def intervals(self, hours: float) -> list[int]:
        return [self.day_start + i * self.interval for i in range(int(hours * 3600) // self.interval)]


def plan_timing(speed: float, lead_s: float, interval: int = 900, gate: int = 120,
                now: float | None = None) -> Timing:
    """A clock whose simulated day starts at a UTC midnight ``lead_s`` wall seconds from now.

    That midnight lies ahead of the real time, so enrollments (valid from the real now) hold.
    """
    if speed <= 1:
        raise FleetError(f"clock speed {speed} is too slow for a simulation", "use e.g. 480")
    now = time.time() if now is None else now
    w0 = now + lead_s
    day = (int(w0) // DAY + 1) * DAY
    # anchor + (w0 - anchor) * speed = day  ->  anchor = (w0 * speed - day) / (speed - 1)
    anchor = int((w0 * speed - day) / (speed - 1))
    return Timing(speed, anchor, day, interval, gate)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log and log.exists() else []
    raise FleetError(f"{what} did not come up on port {port}: {' '.join(tail) or 'no output'}",
                     f"see {log}" if log else "check the port")


def mosquitto_binary() -> str | None:
    import shutil

    for cand in ("/usr/sbin/mosquitto", shutil.which("mosquitto")):
        if cand and os.path.exists(cand):
            return cand
    return None


@dataclass
class Fleet:
    """The broker, the market and the boards of one simulated neighbourhood."""
    workdir: Path
    members: list[Member]
    speed: float = 480
    market_id: str = "elm-street"
    broker: str = "embedded"    # "embedded" (inside the market), "mosquitto", or a broker URL
    interval: int = 900
    gate: int = 120
    heap: int | None = None     # None: each board's own heap (the real board's figure)
    keepalive: int = 10
    routes: dict = field(default_factory=dict)      # member name -> its own broker URL (a proxy)
    timing: Timing | None = None
    market_proc: subprocess.Popen | None = None
    broker_proc: subprocess.Popen | None = None
    broker_url: str = ""
    ports: dict = field(default_factory=dict)       # member name -> pty
    parties: dict = field(default_factory=dict)     # member name -> party id
    log: callable = None

    def __post_init__(self):
        self.workdir = Path(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.keys_dir = self.workdir / "keys"
        self.db = self.workdir / "market.db"
        self.log = self.log or (lambda msg: None)
        self._market_port = None

    # ---------------------------------------------------------------- the whole setup
    def setup(self, warmup_intervals: int = 3, step=None) -> Timing:
        """Keys, broker, boards, provisioning, market, agents; returns the clock plan."""
        step = step or (lambda what, done, total: None)
        self.init_keys()
        self.start_broker()
        step("starting virtual boards", 0, len(self.members))
        self.start_boards(lambda n: step("starting virtual boards", n, len(self.members)))
        step("provisioning", 0, len(self.members))
        self.provision(progress=lambda n: step("provisioning", n, len(self.members)))
        # the simulated day starts once every agent has booted and seen a context
        boot_s = 2.0 + 0.15 * len(self.members)
        lead = boot_s + warmup_intervals * self.interval / self.speed
        self.timing = plan_timing(self.speed, lead, self.interval, self.gate)
        self.start_market()
        step("starting agents", 0, len(self.members))
        self.start_agents(progress=lambda n: step("starting agents", n, len(self.members)))
        return self.timing

    def init_keys(self) -> None:
        from .. import keys

        keys.init(self.keys_dir)  # creates only the keys that are missing

    # ---------------------------------------------------------------- broker
    def start_broker(self) -> str:
        if self.broker == "embedded":
            self._market_port = free_port()
            self.broker_url = f"mqtt://127.0.0.1:{self._market_port}"
        elif self.broker == "mosquitto":
            binary = mosquitto_binary()
            if binary is None:
                raise FleetError("mosquitto is not installed", "install it (make setup) or use the "
                                 "embedded broker")
            port = free_port()
            conf = self.workdir / "mosquitto.conf"
            conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                            "max_queued_messages 10000\n")
            logf = open(self.workdir / "mosquitto.log", "ab")
            self.broker_proc = subprocess.Popen([binary, "-c", str(conf)], stdout=logf, stderr=logf,
                                                start_new_session=True)
            logf.close()
            _wait_port(port, 10, "mosquitto", self.workdir / "mosquitto.log")
            self.broker_url = f"mqtt://127.0.0.1:{port}"
        else:
            from ..market.link import parse_url

            parse_url(self.broker)
            self.broker_url = self.broker
        return self.broker_url

    # ---------------------------------------------------------------- boards
    def start_boards(self, progress=None) -> None:
        """Start every member's virtual board (a fresh filesystem: old boards of the name go)."""
        from ..device import vboard

        done = [0]
        lock = threading.Lock()
        errors = []

        def one(m: Member):
            try:
                try:
                    old = vboard.get(m.name)
                    if old.status == "running":
                        vboard.stop(m.name)
                    vboard.remove(m.name)
                except MicromarketError:
                    pass
                vb = vboard.start(m.name, board=m.board, heap=self.heap, timeout=30)
                with lock:
                    self.ports[m.name] = vb.port
                    done[0] += 1
                    if progress:
                        progress(done[0])
            except MicromarketError as exc:
                errors.append(f"{m.name}: {exc}")

        _parallel(one, self.members, 8)
        if errors:
            raise FleetError(f"{len(errors)} virtual boards did not start: {errors[0]}",
                             "see their supervisor.log under $MICROMARKET_HOME/vboards")

    def _groups(self) -> dict:
        groups: dict = {}
        for m in self.members:
            route = self.routes.get(m.name, self.broker_url)
            groups.setdefault((m.board, m.role, m.personality, m.params, route), []).append(m)
        return groups

    def _authority(self):
        from ..fleet.provision import load_authority

        return load_authority(self.keys_dir, None, self.db)

    def _provision(self, agent_for, reset: bool, progress=None) -> None:
        auth = self._authority()
        failed: list[str] = []
        self._provision_groups(auth, agent_for, reset, progress, failed)
        if failed:
            raise FleetError(f"{len(failed)} devices failed provisioning: {failed[0]}",
                             "see the message; re-running the demo starts from fresh boards")

    def _provision_groups(self, auth, agent_for, reset, progress, failed) -> None:
        from ..fleet.provision import Plan, provision_many

        done = 0
        for (board, role, personality, params, route), members in self._groups().items():
            plan = Plan(market=self.market_id, board=board, role=role, personality=personality,
                        agent=agent_for(dict(params), route), reset=reset)
            ports = [self.ports[m.name] for m in members]
            for m, out in zip(members, provision_many(ports, plan, auth, timeout=120)):
                if out.status in ("provisioned", "done"):
                    self.parties[m.name] = out.party
                else:
                    failed.append(f"{m.name}: {out.error}")
            done += len(members)
            if progress:
                progress(done)

    def provision(self, progress=None) -> None:
        """The real provisioning path: key born on the board, enrollment, registry, broker."""
        self._provision(lambda params, route: {"broker": route, "keepalive": self.keepalive},
                        reset=False, progress=progress)

    def start_agents(self, progress=None) -> None:
        """Provision again (the boards keep their keys) with the clock and the parameters, and
        reset each board into its agent."""
        from ..fleet.provision import agent_settings

        t = self.timing

        def agent_for(params, route):
            return agent_settings(route, self.keepalive, t.speed, t.anchor, params or None,
                                  self.interval)

        self._provision(agent_for, reset=True, progress=progress)

    # ---------------------------------------------------------------- market
    def start_market(self) -> subprocess.Popen:
        """``micromarket market serve`` with the fleet's clock (again after a kill: same anchor)."""
        t = self.timing
        cmd = [sys.executable, "-m", "micromarket.cli", "market", "serve", "--market",
               self.market_id, "--db", str(self.db), "--keys", str(self.keys_dir), "--interval",
               str(self.interval), "--gate", str(self.gate), "--speed", repr(float(t.speed)),
               "--anchor", str(t.anchor)]
        if self.broker == "embedded":
            cmd += ["--port", str(self._market_port)]
        else:
            cmd += ["--broker", self.broker_url]
        logf = open(self.workdir / "market.log", "ab")
        self.market_proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf,
                                            stderr=logf, start_new_session=True)
        logf.close()
        if self.broker == "embedded":
            _wait_port(self._market_port, 30, "the market's embedded broker",
                       self.workdir / "market.log")
        self._wait_market_ready()
        return self.market_proc

    def _wait_market_ready(self, timeout: float = 30) -> None:
        from ..market.store import open_db

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.market_proc.poll() is not None:
                tail = (self.workdir / "market.log").read_text(errors="replace").splitlines()[-3:]
                raise FleetError(f"the market exited: {' '.join(tail)}",
                                 f"see {self.workdir / 'market.log'}")
            conn = open_db(self.db, readonly=True)
            try:
                if conn.execute("SELECT 1 FROM ledger WHERE kind = 'context' LIMIT 1").fetchone():
                    return
            finally:
                conn.close()
            time.sleep(0.1)
        raise FleetError("the market published no context", f"see {self.workdir / 'market.log'}")

    def kill_market(self) -> None:
        """kill -9 the market process (fault injection)."""
        if self.market_proc and self.market_proc.poll() is None:
            self.market_proc.kill()
            self.market_proc.wait(10)

    def stop_market(self) -> None:
        p = self.market_proc
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    # ---------------------------------------------------------------- following the day
    def progress(self, hours: float = 24) -> dict:
        """Where the day stands, read from the market's database."""
        from ..market.store import open_db

        t = self.timing
        first, last = t.day_start, t.day_start + int(hours * 3600) - t.interval
        conn = open_db(self.db, readonly=True)
        try:
            cleared = conn.execute("SELECT count(*) FROM intervals WHERE interval BETWEEN ? AND ?",
                                   (first, last)).fetchone()[0]
            tenders = conn.execute("SELECT count(*) FROM tenders WHERE interval BETWEEN ? AND ?",
                                   (first, last)).fetchone()[0]
            deliveries = conn.execute("SELECT count(*) FROM deliveries WHERE interval BETWEEN ? "
                                      "AND ?", (first, last)).fetchone()[0]
            last_in = conn.execute("SELECT count(*) FROM deliveries WHERE interval = ?",
                                   (last,)).fetchone()[0]
        finally:
            conn.close()
        return {"sim": int(t.sim()), "cleared": cleared, "tenders": tenders,
                "deliveries": deliveries, "last_delivered": last_in,
                "intervals": int(hours * 3600) // t.interval}

    def silent(self) -> list[str]:
        """Members whose party has delivered nothing to the market yet."""
        from ..market.store import open_db

        conn = open_db(self.db, readonly=True)
        try:
            heard = {r[0] for r in conn.execute("SELECT DISTINCT party FROM deliveries")}
        finally:
            conn.close()
        return [m.name for m in self.members if self.parties.get(m.name) not in heard]

    def check_alive(self) -> None:
        """Raise AgentsSilent naming the devices that have delivered nothing yet."""
        quiet = self.silent()
        if quiet:
            raise AgentsSilent(f"{len(quiet)} of {len(self.members)} devices never traded "
                               f"({', '.join(quiet[:4])}{', ...' if len(quiet) > 4 else ''})",
                               "their agent did not start (e.g. a MemoryError at the board heap); look at one with `micromarket "
                               "monitor --port PORT` or run main.py on it by hand")

    def run_day(self, hours: float = 24, progress=None, slack_intervals: int = 4,
                poll_s: float = 0.5) -> dict:
        """Wait until the last interval of ``hours`` is cleared and delivered by every device,
        or until ``slack_intervals`` intervals past its end; ``progress(state)`` on each poll.

        Raises FleetError if a device has delivered nothing two intervals into the day (its
        agent did not start: e.g. it ran out of heap)."""
        t = self.timing
        end = t.day_start + int(hours * 3600)
        give_up = t.wall(end + slack_intervals * t.interval)
        checked = False
        while True:
            if not checked and t.sim() >= t.day_start + 2 * t.interval:
                checked = True
                self.check_alive()
            if self.market_proc is not None and self.market_proc.poll() is not None:
                raise FleetError(f"the market exited with {self.market_proc.returncode}",
                                 f"see {self.workdir / 'market.log'}")
            state = self.progress(hours)
            if progress:
                progress(state)
            if state["cleared"] == state["intervals"] and state["last_delivered"] >= len(self.members):
                return state
            if time.time() > give_up:
                state["timed_out"] = True
                return state
            time.sleep(poll_s)

    def wait_sim(self, sim_time: float) -> None:
        """Sleep until simulated time reaches ``sim_time``."""
        left = self.timing.wall(sim_time) - time.time()
        if left > 0:
            time.sleep(left)

    # ---------------------------------------------------------------- the end
    def stop_boards(self) -> None:
        from ..device import vboard

        def one(m):
            try:
                vboard.stop(m.name)
            except MicromarketError:
                pass

        _parallel(one, self.members, 8)

    def close(self) -> None:
        """Stop the boards, the market and the broker; safe to call twice."""
        try:
            self.stop_boards()
        finally:
            self.stop_market()
            p = self.broker_proc
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()

    def remove_boards(self) -> None:
        from ..device import vboard

        for m in self.members:
            try:
                vboard.remove(m.name)
            except MicromarketError:
                pass

    def pids(self) -> list[int]:
        """Every process of the fleet (market, broker, board supervisors and interpreters)."""
        from ..device import vboard

        out = [p.pid for p in (self.market_proc, self.broker_proc) if p and p.poll() is None]
        for m in self.members:
            try:
                vb = vboard.get(m.name)
            except MicromarketError:
                continue
            out += [p for p in (vb.pid, vb.child_pid) if p]
        return out

    def __enter__(self) -> "Fleet":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def describe(self) -> dict:
        t = self.timing
        return {"workdir": str(self.workdir), "db": str(self.db), "broker": self.broker_url,
                "market": self.market_id, "devices": len(self.members),
                "speed": t.speed if t else self.speed, "anchor": t.anchor if t else None,
                "day_start": t.day_start if t else None,
                "parties": {m.name: self.parties.get(m.name) for m in self.members}}

    def save(self) -> Path:
        path = self.workdir / "fleet.json"
        path.write_text(json.dumps(self.describe(), indent=1))
        return path


def _parallel(fn, items, workers: int) -> None:
    """Run ``fn(item)`` for every item on ``workers`` threads; KeyboardInterrupt still works."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in [pool.submit(fn, it) for it in items]:
            f.result()
