"""The ``micromarket`` command: a thin table of subcommands, each loaded only when used."""

import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import MicromarketError
from .lazy import LazyGroup
from .paths import HOME_ENV

# name -> "module:attribute" of a click command; the CLI layer only parses, calls and formats.
COMMANDS = {
    "vboard": "micromarket.device.cli:vboard",
    "deploy": "micromarket.device.cli:deploy_cmd",
    "devices": "micromarket.device.cli:devices_cmd",
    "flash": "micromarket.device.cli:flash_cmd",
    "provision": "micromarket.fleet.cli:provision_cmd",
    "keys": "micromarket.fleet.cli:keys_cmd",
    "status": "micromarket.fleet.cli:status_cmd",
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
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"where keys, the market database and virtual boards live (default: ${HOME_ENV}, "
                   "else ~/.local/state/micromarket)")
def cli(home):
    """Turn ESP32 plugs and meters into signed agents of a neighbourhood energy market.

    \b
    micromarket vboard start plug1            # a virtual board, no hardware needed
    micromarket --home ./lab keys init        # keep this lab's state in ./lab
    """
    if home is not None:
        os.environ[HOME_ENV] = str(home.resolve())  # also for the processes it starts


def _command_path(argv) -> str:
    """`micromarket market serve` for the words of ``argv`` that name (sub)commands."""
    argv = list(sys.argv[1:] if argv is None else argv)
    ctx = click.Context(cli)
    path, cmd, skip = ["micromarket"], cli, False
    for word in argv:
        if skip or word == "--home":
            skip = not skip
            continue
        if not isinstance(cmd, click.Group) or word.startswith("-"):
            break
        sub = cmd.get_command(ctx, word)
        if sub is None:
            break
        path.append(word)
        cmd = sub
    return " ".join(path)


def main(argv=None) -> int:
    try:
        cli.main(args=argv, prog_name="micromarket", standalone_mode=False)
    except MicromarketError as exc:
        click.echo(f"micromarket: {exc}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("micromarket: aborted", err=True)
        return 130
    except click.UsageError as exc:  # one line, as every other failure: what, and where to look
        where = exc.ctx.command_path if exc.ctx is not None else _command_path(argv)
        message = " ".join(exc.format_message().split()).rstrip(".")
        click.echo(f"micromarket: {message} — see `{where} --help`", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"micromarket: {' '.join(exc.format_message().split())}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("micromarket: interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
