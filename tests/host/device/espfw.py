"""Synthetic but well-formed ESP firmware files, made with esptool's own image classes."""

import hashlib
import struct

from esptool.bin_image import ELFSection
from esptool.bin_image import ESP32C3FirmwareImage, ESP32FirmwareImage

from micromarket.device import fwimage

IMAGE_CLASSES = {"esp32": ESP32FirmwareImage, "esp32c3": ESP32C3FirmwareImage}
# Data RAM and instruction RAM of each chip (from its TRM memory map).
RAM = {"esp32": (0x3FFB0000, 0x40080000), "esp32c3": (0x3FC80000, 0x40380000)}

# MicroPython's partitions-4MiB.csv for ESP32_GENERIC.
PARTITIONS = [("nvs", 1, 2, 0x9000, 0x6000), ("phy_init", 1, 1, 0xF000, 0x1000),
              ("factory", 0, 0, 0x10000, 0x1F0000), ("vfs", 1, 0x81, 0x200000, 0x200000)]


def esp_image(chip: str, payload: bytes) -> bytes:
    img = IMAGE_CLASSES[chip]()
    dram, iram = RAM[chip]
    img.entrypoint = iram
    img.segments = [ELFSection(b".dram0.data", dram, payload, 0),
                    ELFSection(b".iram0.text", iram, bytes(range(256)) * 2, 0)]
    return img.save(None)


def partition_table(parts=PARTITIONS) -> bytes:
    out = b""
    for label, ptype, sub, off, size in parts:
        out += b"\xaa\x50" + struct.pack("<BBII", ptype, sub, off, size) + label.encode().ljust(16, b"\0") + b"\0" * 4
    out += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(out).digest()
    return out.ljust(fwimage.PARTITION_TABLE_SIZE, b"\xff")


def merged_firmware(chip: str = "esp32", parts=PARTITIONS) -> bytes:
    """Bootloader + partition table + app, laid out as MicroPython's merged .bin (from the chip's offset)."""
    base = fwimage.CHIPS[chip].firmware_offset
    app_at = next(p[3] for p in parts if p[1] == 0)
    data = bytearray(esp_image(chip, b"bootloader" * 30))
    data += b"\xff" * (fwimage.PARTITION_TABLE_OFFSET - base - len(data))
    data += partition_table(parts)
    data += b"\xff" * (app_at - base - len(data))
    data += esp_image(chip, b"micropython application " * 400)
    return bytes(data)

