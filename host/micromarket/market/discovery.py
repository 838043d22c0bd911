"""The market on the local network: DNS-SD over mDNS (RFC 6762/6763), with the zeroconf package.

``market serve --advertise ADDRESS`` announces ``<market>._micromarket._tcp.local.`` on the
interface of ADDRESS, with TXT ``market`` (its id), ``key`` (``fingerprint`` of its public key)
and ``broker`` (the URL devices connect to). A device provisioned with ``--broker mdns`` asks
for the service at boot (firmware/lib/mdns.py) and takes the broker only from an answer whose
market and fingerprint are those it was enrolled with.
"""

import hashlib
import ipaddress
import socket

from . import MarketError

SERVICE = "_micromarket._tcp.local."


def fingerprint(market_pub: bytes) -> str:
    """First 16 bytes of SHA-256 of the market's raw public key, hex (the device computes the same)."""
    return hashlib.sha256(market_pub).digest()[:16].hex()


def txt(market: str, market_pub: bytes, broker_url: str) -> dict[str, str]:
    return {"market": market, "key": fingerprint(market_pub), "broker": broker_url}


class Advertisement:
    """A running announcement; ``close()`` withdraws it (goodbye packets)."""

    def __init__(self, market: str, market_pub: bytes, broker_url: str, address: str, port: int):
        from zeroconf import ServiceInfo, Zeroconf

        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            raise MarketError(f"--advertise {address!r} is not an IPv4 address",
                              "give the address of the interface devices reach, e.g. 192.168.1.10") from None
        self.info = ServiceInfo(SERVICE, f"{market}.{SERVICE}", addresses=[socket.inet_aton(address)],
                                port=port, properties=txt(market, market_pub, broker_url),
                                server=f"{market}-market.local.")
        try:
            self.zc = Zeroconf(interfaces=[address])
            self.zc.register_service(self.info, allow_name_change=False)
        except OSError as exc:
            raise MarketError(f"cannot announce the market on {address}: {exc.strerror or exc}",
                              "give the address of an interface with multicast (ip link) to --advertise") from exc

    def close(self) -> None:
        self.zc.unregister_service(self.info)
        self.zc.close()


def broker_for_devices(url: str, address: str) -> str:
    """The URL a device should use: the broker's, with a loopback or wildcard host replaced by the
    advertised address (the market may reach its broker on loopback; devices cannot)."""
    from ..protocol.broker import parse

    a = parse(url)
    host = a.host
    try:
        ip = ipaddress.ip_address(host)
        if ip.is_loopback or ip.is_unspecified:
            host = address
    except ValueError:
        if host == "localhost":
            host = address
    return f"{'mqtts' if a.tls else 'mqtt'}://{host}:{a.port}"
