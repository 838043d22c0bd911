"""The ``micromarket`` command: a thin table of subcommands, each loaded only when used."""

import sys

import click

from . import __version__
from .errors import MicromarketError
from .lazy import LazyGroup

# name -> "module:attribute" of a click command; the CLI layer only parses, calls and formats.
COMMANDS = {
    "vboard": "micromarket.device.cli:vboard",
    "deploy": "micromarket.device.cli:deploy_cmd",
    "devices": "micromarket.device.cli:devices_cmd",
    "flash": "micromarket.device.cli:flash_cmd",
    "provision": "micromarket.fleet.cli:provision_cmd",
    "keys": "micromarket.fleet.cli:keys_cmd",
    "release": "micromarket.fleet.cli:release_cmd",
    "broker": "micromarket.fleet.cli:broker_cmd",
    "market": "micromarket.market.cli:market",
    "ledger": "micromarket.market.cli:ledger",
    "bridge": "micromarket.device.cli:bridge_cmd",
    "monitor": "micromarket.device.cli:monitor_cmd",
    "sim": "micromarket.sim.cli:sim_cmd",
    "selftest": "micromarket.device.cli:selftest_cmd",
    "doctor": "micromarket.device.cli:doctor_cmd",
    "bench": "micromarket.bench.cli:cli",
    "demo": "micromarket.sim.cli:demo_cmd",
}


@click.group(cls=LazyGroup, table=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="micromarket")
def cli():
    """Turn ESP32 plugs and meters into signed agents of a neighbourhood energy market."""


def main(argv=None) -> int:
    try:
        cli.main(args=argv, prog_name="micromarket", standalone_mode=False)
    except MicromarketError as exc:
        click.echo(f"micromarket: {exc}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("micromarket: aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("micromarket: interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
