"""Command line of the device package: vboard, devices, deploy, flash, monitor, bridge, selftest,
doctor."""

import json
import time
from pathlib import Path

import click

from ..errors import UsageError
from . import vboard as vb
from .bridge import Bridge
from .deploy import board_of, build_app, deploy
from .flash import FLASH_BAUD, factory_image, flash, flash_factory, load_firmware
from .monitor import format_event, traded, watch
from .ports import FLASH_PORT_ENV, PORT_ENV, baud_option, list_devices, port_option, resolve
from .selftest import DEFAULT_VECTORS, load_vectors, selftest, summary


@click.group("vboard")
def vboard():
    """Virtual boards: the MicroPython unix port on a pseudo-terminal, driven like an ESP32."""


@vboard.command("start")
@click.argument("name")
@click.option("--board", default="virtual-plug", show_default=True, help="a virtual board definition")
@click.option("--heap", type=click.IntRange(32 * 1024, 64 * 1024 * 1024), default=None,
              help="heap in bytes (default: the board's figure)")
@click.option("--blank", is_flag=True, help="a new board gets no app (to test `micromarket deploy`)")
@click.option("--runtime", default=None, metavar="PATH",
              help="the MicroPython unix port binary to run (default: $MICROMARKET_MICROPYTHON, "
                   "else the venv's); the app is compiled for its architecture")
@click.option("--json", "as_json", is_flag=True)
def start_cmd(name, board, heap, blank, runtime, as_json):
    """Start virtual board NAME and print its port."""
    b = vb.start(name, board=board, heap=heap, app=not blank, runtime=runtime)
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


@click.command("deploy")
@port_option()
@baud_option()
@click.option("--board", "board_name", default=None,
              help="board definition: a name in boards/ or a TOML file "
                   "(default: the board named by the config already on the device)")
@click.option("--no-reset", is_flag=True, help="do not reset the board afterwards")
@click.option("--json", "as_json", is_flag=True)
def deploy_cmd(port, baud, board_name, no_reset, as_json):
    """Compile the firmware for the board and copy what changed.

    A running agent is stopped first (the board reboots into its REPL without the app); the
    board is reset afterwards, so that it runs the new app.

    \b
    micromarket deploy --port /dev/ttyUSB0 --board shelly-plus-plug-s
    micromarket deploy --port plug1           # a virtual board; the board named by its config
    """
    from rich.progress import Progress

    from ..boards.board import get_board
    from .target import connect

    board = get_board(board_name) if board_name else None
    port = resolve(port)
    with connect(port, baud=baud) as target:
        if board is None:
            name = board_of(target)
            if not name:
                raise UsageError(f"the board on {port} carries no board config",
                                 "name it once: micromarket deploy --port PORT --board BOARD")
            board = get_board(name)
        files = build_app(board)
        with Progress(transient=True, disable=as_json) as bar:
            task = bar.add_task(f"deploying to {board.name}", total=len(files))
            result = deploy(target, board, files, reset=not no_reset,
                            progress=lambda n, total, p: bar.update(task, completed=n))
    if as_json:
        click.echo(json.dumps({"board": board.name, **result.__dict__}))
    else:
        removed = f", {len(result.removed)} removed" if result.removed else ""
        click.echo(f"{board.name}: {len(result.changed)} changed, {len(result.unchanged)} unchanged{removed}")
        for p in result.changed:
            click.echo(f"  + {p}")


@click.command("devices")
@click.option("--all", "include_all", is_flag=True, help="also list serial ports without USB ids")
@click.option("--json", "as_json", is_flag=True)
def devices_cmd(include_all, as_json):
    """List serial ports (ESP32 USB bridges first) and running virtual boards."""
    devices = list_devices(include_all)
    if as_json:
        click.echo(json.dumps([d.as_dict() for d in devices]))
        return
    if not devices:
        click.echo("no boards found — plug a board in (check the cable carries data), "
                   "or start one: micromarket vboard start NAME")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("port", "usb", "device", ""):
        table.add_column(col)
    for d in devices:
        usb = f"{d.vid:04x}:{d.pid:04x}" if d.vid is not None else ("virtual" if d.kind == "virtual" else "-")
        mark = "ESP32" if d.esp else (d.board or "")
        table.add_row(d.port, usb, d.description, mark)
    Console().print(table)


@click.command("flash")
@click.option("--board", "board_name", required=True, help="board definition (see boards/)")
@port_option(f"serial port of the board (default: ${FLASH_PORT_ENV} or ${PORT_ENV}, else the one "
             "board found; see `micromarket devices`)")
@baud_option(FLASH_BAUD, "line speed while writing, bit/s (lower it for a poor cable)")
@click.option("--firmware", "firmware_path", required=True, type=click.Path(path_type=Path),
              help="MicroPython .bin for the board's chip")
@click.option("--factory-image", "factory_out", default=None, type=click.Path(path_type=Path),
              help="write one image (firmware + app filesystem) here; with --port, also flash it")
@click.option("--no-deploy", is_flag=True, help="write the firmware only")
@click.option("--json", "as_json", is_flag=True)
def flash_cmd(board_name, port, baud, firmware_path, factory_out, no_deploy, as_json):
    """Write MicroPython and the app to a board, or build a factory image for a fleet.

    \b
    micromarket flash --board shelly-plus-plug-s --firmware ESP32_GENERIC.bin --port /dev/ttyUSB0
    micromarket flash --board athom-plug-v3 --firmware ESP32_GENERIC_C3.bin --factory-image fleet.bin
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from ..boards.board import get_board

    board = get_board(board_name)
    firmware = load_firmware(firmware_path, board)
    if factory_out is None or port is not None:
        port = resolve(port, envs=(FLASH_PORT_ENV, PORT_ENV),
                       hint="plug one in and pass --port (see `micromarket devices`), or build an "
                            "image with --factory-image OUT.bin")
    out: dict = {"board": board.name, "chip": firmware.chip.name}
    image = None
    if factory_out is not None:
        image = factory_image(firmware, board)
        tmp = factory_out.with_name(factory_out.name + ".part")
        tmp.write_bytes(image.data)
        tmp.replace(factory_out)
        out["factory_image"] = {"path": str(factory_out), "size": len(image.data),
                                "flash_offset": image.flash_offset, "fs_offset": image.fs_offset,
                                "fs_size": image.fs_size,
                                "command": image.esptool_command(str(factory_out), firmware.chip.name)}
        if not as_json:
            click.echo(f"factory image {factory_out}: {len(image.data)} bytes; filesystem at "
                       f"0x{image.fs_offset:x} ({image.fs_size // 1024} KiB)")
            click.echo(f"  write it with: {out['factory_image']['command']}")
    if port is not None:
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                      transient=True, disable=as_json) as bar:
            task = bar.add_task(f"flashing {port}", total=None)

            def progress(done, total):
                bar.update(task, completed=done, total=total)

            if image is not None:
                result = flash_factory(port, board, image, progress, baud=baud)
            else:
                result = flash(port, board, firmware, deploy_app=not no_deploy, progress=progress, baud=baud)
        out["flashed"] = result.as_dict()
        if not as_json:
            click.echo(f"flashed {result.size} bytes at 0x{result.offset:x} on {port} ({result.chip}), verified")
            if result.deployed:
                click.echo(f"deployed {len(result.deployed)} files")
    if as_json:
        click.echo(json.dumps(out))


@click.command("monitor")
@port_option()
@baud_option()
@click.option("--duration", type=click.FloatRange(0, min_open=True), default=None,
              help="stop after this many seconds")
@click.option("--trades", type=click.IntRange(1), default=None,
              help="stop once the device has traded this many intervals (its interval lines "
                   "with an award)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
def monitor_cmd(port, baud, duration, trades, as_json):
    """Show a device's log with timestamps and its protocol messages decoded (Ctrl-C to stop).

    \b
    micromarket monitor --port /dev/ttyUSB0
    micromarket monitor --port plug1 --trades 2     # until it has traded two intervals
    """
    port = resolve(port)

    def show(event):
        click.echo(json.dumps(event, sort_keys=True) if as_json else format_event(event))

    seen = [0]

    def enough(event) -> bool:
        seen[0] += traded(event)
        return trades is not None and seen[0] >= trades

    try:
        watch(port, show, duration, baud, until=enough)
    except KeyboardInterrupt:
        pass


@click.command("bridge")
@port_option()
@click.option("--broker", required=True, help="MQTT broker, mqtt://HOST:PORT or mqtts://HOST:PORT")
@click.option("--ca-file", default=None, help="CA the mqtts:// broker's certificate must chain to")
@click.option("--username", default=None, help="broker username: the device's party id")
@click.option("--password-file", default=None, help="file holding the device's broker password")
@baud_option()
@click.option("--quiet", is_flag=True, help="do not print the device's log")
def bridge_cmd(port, broker, ca_file, username, password_file, baud, quiet):
    """Relay a USB-attached device's framed messages to MQTT and back (Ctrl-C to stop).

    The device is one provisioned with `--broker serial`.

    \b
    micromarket bridge --port /dev/ttyUSB0 --broker mqtt://127.0.0.1:1883
    """
    from ..protocol.broker import parse

    access = parse(broker, ca_file, username, password_file)
    port = resolve(port)

    def log(line):
        if not quiet:
            click.echo(f"{time.strftime('%H:%M:%S')} {line}")

    bridge = Bridge(port, access, on_log=log, baud=baud)
    click.echo(f"bridging {port} <-> {broker}", err=True)
    try:
        stats = bridge.run()
    except KeyboardInterrupt:
        bridge.stop_event.set()
        stats = bridge.stats
    click.echo(f"relayed {stats.up} up, {stats.down} down; port opened {stats.opens} times", err=True)


@click.command("selftest")
@click.option("--vectors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Wycheproof EdDSA verify vectors (default: the ones shipped with micromarket)")
@port_option("a board's serial port or a virtual board's name (default: a temporary virtual board)")
@baud_option()
def selftest_cmd(vectors: Path | None, port: str | None, baud: int) -> None:
    """Check a board's Ed25519 verify against Wycheproof vectors.

    \b
    micromarket selftest                      # on a temporary virtual board
    micromarket selftest --port /dev/ttyUSB0
    """
    from rich.progress import Progress

    path = vectors or DEFAULT_VECTORS
    if port is not None:
        port = resolve(port)
    total = len(load_vectors(path))
    with Progress(transient=True) as bar:
        task = bar.add_task("verifying", total=total)
        outcomes = selftest(port, path, progress=lambda n: bar.advance(task, n), baud=baud)
    for o in outcomes:
        if not o.passed:
            v = o.vector
            click.echo(f"FAIL tcId {v.tc_id} ({v.comment or 'no comment'}): expected "
                       f"{'valid' if v.valid else 'invalid'}, board said "
                       f"{'valid' if o.verdict else 'invalid'}")
    click.echo(summary(outcomes))
    if any(not o.passed for o in outcomes):
        raise click.exceptions.Exit(1)


@click.command("doctor")
@port_option()
@click.option("--load-w", type=click.IntRange(min=1), default=None,
              help="the known load plugged into the board, in W, to check the meter against")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="where the JSON and the summary go")
@click.option("--json", "as_json", is_flag=True, help="print the JSON instead of the summary")
def doctor_cmd(port: str | None, load_w: int | None, out_dir: Path, as_json: bool) -> None:
    """Bring-up report of a board: chip, flash, heap, IRAM, crypto core, meter, relay, clock."""
    from .doctor import probe, summary, write

    report = probe(resolve(port), load_w or 0)
    js, txt = write(report, out_dir)
    click.echo(json.dumps(report) if as_json else summary(report))
    click.echo(f"written: {js} and {txt}", err=True)
