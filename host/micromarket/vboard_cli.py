"""`micromarket vboard`: start, list, reset and stop virtual boards."""

import json

import click

from . import vboard as vb


@click.group("vboard")
def vboard():
    """Virtual boards: the MicroPython unix port on a pseudo-terminal, driven like an ESP32."""


@vboard.command("start")
@click.argument("name")
@click.option("--board", default="virtual-plug", show_default=True, help="a virtual board definition")
@click.option("--heap", type=int, default=None, help="heap in bytes (default: the board's figure)")
@click.option("--blank", is_flag=True, help="a new board gets no app (to test `micromarket deploy`)")
@click.option("--json", "as_json", is_flag=True)
def start_cmd(name, board, heap, blank, as_json):
    """Start virtual board NAME and print its port."""
    b = vb.start(name, board=board, heap=heap, app=not blank)
    click.echo(json.dumps(b.as_dict()) if as_json else b.port)


@vboard.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_cmd(as_json):
    """List virtual boards (running, stopped and stale)."""
    boards = vb.list_boards()
    if as_json:
        click.echo(json.dumps([b.as_dict() for b in boards]))
        return
    if not boards:
        click.echo("no virtual boards")
    for b in boards:
        click.echo(f"{b.name:<16} {b.board:<16} {b.status:<8} {b.port or '-':<14} heap {b.heap}")


@vboard.command("stop")
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="stop every running virtual board")
def stop_cmd(name, all_):
    """Stop virtual board NAME (its filesystem is kept)."""
    if all_ == bool(name):
        raise click.UsageError("give a NAME or --all")
    stopped = vb.stop_all() if all_ else [vb.stop(name)]
    for b in stopped:
        click.echo(f"stopped {b.name}")


@vboard.command("reset")
@click.argument("name")
def reset_cmd(name):
    """Power-cycle virtual board NAME (the interpreter is killed, as by pulling the plug)."""
    b = vb.power_cycle(name)
    click.echo(f"{b.name} rebooted (boot {b.boots}) on {b.port}")


@vboard.command("rm")
@click.argument("name")
def rm_cmd(name):
    """Delete stopped virtual board NAME and its filesystem."""
    vb.remove(name)
    click.echo(f"removed {name}")
