"""micromarket: ESP32 plugs and meters as signed agents of a neighbourhood energy market.

The package is layered; imports only go downward (tests/host/test_layout.py keeps it so):

    cli.py                       the table of subcommands (loads each command on first use)
    sim/  bench/                 a virtual neighbourhood, its report; benchmarks
    fleet/                       provisioning identities in batches, signed release bundles
    device/      market/         reaching one board; the market service, ledger, settlement
    boards/      protocol/       board definitions; the wire protocol
    errors.py paths.py keys.py lazy.py    the foundation every layer may use

Each subpackage has one command-line module, ``<package>/cli.py``.
"""

__version__ = "0.1.0"
