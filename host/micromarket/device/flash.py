"""Flash a board with esptool (used as a library), then deploy the app; or build one factory image per fleet.

    micromarket flash --board shelly-plus-plug-s --port /dev/ttyUSB0 --firmware ESP32_GENERIC.bin
    micromarket flash --board athom-plug-v3 --firmware ESP32_GENERIC_C3.bin --factory-image fleet.bin

The firmware file is checked before the port is touched (magic, chip id, checksums, SHA-256,
partition table); the chip on the port must be the board's chip; esptool verifies what it wrote.
"""

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeviceError, UsageError
from . import fwimage

FLASH_BAUD = 460800


@dataclass
class FlashResult:
    port: str
    chip: str
    offset: int
    size: int
    deployed: list[str]

    def as_dict(self) -> dict:
        return {"port": self.port, "chip": self.chip, "offset": self.offset, "size": self.size,
                "deployed": self.deployed}


def board_chip(board) -> fwimage.Chip:
    if board.chip == "unix":
        raise UsageError(f"board {board.name!r} is a virtual board; it has no flash to write",
                         f"start it with `micromarket vboard start NAME --board {board.name}`")
    return fwimage.chip(board.chip)


def load_firmware(path: Path, board) -> fwimage.Firmware:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read firmware file {path}: {exc.strerror}", "give the path of a .bin") from exc
    return fwimage.check_firmware(data, board_chip(board).name)


def factory_image(firmware: fwimage.Firmware, board) -> fwimage.FactoryImage:
    """The fleet image for ``board``: firmware + littlefs with the app compiled for its arch + config."""
    from .deploy import build_app

    return fwimage.build_factory_image(firmware, build_app(board))


def _progress_logger(progress):
    """An esptool logger that forwards progress to a callback and keeps the rest (for errors)."""
    from esptool.logger import TemplateLogger

    class ProgressLog(TemplateLogger):
        def __init__(self):
            self.lines: list[str] = []

        def print(self, *args, **kwargs):
            self.lines.append(" ".join(str(a) for a in args))

        def note(self, message):
            self.lines.append(message)

        def warning(self, message):
            self.lines.append(f"warning: {message}")

        def error(self, message):
            self.lines.append(f"error: {message}")

        def stage(self, finish=False):
            pass

        def progress_bar(self, cur_iter, total_iters, prefix="", suffix="", bar_length=30):
            if progress:
                progress(cur_iter, total_iters)

        def set_verbosity(self, verbosity):
            pass

    return ProgressLog()


@contextlib.contextmanager
def _esptool_log(progress):
    from esp_pylib.logger import EspLog
    from esptool.logger import log

    old = EspLog.instance
    log.set_logger(_progress_logger(progress))
    try:
        yield
    finally:
        EspLog.instance = old


def write(port: str, chip: fwimage.Chip, offset: int, data: bytes, progress=None,
          baud: int = FLASH_BAUD) -> str:
    """Write ``data`` at ``offset`` with esptool; verify; hard-reset. Returns the chip esptool found."""
    import serial
    from esptool import cmds
    from esptool.util import FatalError

    from .bridge import open_port

    open_port(port).close()  # missing, busy (another program holds its lock) or not permitted: say so now
    with _esptool_log(progress):
        try:
            esp = cmds.detect_chip(port, connect_attempts=3)
        except serial.SerialException as exc:
            from .target import port_error

            raise port_error(port, exc) from exc
        except (FatalError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DeviceError(f"no ESP chip answered on {port} ({first})",
                              "hold BOOT while pressing RESET to enter the bootloader, then retry") from exc
        try:
            found = esp.CHIP_NAME.lower().replace("-", "")
            if found != chip.name:
                raise DeviceError(f"the chip on {port} is an {esp.CHIP_NAME}, the board needs an "
                                  f"{chip.name.upper()}", "pick the --board that matches the hardware")
            esp = cmds.run_stub(esp)
            esp.change_baud(baud)
            cmds.attach_flash(esp)
            cmds.write_flash(esp, [(offset, data)], flash_size="keep")
            cmds.verify_flash(esp, [(offset, data)])
            cmds.reset_chip(esp, "hard-reset")
        except FatalError as exc:
            first = str(exc).strip().splitlines()[0]
            raise DeviceError(f"esptool failed on {port}: {first}", "retry; if it persists, try a lower --baud "
                              "(e.g. --baud 115200) or another cable") from exc
        finally:
            with contextlib.suppress(Exception):
                esp._port.close()
    return found


def flash(port: str, board, firmware: fwimage.Firmware, *, deploy_app: bool = True,
          progress=None, baud: int = FLASH_BAUD) -> FlashResult:
    """Write the MicroPython firmware, then deploy the app and the board's config over the REPL."""
    chip = board_chip(board)
    found = write(port, chip, chip.firmware_offset, firmware.data, progress, baud)
    deployed: list[str] = []
    if deploy_app:
        from .deploy import deploy
        from .target import connect

        with connect(port) as target:
            deployed = deploy(target, board).changed
    return FlashResult(port, found, chip.firmware_offset, len(firmware.data), deployed)


def flash_factory(port: str, board, image: fwimage.FactoryImage, progress=None,
                  baud: int = FLASH_BAUD) -> FlashResult:
    chip = board_chip(board)
    found = write(port, chip, image.flash_offset, image.data, progress, baud)
    return FlashResult(port, found, image.flash_offset, len(image.data), [])
