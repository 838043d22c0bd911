"""What is plugged in: serial ports with their USB ids (ESP32 bridges named), and running virtual boards."""

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
