"""Provision devices: key born on the device, proof of possession, registrar-signed enrollment.

For each port, in its own thread (``provision_many``)::

    status      is the device provisioned already? (refused unless --force; "done" if this
                registry already holds it for the same market: a re-run batch skips it)
    key         the device makes its key (os.urandom) or reuses the one of an interrupted run
    challenge   the registrar signs a fresh nonce; the device checks the registrar's signature
                and answers with the nonce signed by its new key; the host checks that answer
    config      the device's config (market, role, personality, Wi-Fi, market and registrar keys),
                its broker credential and the neighbourhood CA (config/broker.json, config/ca.der)
                when the host keys have them, and, when the plan has agent settings (broker,
                clock), config/agent.json
    registry    the registry stores the party (micromarket.market.registry.enroll)
    enroll      the credential is written to the device last, atomically: the commit point
    label       a QR label (PNG and SVG) holding the party id

A failure before the commit leaves the device unprovisioned (its pending key is reused by the
next run); the commit itself is one atomic file write, so no device is left half-provisioned.
"""

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import protocol as P
from ..errors import MicromarketError, UsageError
from ..paths import FIRMWARE_DIR

STEPS = ("connect", "status", "key", "challenge", "config", "registry", "enroll", "label")
DEVICE_CONFIG = "config/device.json"
AGENT_CONFIG = "config/agent.json"
BROKER_CONFIG = "config/broker.json"    # {"password": ...}: the device logs in as its party id
CA_FILE = "config/ca.der"               # the neighbourhood CA an mqtts:// broker must chain to
VALIDITY_S = 5 * 365 * 24 * 3600


class ProvisionError(MicromarketError):
    """A device could not be provisioned; the device is left as it was (or unprovisioned)."""


class RegistryBusyError(ProvisionError):
    """The registry database is locked by another process."""


@dataclass(frozen=True)
class Plan:
    """What every device of a batch is provisioned as."""
    market: str
    board: str
    role: str
    personality: str
    wifi_ssid: str = ""
    wifi_psk: str = ""
    site: str = ""
    force: bool = False
    label_dir: Path | None = None
    agent: dict | None = None       # config/agent.json (agent_settings); also rewritten on "done"
    reset: bool = False             # soft-reset each device afterwards: it boots into its agent


@dataclass(frozen=True)
class Authority:
    """The host's side: the registrar's key, the public keys devices must trust, the registry."""
    registrar_key: object           # cryptography Ed25519PrivateKey
    registrar_pub: bytes
    market_pub: bytes
    registry: Path
    release_pub: bytes | None = None  # pinned on the device for signed app updates, when known
    broker_secret: bytes | None = None  # derives each device's broker password (fleet/ca.py)
    ca_der: bytes | None = None        # the neighbourhood CA, pinned for mqtts://


@dataclass
class Outcome:
    port: str
    status: str = "pending"          # provisioned | done | refused | failed
    party: str | None = None
    step: str = ""
    error: str | None = None
    labels: list[str] = field(default_factory=list)
    crypto: str | None = None        # the device's crypto core: viper, or bigint where it did not fit

    def as_dict(self) -> dict:
        return {"port": self.port, "status": self.status, "party": self.party, "step": self.step,
                "error": self.error, "labels": self.labels, "crypto": self.crypto}


def check_registry(path: Path) -> None:
    """Fail fast, before any device is touched, when the registry cannot be written."""
    from ..market.store import open_db

    path = Path(path)
    if not path.exists():
        try:
            open_db(path).close()  # a new registry: nobody else can hold it yet
        except MicromarketError as exc:
            raise ProvisionError(f"cannot create the registry {path}: {exc}", "check the --registry path") from exc
    conn = sqlite3.connect(path, timeout=1, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise RegistryBusyError(f"the registry {path} is locked by another process ({exc})",
                                "wait for it to finish, or stop the program holding it, then re-run") from exc
    except sqlite3.DatabaseError as exc:
        raise ProvisionError(f"{path} is not a registry ({exc})", "give the market's database with --registry") from exc
    finally:
        conn.close()


def registered(path: Path, party: str):
    from ..market import registry
    from ..market.store import open_db

    conn = open_db(path)
    try:
        return registry.get(conn, party)
    finally:
        conn.close()


def _enroll(path: Path, enrollment: bytes, registrar_pub: bytes) -> None:
    from ..market import registry

    try:
        registry.enroll(path, enrollment, registrar_key=registrar_pub)
    except sqlite3.OperationalError as exc:
        raise RegistryBusyError(f"the registry {path} is locked ({exc})",
                                "stop the program holding it, then re-run: finished devices are skipped") from exc
    except MicromarketError as exc:
        if "busy" in str(exc) or "locked" in str(exc):
            raise RegistryBusyError(f"the registry {path} is locked by another process",
                                    "stop the program holding it, then re-run: finished devices are "
                                    "skipped") from exc
        raise


def _device_call(target, code: str, what: str, timeout: float = 60):
    """Run identity code on the device; a missing module means the board is not running our firmware."""
    from ..device.target import DeviceExecError

    try:
        return _eval(target, code, timeout)
    except DeviceExecError as exc:
        if "no module named 'identity'" in exc.output.lower():
            raise ProvisionError(f"the board on {target.port} does not run the micromarket firmware",
                                 "flash it first: micromarket flash (or deploy) --port "
                                 f"{target.port}") from exc
        raise ProvisionError(f"{what} failed on the device: {str(exc).split(': ', 1)[-1]}",
                             "re-run the command; the device is not provisioned") from exc


def _eval(target, code: str, timeout: float):
    import ast

    out = target.exec("import identity\n" + f"print(repr({code}))", timeout=timeout).strip()
    try:
        return ast.literal_eval(out.splitlines()[-1] if out else "None")
    except (ValueError, SyntaxError) as exc:
        raise ProvisionError(f"the board on {target.port} answered {out[:60]!r}",
                             "is it running the micromarket firmware? flash it first") from exc


def device_config(plan: Plan, auth: Authority) -> bytes:
    cfg = {"market": plan.market, "role": plan.role, "personality": plan.personality,
           "board": plan.board, "site": plan.site,
           "wifi": {"ssid": plan.wifi_ssid, "psk": plan.wifi_psk},
           "market_key": auth.market_pub.hex(), "registrar_key": auth.registrar_pub.hex()}
    if auth.release_pub is not None:
        cfg["release_key"] = auth.release_pub.hex()
    return json.dumps(cfg, sort_keys=True).encode()


def personalities() -> list[str]:
    """The bidding personalities the firmware carries (``firmware/lib/pers_<kind>.py``)."""
    return sorted(p.stem[len("pers_"):] for p in (FIRMWARE_DIR / "lib").glob("pers_*.py"))


def agent_settings(broker: str | None = None, keepalive: int | None = None,
                   clock_speed: float | None = None, clock_anchor: int | None = None,
                   params: dict | None = None, interval: int | None = None) -> dict | None:
    """The device's config/agent.json (firmware/lib/app.py reads it), or None if nothing is set.

    The clock runs ``sim = anchor + (wall - anchor) * speed`` on the device, the formula of
    ``micromarket market serve --speed S --anchor A``: give both the same figures.
    """
    out: dict = {}
    if broker is not None:
        if broker not in ("serial", "mdns"):
            from ..market.link import parse_url

            try:
                parse_url(broker)
            except MicromarketError as exc:
                raise UsageError(str(exc.args[0]), "give e.g. --broker mqtt://192.168.1.10:1883") from exc
        out["broker"] = broker
    if keepalive is not None:
        if not 1 <= keepalive <= 65535:
            raise UsageError(f"keep-alive {keepalive} s is out of range", "give 1 to 65535 seconds")
        out["keepalive"] = keepalive
    if clock_anchor is not None and clock_speed is None:
        raise UsageError("--clock-anchor given without --clock-speed", "give both, as to the market")
    if clock_speed is not None:
        if clock_speed <= 0:
            raise UsageError(f"clock speed {clock_speed} must be positive", "e.g. --clock-speed 480")
        speed = int(clock_speed) if float(clock_speed).is_integer() else float(clock_speed)
        out["clock"] = {"speed": speed, "anchor": int(time.time() if clock_anchor is None else clock_anchor)}
    if params:
        out["params"] = dict(params)
    if interval is not None:
        out["interval"] = int(interval)
    return out or None


def write_agent_config(target, agent: dict) -> None:
    """Write config/agent.json on the board behind ``target`` (atomically); the next boot reads it."""
    target.makedirs("config")
    target.write_file(AGENT_CONFIG, json.dumps(agent, sort_keys=True).encode())


def uses_tls(plan: Plan) -> bool:
    """An mqtts:// broker, or one the device finds by mDNS (which may be mqtts://)."""
    broker = str((plan.agent or {}).get("broker", ""))
    return broker.startswith("mqtts://") or broker == "mdns"


def write_broker_access(target, plan: Plan, auth: Authority, party: str) -> None:
    """The device's broker password (where the host keys have a broker secret) and, for an
    mqtts:// broker, the CA it pins: the firmware speaks TLS only where that file is (its
    context costs heap from boot on)."""
    from .ca import password

    if auth.broker_secret is None:
        return
    target.makedirs("config")
    target.write_file(BROKER_CONFIG, json.dumps({"password": password(auth.broker_secret, party)}).encode())
    if uses_tls(plan):
        if auth.ca_der is None:
            raise ProvisionError("an mqtts:// broker but no neighbourhood CA in the key directory",
                                 "run `micromarket keys init` (it adds the CA to existing keys)")
        target.write_file(CA_FILE, auth.ca_der)


def provision_target(target, plan: Plan, auth: Authority, outcome: Outcome, progress=None) -> Outcome:
    """Provision the board behind ``target`` (an open micromarket.device.target.Target)."""
    def step(name):
        outcome.step = name
        if progress:
            progress(outcome.port, STEPS.index(name) + 1, len(STEPS), name)

    step("status")
    st = _device_call(target, "identity.status()", "reading the device's state")
    outcome.crypto = st.get("crypto")
    if st["provisioned"] and not plan.force:
        known = registered(auth.registry, st["party"])
        outcome.party = st["party"]
        if known is not None and known.market == plan.market:
            if plan.agent:
                step("config")  # a provisioned device takes new agent settings and broker access
                write_broker_access(target, plan, auth, st["party"])
                write_agent_config(target, plan.agent)
            outcome.status = "done"
            return outcome
        raise ProvisionError(f"the device on {target.port} is already provisioned as {st['party']}",
                             "pass --force to give it a new key and enrollment")

    step("key")
    key = bytes(_device_call(target, f"identity.prepare({bool(plan.force)})", "making the key"))
    party = P.party_id(key)
    from ..market.registry import check_public_key

    check_public_key(key)

    step("challenge")
    nonce = os.urandom(16)
    now = int(time.time())
    challenge = P.sign(P.Challenge(market=plan.market, nonce=nonce, issued=now), auth.registrar_key, "registrar")
    raw = bytes(_device_call(target, f"identity.answer({challenge!r}, {auth.registrar_pub!r})",
                             "answering the challenge"))
    try:
        resp = P.verify(raw, key, kind=P.Response)
    except P.ProtocolError as exc:
        raise ProvisionError(f"the device's proof of possession does not verify: {exc.reason}",
                             "re-run; if it persists the firmware is broken") from exc
    if resp.nonce != nonce or resp.key != key or resp.market != plan.market:
        raise ProvisionError("the device answered another challenge", "re-run the command")

    step("config")
    target.makedirs("config")
    target.write_file(DEVICE_CONFIG, device_config(plan, auth))
    write_broker_access(target, plan, auth, party)
    if plan.agent:
        write_agent_config(target, plan.agent)

    step("registry")
    enrollment = P.sign(P.Enrollment(market=plan.market, party=party, key=key, role=plan.role,
                                     board=plan.board, site=plan.site, nbf=now, exp=now + VALIDITY_S),
                        auth.registrar_key, "registrar")
    _enroll(auth.registry, enrollment, auth.registrar_pub)

    step("enroll")
    got = _device_call(target, f"identity.commit({enrollment!r}, {auth.registrar_pub!r})", "storing the enrollment")
    if got != party:
        raise ProvisionError("the device stored another party id", "re-run the command")
    after = _device_call(target, "identity.status()", "checking the device")
    if not after["provisioned"] or after["party"] != party:
        raise ProvisionError("the device does not report itself provisioned after the commit", "re-run the command")
    outcome.party, outcome.status = party, "provisioned"

    step("label")
    if plan.label_dir is not None:
        outcome.labels = write_labels(plan.label_dir, party, plan.market)
    return outcome


def write_labels(directory: Path, party: str, market: str) -> list[str]:
    """A QR code holding the party id, as PNG (to print) and SVG (to scale)."""
    import segno

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    qr = segno.make(party, error="m")
    out = []
    for ext, kw in (("png", {"scale": 8, "border": 2}), ("svg", {"scale": 4, "border": 2, "title": party})):
        path = directory / f"{party}.{ext}"
        tmp = directory / f".{party}.{ext}.part"
        qr.save(str(tmp), kind=ext, **kw)
        os.replace(tmp, path)
        out.append(str(path))
    return out


def provision_port(port: str, plan: Plan, auth: Authority, progress=None) -> Outcome:
    from ..device.target import connect

    outcome = Outcome(port)
    try:
        outcome.step = "connect"
        if progress:
            progress(port, 1, len(STEPS), "connect")
        with connect(port) as target:
            provision_target(target, plan, auth, outcome, progress)
            if plan.reset:
                target.soft_reset()
    except ProvisionError as exc:
        outcome.status = "refused" if "already provisioned" in str(exc) else "failed"
        outcome.error = str(exc)
    except MicromarketError as exc:
        outcome.status, outcome.error = "failed", str(exc)
    return outcome


def provision_many(ports: list[str], plan: Plan, auth: Authority, progress=None,
                   timeout: float = 300) -> list[Outcome]:
    """Provision every port in parallel (a thread each); one Outcome per port, in the order given.

    A device that has not finished within ``timeout`` seconds is reported as failed; its thread is
    a daemon, so a hung port cannot keep the command from ending.
    """
    if not ports:
        raise UsageError("no port given", "pass --port P (several times for a batch); see `micromarket devices`")
    dupes = {p for p in ports if ports.count(p) > 1}
    if dupes:
        raise UsageError(f"port {sorted(dupes)[0]} is given twice", "give each port once")
    check_registry(auth.registry)
    lock = threading.Lock()

    def guarded(*args):
        if progress:
            with lock:
                progress(*args)

    results: dict[str, Outcome] = {}

    def work(port):
        results[port] = provision_port(port, plan, auth, guarded)

    threads = [threading.Thread(target=work, args=(p,), daemon=True, name=f"provision {p}") for p in ports]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return [results.get(p) or Outcome(p, status="failed", error=f"no answer within {timeout:.0f} s — "
                                      "check the board and re-run; finished devices are skipped") for p in ports]


def load_authority(keys_dir: Path, passphrase: bytes | None, registry: Path) -> Authority:
    from cryptography.hazmat.primitives import serialization

    from .. import keys
    from . import ca

    key = keys.load_private(keys_dir, "registrar", passphrase)
    release = None
    if (Path(keys_dir) / "release.pub").exists():
        release = bytes.fromhex(keys.public_hex(keys_dir, "release"))
    secret = ca_der = None
    if (Path(keys_dir) / ca.SECRET).exists():
        secret = ca.secret(keys_dir)
    if (Path(keys_dir) / ca.CA_CERT).exists():
        ca_der = ca.load_cert(keys_dir).public_bytes(serialization.Encoding.DER)
    return Authority(key, keys.raw_public(key), bytes.fromhex(keys.public_hex(keys_dir, "market")),
                     Path(registry), release, secret, ca_der)
