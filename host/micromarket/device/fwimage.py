"""ESP firmware files and factory images.

A MicroPython ``.bin`` for an ESP32 is a merged image written at the chip's bootloader offset: the
second-stage bootloader (an ESP image), the partition table at flash 0x8000 and the application
(another ESP image) at the ``factory`` partition. MicroPython mounts the ``vfs`` data partition as
littlefs v2 with 4 KiB blocks. A factory image is that firmware padded up to the ``vfs`` partition,
followed by a littlefs image of the partition's full size holding the app and the board's config,
so one esptool write at the bootloader offset gives a ready device.

Offsets come from the firmware's own partition table (for MicroPython's 4 MiB ESP32 builds:
factory app at 0x10000 size 0x1F0000, vfs at 0x200000 size 0x200000), never from guesses.
"""

import hashlib
import struct
from dataclasses import dataclass

from ..errors import UsageError

ESP_IMAGE_MAGIC = 0xE9
CHECKSUM_SEED = 0xEF
PARTITION_TABLE_OFFSET = 0x8000
PARTITION_TABLE_SIZE = 0xC00
FS_BLOCK_SIZE = 4096
# MicroPython's VfsLfs2 defaults (extmod/vfs_lfs.c): read size, prog size, lookahead.
FS_READ_SIZE = 32
FS_PROG_SIZE = 32
FS_LOOKAHEAD = 32
FS_DISK_VERSION = 0x00020000  # littlefs on-disk 2.0: readable by every littlefs v2 MicroPython has shipped


@dataclass(frozen=True)
class Chip:
    name: str            # esptool's chip name
    image_chip_id: int   # the chip id in an ESP image's extended header
    firmware_offset: int  # where the merged firmware (bootloader first) is written
    arch: str            # mpy-cross -march


# Chip differences as data; tests check these against esptool's own CHIP_DEFS.
CHIPS = {
    "esp32": Chip("esp32", 0, 0x1000, "xtensawin"),
    "esp32s2": Chip("esp32s2", 2, 0x1000, "xtensawin"),
    "esp32s3": Chip("esp32s3", 9, 0x0, "xtensawin"),
    "esp32c3": Chip("esp32c3", 5, 0x0, "rv32imc"),
    "esp32c6": Chip("esp32c6", 13, 0x0, "rv32imc"),
}


class FirmwareError(UsageError):
    """A firmware file is not a usable ESP image for the chip at hand."""


def chip(name: str) -> Chip:
    try:
        return CHIPS[name.lower().replace("-", "")]
    except KeyError:
        raise FirmwareError(f"unknown chip {name!r}", f"use one of {', '.join(CHIPS)}") from None


def chip_by_image_id(image_chip_id: int) -> Chip | None:
    return next((c for c in CHIPS.values() if c.image_chip_id == image_chip_id), None)


@dataclass(frozen=True)
class EspImage:
    """One ESP image (bootloader or app) inside a firmware file."""
    offset: int      # within the file
    length: int      # header + segments + checksum padding (+ 32-byte digest when present)
    chip_id: int
    segments: int
    has_digest: bool


@dataclass(frozen=True)
class Partition:
    label: str
    type: int
    subtype: int
    offset: int
    size: int


@dataclass(frozen=True)
class Firmware:
    chip: Chip
    data: bytes
    bootloader: EspImage
    app: EspImage
    partitions: tuple[Partition, ...]

    def partition(self, label: str) -> Partition:
        for p in self.partitions:
            if p.label == label:
                return p
        raise FirmwareError(f"the firmware's partition table has no {label!r} partition",
                            "use a stock MicroPython ESP32 build")


def parse_image(data: bytes, offset: int, what: str) -> EspImage:
    """Walk one ESP image: magic, segments, XOR checksum and the appended SHA-256; raise on any fault."""
    if len(data) < offset + 24:
        raise FirmwareError(f"{what} is truncated (no image header at 0x{offset:x})",
                            "download the firmware file again")
    if data[offset] != ESP_IMAGE_MAGIC:
        raise FirmwareError(f"{what} has no ESP image at 0x{offset:x} (magic 0x{data[offset]:02x}, "
                            "expected 0xe9)", "give a MicroPython .bin for ESP32, not an .elf, .uf2 or .hex")
    count = data[offset + 1]
    chip_id = struct.unpack_from("<H", data, offset + 12)[0]
    has_digest = data[offset + 23] == 1
    pos = offset + 24
    checksum = CHECKSUM_SEED
    for _ in range(count):
        if pos + 8 > len(data):
            raise FirmwareError(f"{what} is truncated inside a segment header", "download it again")
        _addr, size = struct.unpack_from("<II", data, pos)
        pos += 8
        if pos + size > len(data):
            raise FirmwareError(f"{what} is truncated inside a segment", "download it again")
        for b in data[pos:pos + size]:
            checksum ^= b
        pos += size
    pos += 15 - (pos - offset) % 16  # pad so the checksum byte ends a 16-byte line
    if pos >= len(data) or data[pos] != checksum:
        raise FirmwareError(f"{what} fails its checksum (the file is corrupt)", "download it again")
    pos += 1
    if has_digest:
        if pos + 32 > len(data) or hashlib.sha256(data[offset:pos]).digest() != data[pos:pos + 32]:
            raise FirmwareError(f"{what} fails its SHA-256 (the file is corrupt)", "download it again")
        pos += 32
    return EspImage(offset, pos - offset, chip_id, count, has_digest)


def parse_partition_table(blob: bytes) -> tuple[Partition, ...]:
    """ESP-IDF partition table: 32-byte entries (0xAA 0x50 magic) closed by an MD5 entry (0xEB 0xEB)."""
    parts = []
    for pos in range(0, min(len(blob), PARTITION_TABLE_SIZE) - 31, 32):
        entry = blob[pos:pos + 32]
        if entry[:2] == b"\xaa\x50":
            ptype, sub, off, size = struct.unpack_from("<BBII", entry, 2)
            label = entry[12:28].split(b"\0", 1)[0].decode("ascii", "replace")
            parts.append(Partition(label, ptype, sub, off, size))
        elif entry[:2] == b"\xeb\xeb":
            if hashlib.md5(blob[:pos]).digest() != entry[16:32]:
                raise FirmwareError("the firmware's partition table fails its MD5", "download it again")
            break
        else:
            break
    if not parts:
        raise FirmwareError(f"no partition table at flash 0x{PARTITION_TABLE_OFFSET:x} in the firmware file",
                            "give the full MicroPython .bin (bootloader + partitions + app), not the app alone")
    return tuple(parts)


def check_firmware(data: bytes, chip_name: str) -> Firmware:
    """Validate a merged MicroPython firmware for ``chip_name``: images, checksums, digests, partitions."""
    want = chip(chip_name)
    if not data:
        raise FirmwareError("the firmware file is empty", "download it again")
    boot = parse_image(data, 0, "the firmware's bootloader")
    if boot.chip_id != want.image_chip_id:
        found = chip_by_image_id(boot.chip_id)
        raise FirmwareError(f"the firmware is for {found.name if found else f'chip id {boot.chip_id}'}, "
                            f"the board is {want.name}", f"download the MicroPython build for {want.name}")
    table_at = PARTITION_TABLE_OFFSET - want.firmware_offset
    parts = parse_partition_table(data[table_at:table_at + PARTITION_TABLE_SIZE])
    apps = [p for p in parts if p.type == 0]
    if not apps:
        raise FirmwareError("the firmware's partition table has no app partition", "use a stock MicroPython build")
    app = parse_image(data, apps[0].offset - want.firmware_offset, "the firmware's application")
    if app.chip_id != want.image_chip_id:
        raise FirmwareError("the firmware's application is for another chip than its bootloader",
                            "download the firmware again")
    if app.length > apps[0].size:
        raise FirmwareError("the application is larger than its partition", "use a stock MicroPython build")
    return Firmware(want, bytes(data), boot, app, parts)


def build_filesystem(files: dict[str, bytes], size: int, block_size: int = FS_BLOCK_SIZE) -> bytes:
    """A littlefs v2 image of ``size`` bytes holding ``files`` (paths relative to the root)."""
    import littlefs

    if size % block_size:
        raise FirmwareError(f"filesystem size 0x{size:x} is not a multiple of the block size", "fix the partition")
    fs = littlefs.LittleFS(block_size=block_size, block_count=size // block_size, read_size=FS_READ_SIZE,
                           prog_size=FS_PROG_SIZE, lookahead_size=FS_LOOKAHEAD,
                           disk_version=FS_DISK_VERSION)
    try:
        for path in sorted(files):
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            if parent:
                fs.makedirs(parent, exist_ok=True)
            with fs.open(path, "wb") as f:
                f.write(files[path])
    except littlefs.LittleFSError as exc:
        raise FirmwareError(f"the files do not fit in a {size // 1024} KiB filesystem ({exc})",
                            "remove files or use a larger vfs partition") from exc
    return bytes(fs.context.buffer)


def read_filesystem(image: bytes, block_size: int = FS_BLOCK_SIZE) -> dict[str, bytes]:
    """Every file of a littlefs image, by path."""
    import littlefs

    fs = littlefs.LittleFS(block_size=block_size, block_count=len(image) // block_size, mount=False,
                           read_size=FS_READ_SIZE, prog_size=FS_PROG_SIZE, lookahead_size=FS_LOOKAHEAD)
    fs.context.buffer[:] = image
    fs.mount()
    out = {}
    for root, _dirs, names in fs.walk("/"):
        for name in names:
            path = f"{root.rstrip('/')}/{name}".lstrip("/")
            with fs.open(path, "rb") as f:
                out[path] = f.read()
    return out


@dataclass(frozen=True)
class FactoryImage:
    data: bytes
    flash_offset: int   # write the image here
    fs_offset: int      # flash address of the vfs partition
    fs_size: int

    def esptool_command(self, path: str, chip_name: str, port: str = "PORT") -> str:
        return f"esptool --chip {chip_name} --port {port} write-flash 0x{self.flash_offset:x} {path}"


def build_factory_image(firmware: Firmware, files: dict[str, bytes]) -> FactoryImage:
    """Firmware + a littlefs image of ``files`` at the ``vfs`` partition, as one flash image."""
    vfs = firmware.partition("vfs")
    base = firmware.chip.firmware_offset
    end_of_firmware = base + len(firmware.data.rstrip(b"\xff"))
    if vfs.offset < end_of_firmware:
        raise FirmwareError(f"the firmware runs past the vfs partition at 0x{vfs.offset:x}",
                            "use a stock MicroPython build")
    fs = build_filesystem(files, vfs.size)
    pad = vfs.offset - base - len(firmware.data)
    data = firmware.data[:vfs.offset - base] + b"\xff" * max(pad, 0) + fs
    return FactoryImage(data, base, vfs.offset, vfs.size)
