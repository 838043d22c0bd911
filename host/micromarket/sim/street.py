"""`micromarket sim`: bigger streets, mixing virtual boards with agents simulated on the host.

A host agent runs the firmware's own personality code (firmware/lib/personalities.py, imported
on CPython) with the agent's interval logic: tender for the open interval when a signed context
announces it (planned for the state expected at that interval, over the context's price
forecast), act on an award only if the market key verifies it and it answers our tender,
sign a delivery of what was measured when the interval ends. Keys are Ed25519 from
``cryptography``; each agent is enrolled with a registrar-signed credential, as provisioning does
for a device. The physics are simple curves (a house's load, a PV half-sine); appliances, heaters
and batteries draw what their personality dispatched.

All host agents share one MQTT connection; the virtual boards and the market are a ``Fleet``.
"""

import asyncio
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import protocol as P
from ..paths import FIRMWARE_DIR
from .fleet import MIX, Fleet, FleetError, neighbourhood


def _firmware(module: str):
    """A module of firmware/lib (one that runs on CPython too), imported here."""
    import importlib

    lib = str(FIRMWARE_DIR / "lib")
    if lib not in sys.path:
        sys.path.append(lib)
    return importlib.import_module(module)


def personalities():
    """The firmware's personality module, imported on CPython."""
    return _firmware("personalities")


# a house's draw over the day (W from the given UTC hour), like boards/virtual-meter.toml
_HOUSE = ((0, 180), (6.5, 450), (8, 300), (12, 600), (13.5, 300), (17.5, 900), (21, 500), (23, 200))


def measured_wh(kind: str, params: dict, start: int, length: int, planned: int) -> int:
    """Wh the meter books for an interval (import positive, export negative)."""
    h = (start % 86400 + length / 2) / 3600
    if kind == "fixed":
        w = [w for at, w in _HOUSE if at <= h][-1]
        return w * length // 3600
    if kind == "pv":
        sun = math.sin(math.pi * (h - 6) / 14) if 6 < h < 20 else 0.0
        return -int(params.get("peak_w", 4000) * sun * length / 3600)
    return planned


@dataclass
class HostAgent:
    name: str
    kind: str
    params: dict
    key: object
    party: str = ""
    seq: int = 0
    state: dict = field(default_factory=dict)
    forecast: dict = field(default_factory=dict)
    tenders: dict = field(default_factory=dict)     # interval -> (tender hash, side)
    awards: dict = field(default_factory=dict)      # interval -> (award, award hash)
    stats: dict = field(default_factory=lambda: {"tenders": 0, "awards": 0, "refused": 0,
                                                 "deliveries": 0})

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def plan(self, pers, ctx: dict, first: int, b: int):
        """The personality's tender for interval ``b``, made for the state expected when ``b``
        starts: the intervals from ``first`` (the first not yet ended) run as awarded, or on the
        island policy where no award came."""
        steps = []
        for k in range(first, b, ctx["interval"]):
            got = self.awards.get(k)
            steps.append((k, got[0].wh, got[0].side) if got else (k, None, None))
        state = pers.ahead(self.kind, self.params, self.state, ctx, steps, self.forecast)
        return pers.tender(self.kind, self.params, state, pers.view(ctx, b), self.forecast)

    def end_interval(self, pers, ctx: dict, s: int, measure=None):
        """Interval ``s`` is over: (side, Wh, award hash or None) of its delivery, what the meter
        booked for what the personality dispatched (``measure``, by default ``measured_wh``);
        the state moves on."""
        view = pers.view(ctx, s)
        got = self.awards.pop(s, None)
        if got is not None:
            award, award_hash = got
            planned = pers.dispatch(self.kind, self.params, self.state, view, self.forecast,
                                    award.wh, award.side)
        else:
            award, award_hash = None, None
            planned = pers.island(self.kind, self.params, self.state, view, self.forecast)
        wh = (measure or measured_wh)(self.kind, self.params, s, view["interval"], planned)
        side = award.side if award is not None else ("sell" if wh < 0 else "buy")
        self.state = pers.advance(self.kind, self.params, self.state, view, self.forecast, wh)
        self.forecast["load_wh"] = max(wh, 0)
        self.forecast["pv_wh"] = max(-wh, 0)
        self.tenders = {k: v for k, v in self.tenders.items() if k > s}
        self.stats["deliveries"] += 1
        return side, abs(wh), award_hash


class HostStreet:
    """Host agents trading through one MQTT link until ``stop`` is set."""

    def __init__(self, fleet: Fleet, agents: list[HostAgent]):
        self.fleet, self.agents = fleet, agents
        self.by_party = {a.party: a for a in agents}
        self.market_key = bytes.fromhex((fleet.keys_dir / "market.pub").read_text().strip())
        self.ctx = None
        self.first = 0     # the first interval not yet ended
        self.head = None     # the newest tree head of the market's ledger (from its contexts)
        self.P = personalities()

    async def run(self, stop: threading.Event) -> None:
        from ..market.link import MqttLink

        m = self.fleet.market_id
        link = MqttLink(self.fleet.broker_url, f"mm-sim-{m}-{os.getpid()}",
                        [P.topic(m, "context"), P.subscription(m, "award")],
                        persistent=False)
        link.start()
        await link.wait_connected(30)
        clock = self.fleet.timing
        n = clock.interval
        now = clock.sim()
        s = self.first = int(now) - int(now) % n
        for a in self.agents:
            a.state = a.state or self.P.initial_state(a.kind, a.params, s)
        try:
            while not stop.is_set():
                try:
                    topic, data = await asyncio.wait_for(link.incoming.get(), 0.05)
                    self._on_message(link, topic, data)
                except asyncio.TimeoutError:
                    pass
                now = clock.sim()
                if now >= s + n:
                    self._finish(link, s)
                    s = self.first = s + n
        finally:
            link.stop()

    def _on_message(self, link, topic: str, data: bytes) -> None:
        _m, kind, party = P.parse_topic(topic)
        try:
            msg = P.verify(data, self.market_key)
        except P.ProtocolError:
            if party in self.by_party:
                self.by_party[party].stats["refused"] += 1
            return
        if msg.market != self.fleet.market_id:
            return
        if kind == "context":
            if msg.head is not None and (self.head is None or msg.head[0] > self.head[0]):
                self.head = msg.head
            self.ctx = msg
            self.ctx_payload = msg.to_payload()
            self._tender_all(link, msg.start)
        elif kind == "award" and party in self.by_party:
            a = self.by_party[party]
            mine = a.tenders.get(msg.interval)
            if mine is None or mine != (msg.tender, msg.side) or msg.party != a.party:
                a.stats["refused"] += 1
                return
            a.awards[msg.interval] = (msg, P.message_hash(data))
            a.stats["awards"] += 1

    def _tender_all(self, link, b: int) -> None:
        for a in self.agents:
            if b in a.tenders:
                continue
            out = a.plan(self.P, self.ctx_payload, self.first, b)
            if out is None:
                a.tenders[b] = None
                continue
            side, curve = out
            body = P.sign(P.Tender(market=self.fleet.market_id, party=a.party, seq=a.next_seq(),
                                   interval=b, side=side, curve=tuple(tuple(x) for x in curve),
                                   expiry=b), a.key, a.party)
            link.publish(P.topic(self.fleet.market_id, "tender", a.party), body)
            a.tenders[b] = (P.message_hash(body), side)
            a.stats["tenders"] += 1

    def _finish(self, link, s: int) -> None:
        if self.ctx is None:
            return
        for a in self.agents:
            side, wh, award_hash = a.end_interval(self.P, self.ctx_payload, s)
            body = P.sign(P.Delivery(market=self.fleet.market_id, party=a.party, seq=a.next_seq(),
                                     interval=s, side=side, wh=wh, counter=0,
                                     award=award_hash, head=self.head), a.key, a.party)
            link.publish(P.topic(self.fleet.market_id, "delivery", a.party), body)


def make_agents(fleet: Fleet, count: int, prefix: str = "host") -> list[HostAgent]:
    """``count`` host agents of the street's mix, enrolled in the fleet's registry."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from .. import keys
    from ..fleet.provision import VALIDITY_S
    from ..market import registry

    reg = keys.load_private(fleet.keys_dir, "registrar")
    reg_pub = keys.raw_public(reg)
    now = int(time.time())
    agents = []
    for m in neighbourhood(count, prefix, mix=MIX):
        key = Ed25519PrivateKey.generate()
        pub = P.public_key_bytes(key)
        party = P.party_id(pub)
        cred = P.sign(P.Enrollment(market=fleet.market_id, party=party, key=pub, role=m.role,
                                   board="host-sim", site=m.name, nbf=now, exp=now + VALIDITY_S),
                      reg, "registrar")
        registry.enroll(fleet.db, cred, registrar_key=reg_pub)
        agents.append(HostAgent(m.name, m.personality,
                                params_for(m.personality, m.board, dict(m.params)), key, party))
    return agents


def params_for(kind: str, board: str, extra: dict) -> dict:
    """The personality's parameters as the device computes them (firmware/lib/appcfg.py)."""
    from ..boards.board import get_board

    role = get_board(board).config.get("role", {})
    return _firmware("appcfg").personality_params(kind, role, extra)


def run_sim(workdir: Path, devices: int, hours: float, boards: int, speed: float,
            broker: str = "embedded", progress=None) -> dict:
    """``boards`` virtual boards and ``devices - boards`` host agents trade ``hours``."""
    from . import report

    fleet = Fleet(workdir, neighbourhood(boards, "sim"), speed=speed, broker=broker)
    stop = threading.Event()
    t0 = time.monotonic()
    thread = None
    try:
        timing = fleet.setup()
        agents = make_agents(fleet, devices - boards)
        street = HostStreet(fleet, agents)
        failure = []

        def host():
            try:
                asyncio.run(street.run(stop))
            except Exception as exc:  # noqa: BLE001 - reported by the caller
                failure.append(exc)

        thread = threading.Thread(target=host, daemon=True, name="host agents")
        thread.start()
        state = fleet.run_day(hours, progress=progress)
        end = timing.day_start + int(hours * 3600)
        fleet.wait_sim(end + timing.interval // 2)
        time.sleep(1.0)   # the last deliveries of the host agents reach the market
        if failure:
            raise FleetError(f"the host agents stopped: {failure[0]}", "see the message")
    finally:
        stop.set()
        if thread is not None:
            thread.join(10)
        fleet.close()
        fleet.remove_boards()
    n = int(hours * 3600) // timing.interval
    names = {m.name: fleet.parties.get(m.name) for m in fleet.members}
    names.update({a.name: a.party for a in agents})
    kinds = {fleet.parties.get(m.name): m.personality for m in fleet.members}
    kinds.update({a.party: a.kind for a in agents})
    day = report.collect(fleet.db, timing.day_start, timing.day_start + (n - 1) * timing.interval,
                         names, kinds=kinds)
    return {"day": day, "state": state, "wall_s": time.monotonic() - t0, "boards": boards,
            "host_agents": len(agents), "db": str(fleet.db)}
