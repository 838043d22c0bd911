"""Where the broker is and how a host tool logs in: ``mqtt://`` or ``mqtts://`` URL, CA, credentials.

``mqtts://HOST[:8883]`` is TLS verified against ``ca_file`` (the neighbourhood CA from
``micromarket keys init``; the system's roots without one). The username is the URL's
(``mqtts://USER@HOST``) or given apart; the password is never in the URL (a process list shows
it): it comes from a file, or from $MICROMARKET_BROKER_PASSWORD.
"""

import base64
import hashlib
import hmac
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ..errors import MicromarketError

SCHEMES = {"mqtt": (1883, False), "tcp": (1883, False), "mqtts": (8883, True), "ssl": (8883, True)}
PASSWORD_ENV = "MICROMARKET_BROKER_PASSWORD"
PBKDF2_ROUNDS = 101  # mosquitto_passwd's own count for $7$ hashes


class BrokerAccessError(MicromarketError, ValueError):
    """A broker URL, CA file or credential is unusable, or the broker refused us."""


@dataclass(frozen=True)
class BrokerAccess:
    host: str
    port: int
    tls: bool = False
    path: str = ""                   # what follows HOST:PORT/ (a parent market's id)
    ca_file: str | None = None
    username: str | None = None
    password: str | None = None

    @property
    def url(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"

    def apply(self, client) -> None:
        """Set TLS and credentials on a paho-mqtt client."""
        if self.tls:
            client.tls_set(ca_certs=self.ca_file)
        if self.username is not None:
            client.username_pw_set(self.username, self.password)

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)


def parse(url: str, ca_file: str | os.PathLike | None = None, username: str | None = None,
          password_file: str | os.PathLike | None = None) -> BrokerAccess:
    """Read a broker URL and the files beside it; raise BrokerAccessError naming what is wrong."""
    u = urlparse(url if "://" in url else f"mqtt://{url}")
    if u.scheme not in SCHEMES or not u.hostname:
        raise BrokerAccessError(f"broker URL {url!r} is not mqtt://HOST[:PORT] or mqtts://HOST[:PORT]",
                                "give e.g. mqtt://127.0.0.1:1883 or mqtts://broker.local:8883")
    if u.password:
        raise BrokerAccessError("the broker URL holds a password", "put it in a file and pass --password-file")
    try:
        port = u.port or SCHEMES[u.scheme][0]
    except ValueError:
        raise BrokerAccessError(f"broker URL {url!r} has a bad port", "give a port from 1 to 65535") from None
    tls = SCHEMES[u.scheme][1]
    if ca_file is not None:
        if not tls:
            raise BrokerAccessError(f"a CA file given for {url}, which is not TLS", "use mqtts://")
        _check_ca(Path(ca_file))
    user = username or u.username
    password = read_password(password_file) if password_file is not None else os.environ.get(PASSWORD_ENV)
    if password is not None and user is None:
        raise BrokerAccessError("a broker password without a username", "give --username (or USER@ in the URL)")
    return BrokerAccess(u.hostname, port, tls, u.path.strip("/"), str(ca_file) if ca_file else None,
                        user, password)


def _check_ca(path: Path) -> None:
    try:
        text = path.read_text()
    except OSError as exc:
        raise BrokerAccessError(f"cannot read the CA file {path}: {exc.strerror}",
                                "give the neighbourhood's ca.pem (micromarket broker config writes one)") from exc
    except UnicodeDecodeError:
        text = ""
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise BrokerAccessError(f"{path} holds no PEM certificate", "give the neighbourhood's ca.pem")


def read_password(path) -> str:
    try:
        text = Path(path).read_text().strip()
    except OSError as exc:
        raise BrokerAccessError(f"cannot read the password file {path}: {exc.strerror}",
                                "give the file `micromarket broker config` wrote in credentials/") from exc
    if not text:
        raise BrokerAccessError(f"the password file {path} is empty", "write the password into it")
    return text


def diagnose(access: BrokerAccess, timeout: float = 5) -> tuple[bool, str]:
    """Why a connection to the broker fails, as far as TCP and TLS tell: (for good?, reason).

    "For good" is a fault of our own settings (a certificate that does not verify, a port that
    does not speak TLS) that waiting will not mend; an unreachable broker may still come up.
    """
    try:
        sock = socket.create_connection((access.host, access.port), timeout=timeout)
    except OSError as exc:
        return False, f"cannot reach {access.host}:{access.port} ({exc.strerror or exc})"
    try:
        if access.tls:
            try:
                access.ssl_context().wrap_socket(sock, server_hostname=access.host).close()
            except ssl.SSLCertVerificationError as exc:
                return True, (f"the broker's certificate does not verify ({exc.verify_message})"
                              + ("" if access.ca_file else "; no CA file given"))
            except (ssl.SSLError, OSError) as exc:
                return True, f"the TLS handshake failed ({getattr(exc, 'reason', None) or exc}); is it a TLS port?"
        return False, "the connection opens; the broker refused or dropped the MQTT session"
    finally:
        sock.close()


def refusal_hint(reason: str) -> str:
    r = reason.lower()
    if "not authorized" in r or "bad user" in r or "password" in r:
        return ("check --username and --password-file; a device's credential comes from provisioning, "
                "and `micromarket broker config` must run again (then reload the broker) after enrolling")
    return "check the broker's log"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``$7$<rounds>$<salt>$<hash>``: PBKDF2-HMAC-SHA512, the format of Mosquitto's password file."""
    salt = os.urandom(12) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ROUNDS)
    return f"$7${PBKDF2_ROUNDS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches a ``$7$`` line of a Mosquitto password file."""
    try:
        _, kind, rounds, salt, digest = hashed.split("$")
        if kind != "7":
            return False
        got = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(rounds))
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def read_password_file(path) -> dict[str, str]:
    """username -> hash, from a Mosquitto password file (``micromarket broker config`` writes one)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise BrokerAccessError(f"cannot read the broker password file {path}: {exc.strerror}",
                                "give the passwd file `micromarket broker config` wrote") from exc
    users = {}
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        user, sep, hashed = line.partition(":")
        if not sep or not hashed.startswith("$7$"):
            raise BrokerAccessError(f"{path}:{n} is not USER:$7$... (Mosquitto's PBKDF2 format)",
                                    "write it with `micromarket broker config` or mosquitto_passwd")
        users[user] = hashed
    return users
