"""What is plugged in: serial ports with their USB ids (ESP32 bridges named), and running virtual boards."""

import re
from dataclasses import asdict, dataclass

# USB (vendor, product) -> what sits behind it. Boards without a row still show, as "unknown".
USB_BRIDGES = {
    (0x10C4, 0xEA60): "Silicon Labs CP210x",
    (0x10C4, 0xEA70): "Silicon Labs CP2105",
    (0x1A86, 0x7523): "WCH CH340",
    (0x1A86, 0x7522): "WCH CH340K",
    (0x1A86, 0x55D4): "WCH CH9102",
    (0x1A86, 0x55D3): "WCH CH343",
    (0x0403, 0x6001): "FTDI FT232R",
    (0x0403, 0x6010): "FTDI FT2232",
    (0x0403, 0x6014): "FTDI FT232H",
    (0x0403, 0x6015): "FTDI FT231X",
    (0x303A, 0x1001): "Espressif USB-JTAG/serial (ESP32-C3/C6/S3 native USB)",
    (0x303A, 0x0002): "Espressif USB CDC (ESP32-S2/S3 native USB)",
    (0x303A, 0x4001): "Espressif native USB (MicroPython TinyUSB)",
}
ESPRESSIF_VID = 0x303A


@dataclass
class Device:
    port: str
    kind: str            # "usb", "serial" or "virtual"
    description: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    esp: bool = False    # a known ESP32 bridge or Espressif native USB
    board: str | None = None  # for virtual boards

    def as_dict(self) -> dict:
        d = asdict(self)
        d["usb"] = f"{self.vid:04x}:{self.pid:04x}" if self.vid is not None else None
        return d


def identify(vid: int | None, pid: int | None) -> tuple[str | None, bool]:
    """(name of the USB bridge, whether it is one an ESP32 board uses)."""
    if vid is None:
        return None, False
    name = USB_BRIDGES.get((vid, pid))
    if name:
        return name, True
    if vid == ESPRESSIF_VID:
        return "Espressif native USB", True
    return None, False


def from_port_info(info) -> Device:
    """A Device from a pyserial ``ListPortInfo``."""
    name, esp = identify(info.vid, info.pid)
    described = info.description if info.description not in (None, "", "n/a") else None
    desc = name or info.product or described or "serial port"
    if name and info.product and info.product not in name:
        desc = f"{name} — {info.product}"
    return Device(port=info.device, kind="usb" if info.vid is not None else "serial", description=desc,
                  vid=info.vid, pid=info.pid, serial_number=info.serial_number, esp=esp)


def serial_devices(include_all: bool = False) -> list[Device]:
    """USB serial ports (all ports with ``include_all``), ESP32 bridges first."""
    from serial.tools import list_ports

    found = [from_port_info(p) for p in list_ports.comports()]
    if not include_all:
        found = [d for d in found if d.vid is not None]
    return sorted(found, key=lambda d: (not d.esp, d.port))


def virtual_devices() -> list[Device]:
    try:
        from . import vboard
    except ImportError:
        return []
    return [Device(port=vb.port, kind="virtual", description=f"virtual board {vb.name}", board=vb.board)
            for vb in vboard.list_boards() if vb.status == "running" and vb.port]


def list_devices(include_all: bool = False) -> list[Device]:
    return serial_devices(include_all) + virtual_devices()


# ---------------------------------------------------------------- choosing a port
# As esptool and mpremote do: a port given on the command line, else from the environment, else
# the one board that is plugged in (or running as a virtual board); several are listed and the
# user is asked (or, without a terminal, told to choose). A virtual board's name is a port too.
PORT_ENV = "MICROMARKET_PORT"
FLASH_PORT_ENV = "ESPPORT"  # esptool's and ESP-IDF's variable, honoured by `flash`
DEFAULT_BAUD = 115200
_URL_PREFIXES = ("socket://", "rfc2217://", "loop://")


def port_option(help_text: str = "serial port of the board, or a virtual board's name "
                                 f"(default: ${PORT_ENV}, else the one board found)", **kwargs):
    import click

    return click.option("--port", default=None, metavar="PORT", help=help_text, **kwargs)


def baud_option(default: int = DEFAULT_BAUD, help_text: str = "serial line speed, bit/s"):
    import click

    return click.option("--baud", type=click.IntRange(300, 4_000_000), default=default,
                        show_default=True, help=help_text)


def check_port(port: str) -> str:
    """The device path of ``port``: a serial device, a URL pyserial opens, or a virtual board's name."""
    import os
    import stat

    from ..errors import DeviceError, UsageError

    if not port.strip():
        raise UsageError("the port is empty", "give a port from `micromarket devices`")
    if port.startswith(_URL_PREFIXES):
        return port
    if "/" not in port and "\\" not in port and not re.fullmatch(r"COM\d+", port, re.I):
        from . import vboard

        try:
            vb = vboard.get(port)
        except (DeviceError, UsageError):
            raise DeviceError(f"no port or virtual board named {port!r}",
                              "list them with `micromarket devices`") from None
        if vb.status != "running" or not vb.port:
            raise DeviceError(f"virtual board {port!r} is not running",
                              f"start it: micromarket vboard start {port}")
        return vb.port
    try:
        mode = os.stat(port).st_mode
    except FileNotFoundError:
        raise DeviceError(f"port {port} does not exist",
                          "plug the board in and list ports with `micromarket devices`") from None
    except OSError as exc:
        raise DeviceError(f"cannot use port {port}: {exc.strerror}", "check the path") from None
    if not stat.S_ISCHR(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a plain file"
        raise DeviceError(f"{port} is {kind}, not a serial port",
                          "give a port from `micromarket devices`")
    return port


def candidates() -> list[Device]:
    """The boards a command may talk to when no port is named: ESP32 USB bridges, else any USB
    serial port, and running virtual boards."""
    usb = serial_devices()
    esp = [d for d in usb if d.esp]
    return (esp or usb) + virtual_devices()


def resolve(port: str | None, envs: tuple[str, ...] = (PORT_ENV,), ask: bool | None = None,
            hint: str = "plug one in (a cable that carries data) or start one: "
                        "micromarket vboard start NAME") -> str:
    """The port to open: ``port``, else the first of ``envs`` set, else the only board found;
    with several, a question on a terminal (``ask``), else an error listing them."""
    import os
    import sys

    from ..errors import DeviceError

    if port is None:
        for env in envs:
            if os.environ.get(env):
                port = os.environ[env]
                break
    if port is not None:
        return check_port(port)
    found = candidates()
    if not found:
        raise DeviceError("no board found", hint)
    if len(found) == 1:
        _say(f"using {found[0].port} ({found[0].description})")
        return found[0].port
    names = ", ".join(d.port for d in found)
    if ask is None:
        ask = sys.stdin.isatty() and sys.stderr.isatty()
    if not ask:
        raise DeviceError(f"{len(found)} boards found ({names})",
                          f"choose one with --port or ${envs[0]}")
    import click

    for i, d in enumerate(found, 1):
        click.echo(f"  {i}  {d.port:<14} {d.description}", err=True)
    choice = click.prompt("which board", type=click.IntRange(1, len(found)), err=True)
    return found[choice - 1].port


def _say(text: str) -> None:
    import click

    click.echo(text, err=True)
