"""The neighbourhood's Mosquitto configuration, written from the host keys and the registry.

``write_config`` writes into one directory::

    mosquitto.conf   a TLS listener (server certificate from the neighbourhood CA), no anonymous
                     clients, client ids replaced by usernames, the two files below
    passwd           one line per user, Mosquitto's PBKDF2-SHA512 format ($7$)
    acl              per user: what it may publish (write) and subscribe to (read)
    server.pem/.key  the broker's certificate for --host names (kept while still valid)
    ca.pem           the CA that clients pin
    credentials/     the market's and the release publisher's password, owner-only
    revoked          party ids left out of passwd and acl (one a line)

Users: each enrolled party of a served market (username = party id, password ``ca.password``,
written to the device by provisioning), ``mm-market-<market>`` (the market service) and
``mm-release-<market>`` (the update publisher). Running it again after new enrollments rewrites
passwd and acl; ``kill -HUP`` makes a running Mosquitto read them again (``reload``).
"""

import os
import pwd
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import MicromarketError, UsageError
from ..protocol.broker import hash_password
from . import ca

# Topic kinds a party publishes on and reads on, at mm/<market>/<kind>/<party>; market-wide
# topics mm/<market>/<kind> (context, clearing, treehead, ...) are read by everyone and written
# by the market; the release publisher writes the updates' offers (mm/<market>/offer/<board>)
# and chunks (mm/<market>/chunk/<id>/<n>), which every device reads (protocol/README.md).
PARTY_WRITES = ("tender", "delivery", "status")
PARTY_READS = ("award", "receipt", "error")
RELEASE_WRITES = ("offer/+", "chunk/#")


class BrokerConfigError(MicromarketError):
    """The broker configuration cannot be written or applied."""


def market_user(market: str) -> str:
    return f"mm-market-{market}"


def release_user(market: str) -> str:
    return f"mm-release-{market}"


def acl_lines(markets: list[str], parties: list[tuple[str, str]]) -> list[str]:
    """The ACL file: ``parties`` is (party id, market) of every credential to grant."""
    out = ["# written by `micromarket broker config`; edits are lost when it runs again"]
    for m in markets:
        out += ["", f"user {market_user(m)}", f"topic readwrite mm/{m}/#"]
        out += ["", f"user {release_user(m)}", f"topic read mm/{m}/+"]
        out += [f"topic write mm/{m}/{k}" for k in RELEASE_WRITES]
    for party, m in parties:
        out += ["", f"user {party}", f"topic read mm/{m}/+"]
        out += [f"topic read mm/{m}/{k}/{party}" for k in PARTY_READS]
        out += [f"topic read mm/{m}/{k}" for k in RELEASE_WRITES]
        out += [f"topic write mm/{m}/{k}/{party}" for k in PARTY_WRITES]
    return out


def conf_text(out: Path, listen: tuple[str, int], user: str) -> str:
    host, port = listen
    return "\n".join([
        "# written by `micromarket broker config`; run it again after enrolling devices",
        f"user {user}",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {out / 'passwd'}",
        f"acl_file {out / 'acl'}",
        "persistence false",
        f"listener {port} {host}",
        "use_username_as_clientid true",
        f"certfile {out / 'server.pem'}",
        f"keyfile {out / 'server.key'}",
        "tls_version tlsv1.2",
        "",
    ])


@dataclass(frozen=True)
class BrokerConfig:
    directory: Path
    conf: Path
    markets: list[str]
    parties: list[str]           # usernames granted (enrolled, not revoked, not expired)
    left_out: list[str]          # revoked or expired parties
    issued_certificate: bool
    url: str

    def as_dict(self) -> dict:
        return {"dir": str(self.directory), "conf": str(self.conf), "markets": self.markets,
                "parties": self.parties, "left_out": self.left_out,
                "issued_certificate": self.issued_certificate, "url": self.url}


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _give(user: str, paths: list[Path]) -> None:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise UsageError(f"no account {user!r} on this machine", "give the user Mosquitto runs as with --user") from None
    if entry.pw_uid == os.getuid():
        return
    try:
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)
    except PermissionError:
        raise BrokerConfigError(f"cannot give the broker's files to {user}",
                                "run the command as root, or as the broker's user") from None


def read_revoked(out: Path) -> set[str]:
    path = Path(out) / "revoked"
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")}


def write_config(keys_dir: Path, registry: Path, out: Path, markets: list[str] | None = None,
                 hosts: list[str] | None = None, listen: tuple[str, int] = ("0.0.0.0", 8883),
                 revoke: list[str] = (), user: str | None = None, now: int | None = None,
                 readmit: list[str] = ()) -> BrokerConfig:
    """Write the broker's configuration into ``out`` (see the module's docstring).

    ``revoke`` adds party ids to ``out/revoked``, ``readmit`` takes them off it.
    ``user``: the account Mosquitto runs as (default: this one); its private files are given to
    it (Mosquitto started as root switches to that account before reading them).
    """
    from ..market import registry as R
    from ..market.store import open_db

    out = Path(out)
    secret = ca.secret(keys_dir)
    enrolled = []
    if Path(registry).exists():
        conn = open_db(registry)
        try:
            enrolled = R.parties(conn)
        finally:
            conn.close()
    elif not markets:
        raise BrokerConfigError(f"no registry at {registry}", "give the market's database with --registry")
    out.mkdir(parents=True, exist_ok=True)
    markets = sorted(set(markets or {p.market for p in enrolled}))
    if not markets:
        raise UsageError(f"the registry {registry} has no parties and no --market was given",
                         "provision devices first, or name the market with --market")
    revoked = (read_revoked(out) | set(revoke)) - set(readmit)
    if revoke or readmit:
        _write(out / "revoked", "".join(f"{p}\n" for p in sorted(revoked)))
    now = int(time.time()) if now is None else now
    granted, left_out = [], []
    for p in enrolled:
        if p.market not in markets:
            continue
        (left_out if p.party in revoked or p.exp < now else granted).append((p.party, p.market))
    users = [market_user(m) for m in markets] + [release_user(m) for m in markets] + [p for p, _ in granted]
    _write(out / "passwd", "".join(f"{u}:{hash_password(ca.password(secret, u))}\n" for u in users), 0o600)
    _write(out / "acl", "\n".join(acl_lines(markets, granted)) + "\n", 0o600)
    creds = out / "credentials"
    creds.mkdir(exist_ok=True)
    os.chmod(creds, 0o700)
    for u in users[:2 * len(markets)]:
        _write(creds / u, ca.password(secret, u) + "\n", 0o600)
    hosts = list(hosts or ["localhost", "127.0.0.1"])
    issued = ca.issue_server(keys_dir, hosts, out / "server.pem", out / "server.key")
    _write(out / "ca.pem", (Path(keys_dir) / ca.CA_CERT).read_text())
    user = user or pwd.getpwuid(os.getuid()).pw_name
    _give(user, [out / "passwd", out / "acl", out / "server.key"])
    _write(out / "mosquitto.conf", conf_text(out.resolve(), listen, user))
    return BrokerConfig(out, out / "mosquitto.conf", markets, [p for p, _ in granted],
                        [p for p, _ in left_out], issued, f"mqtts://{hosts[0]}:{listen[1]}")


def reload(pid: int) -> None:
    """Make a running Mosquitto read its password and ACL files again (SIGHUP)."""
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise BrokerConfigError(f"no process {pid}", "give the pid of the running mosquitto") from None
    except PermissionError:
        raise BrokerConfigError(f"not allowed to signal process {pid}",
                                "run as the broker's user, or `systemctl reload mosquitto`") from None
