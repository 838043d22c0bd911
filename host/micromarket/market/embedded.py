"""The broker inside ``market serve`` (amqtt), for a street without Mosquitto.

It listens on loopback unless told otherwise; given a Mosquitto password file (the ``passwd``
that ``micromarket broker config`` writes) it lets in only those users, with their passwords.
It has no ACLs and no TLS: a street reached over Wi-Fi runs Mosquitto with that configuration.
"""

import ipaddress
import logging
from dataclasses import dataclass, field

from ..protocol.broker import check_password, read_password_file
from . import MarketError

log = logging.getLogger(__name__)


def _plugin_base():
    from amqtt.plugins.base import BaseAuthPlugin
    return BaseAuthPlugin


class PasswordFileAuth(_plugin_base()):
    """amqtt authentication against a Mosquitto password file (read once, at start)."""

    @dataclass
    class Config:
        password_file: str = ""
        users: dict = field(default_factory=dict)

    async def authenticate(self, *, session) -> bool:
        hashed = self.config.users.get(session.username or "")
        ok = hashed is not None and check_password(session.password or "", hashed)
        if not ok:
            log.warning("embedded broker refused %s", session.username or "an anonymous client")
        return ok


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, password_file) -> str | None:
    """What to tell an operator whose embedded broker anyone on the network can publish to."""
    if password_file is None and not is_loopback(host):
        return (f"warning: the embedded broker listens on {host} without credentials: anyone who "
                "reaches it can publish; pass --broker-passwd (or run Mosquitto from `micromarket "
                "broker config`)")
    return None


async def start_embedded_broker(port: int, host: str = "127.0.0.1", password_file=None, own_users=None):
    """An amqtt broker inside this process; returns it (``await broker.shutdown()`` to stop).

    ``own_users`` (username -> ``$7$`` hash) are let in beside the password file's: the market's
    own connection, with a password made for this run."""
    from amqtt.broker import Broker

    if logging.getLogger("amqtt").level == logging.NOTSET:  # `market serve -v` may have set it
        logging.getLogger("amqtt").setLevel(logging.ERROR)
    config: dict = {"listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}}}
    if password_file is not None:
        users = {**read_password_file(password_file), **(own_users or {})}
        config["plugins"] = {f"{__name__}.PasswordFileAuth": {"password_file": str(password_file),
                                                               "users": users}}
    elif exposure_warning(host, password_file):
        log.warning(exposure_warning(host, password_file))
    broker = Broker(config)
    try:
        await broker.start()
    except Exception as exc:  # noqa: BLE001 - amqtt raises its own and OSError alike
        raise MarketError(f"cannot start the embedded broker on {host}:{port}: {exc}",
                          "pick another --listen port, or pass --broker URL") from exc
    return broker
