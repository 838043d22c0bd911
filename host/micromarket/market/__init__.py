"""The neighbourhood market: auction, registry, ledger, settlement and the MQTT service around them."""

from ..errors import MicromarketError


class MarketError(MicromarketError):
    """The market could not do what was asked (bad database, bad key, broker unreachable...)."""
