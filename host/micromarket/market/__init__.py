"""The neighbourhood market: auction, registry, ledger, settlement and the MQTT service around
them, plus the ``market`` and ``ledger`` commands. May import the foundation (errors, paths,
keys), ``protocol`` and ``boards`` (a party's largest power is its board's rating: limits.py);
never ``device``, ``fleet``, ``sim`` or ``bench``.
"""

from ..errors import MicromarketError


class MarketError(MicromarketError):
    """The market could not do what was asked (bad database, bad key, broker unreachable...)."""
