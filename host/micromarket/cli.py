"""The ``micromarket`` command: a thin table of subcommands, each loaded only when used."""

import importlib
import sys

import click

from . import __version__
from .errors import MicromarketError

# name -> "module:attribute" of a click command; the CLI layer only parses, calls and formats.
COMMANDS = {
    "vboard": "micromarket.vboard_cli:vboard",
    "deploy": "micromarket.deploy:cli",
    "devices": "micromarket.devices:cli",
    "flash": "micromarket.flash:cli",
    "provision": "micromarket.provision_cli:cli",
    "keys": "micromarket.keys:cli",
    "release": "micromarket.release:cli",
    "market": "micromarket.market.cli:cli",
    "ledger": "micromarket.ledger_cli:cli",
    "bridge": "micromarket.bridge:cli",
    "monitor": "micromarket.monitor:cli",
    "sim": "micromarket.sim:cli",
    "selftest": "micromarket.selftest:cli",
    "bench": "micromarket.bench:cli",
    "demo": "micromarket.demo:cli",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported from a table on first use."""

    def __init__(self, *args, table: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table

    def list_commands(self, ctx):
        return sorted({*self.commands, *self.table})

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        target = self.table.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


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
