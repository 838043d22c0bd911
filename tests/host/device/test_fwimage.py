"""Firmware validation and factory images, read back with littlefs, MicroPython and esptool."""

import contextlib
import io

import pytest
from esptool import cmds
from esptool.bin_image import LoadFirmwareImage
from esptool.targets import CHIP_DEFS
from espfw import PARTITIONS, esp_image, merged_firmware, partition_table

from micromarket.device import fwimage
from micromarket.device import upy
from micromarket.device.fwimage import FirmwareError

APP = {
    "main.py": b"import agent\nagent.run()\n",
    "lib/agent.mpy": bytes(range(256)) * 9,
    "lib/cbor.mpy": b"M\x06\x00\x1f" + b"\x00" * 3000,
    "config/board.cbor": b"\xa2dnamejvirtual-x\x63arch\x69xtensawin",
}


def test_chip_table_agrees_with_esptool():
    for name, chip in fwimage.CHIPS.items():
        assert CHIP_DEFS[name].IMAGE_CHIP_ID == chip.image_chip_id
        assert CHIP_DEFS[name].BOOTLOADER_FLASH_OFFSET == chip.firmware_offset


@pytest.mark.parametrize("chip", ["esp32", "esp32c3"])
def test_parse_image_agrees_with_esptool(chip):
    data = esp_image(chip, b"payload" * 100)
    ours = fwimage.parse_image(data, 0, "image")
    theirs = LoadFirmwareImage(chip, data)
    assert ours.length == len(data)
    assert ours.chip_id == theirs.chip_id == fwimage.CHIPS[chip].image_chip_id
    assert ours.segments == len(theirs.segments)
    assert ours.has_digest and theirs.stored_digest == theirs.calc_digest


def test_check_firmware_reads_partition_table(firmware_esp32):
    fw = fwimage.check_firmware(firmware_esp32, "esp32")
    assert [(p.label, p.offset, p.size) for p in fw.partitions] == [(p[0], p[3], p[4]) for p in PARTITIONS]
    assert fw.partition("vfs").offset == 0x200000
    assert fw.app.offset == 0x10000 - 0x1000


def test_wrong_chip_firmware_is_refused(firmware_esp32c3):
    with pytest.raises(FirmwareError, match="firmware is for esp32c3, the board is esp32") as err:
        fwimage.check_firmware(firmware_esp32c3, "esp32")
    assert "download the MicroPython build for esp32" in str(err.value)


@pytest.mark.parametrize("damage, message", [
    (lambda d: b"", "empty"),
    (lambda d: b"\x7fELF" + d[4:], "magic 0x7f, expected 0xe9"),
    (lambda d: d[:300], "truncated"),
    (lambda d: d[:100] + bytes([d[100] ^ 1]) + d[101:], "checksum"),
    (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "SHA-256"),
    (lambda d: d[:0x7000] + b"\xff" * 0xC00 + d[0x7C00:], "no partition table"),
    (lambda d: d[:0x7004] + bytes([d[0x7004] ^ 1]) + d[0x7005:], "MD5"),
])
def test_corrupt_firmware_is_refused(firmware_esp32, damage, message):
    with pytest.raises(FirmwareError, match=message):
        fwimage.check_firmware(damage(firmware_esp32), "esp32")


def test_app_image_alone_is_refused():
    with pytest.raises(FirmwareError, match="no partition table"):
        fwimage.check_firmware(esp_image("esp32", b"app" * 100), "esp32")


def test_filesystem_round_trip():
    image = fwimage.build_filesystem(APP, 64 * 4096)
    assert len(image) == 64 * 4096
    assert fwimage.read_filesystem(image) == APP


def test_files_too_big_for_the_partition():
    with pytest.raises(FirmwareError, match="do not fit"):
        fwimage.build_filesystem({"big.bin": b"x" * 40000}, 8 * 4096)


@pytest.fixture(scope="module")
def factory():
    fw = fwimage.check_firmware(merged_firmware("esp32"), "esp32")
    return fw, fwimage.build_factory_image(fw, APP)


def test_factory_image_layout(factory):
    fw, img = factory
    assert img.flash_offset == 0x1000
    assert (img.fs_offset, img.fs_size) == (0x200000, 0x200000)
    assert len(img.data) == 0x400000 - 0x1000
    assert img.data[:len(fw.data)] == fw.data  # firmware unchanged, byte for byte
    assert set(img.data[len(fw.data):img.fs_offset - 0x1000]) == {0xFF}
    fs = img.data[img.fs_offset - img.flash_offset:]
    assert fwimage.read_filesystem(fs) == APP  # every file, byte for byte


def test_factory_image_checks_with_esptool(factory):
    fw, img = factory
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cmds.image_info(img.data)  # the bootloader at the start of the image
        cmds.image_info(img.data[fw.app.offset:])  # the application inside the image
    text = out.getvalue()
    assert text.count("Chip ID: 0 (ESP32)") == 2
    assert text.count("Checksum: 0xef (valid)") + text.count("(valid)") >= 4
    assert "invalid" not in text.lower()


MOUNT_ON_MICROPYTHON = """
import vfs, os
class Flash:
    def __init__(self, path, size):
        self.f = open(path, 'rb')
        self.n = size // 4096
    def readblocks(self, n, buf, off=0):
        self.f.seek(n * 4096 + off)
        self.f.readinto(buf)
    def writeblocks(self, n, buf, off=None):
        raise OSError(30)
    def ioctl(self, op, arg):
        if op == 4: return self.n
        if op == 5: return 4096
        return 0
fs = vfs.VfsLfs2(Flash(%r, %d))
vfs.mount(fs, '/flash', readonly=True)
def walk(d):
    for name, kind, *_ in os.ilistdir(d):
        p = d + '/' + name
        if kind == 0x4000:
            walk(p)
        else:
            with open(p, 'rb') as f:
                data = f.read()
            import hashlib, binascii
            print(p[7:], len(data), binascii.hexlify(hashlib.sha256(data).digest()).decode())
walk('/flash')
"""


def test_micropython_mounts_the_filesystem(factory, tmp_path):
    import hashlib

    _fw, img = factory
    part = tmp_path / "vfs.bin"
    part.write_bytes(img.data[img.fs_offset - img.flash_offset:])
    out = upy.run_code(MOUNT_ON_MICROPYTHON % (str(part), img.fs_size), heap="256K")
    seen = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    assert seen == {p: [str(len(d)), hashlib.sha256(d).hexdigest()] for p, d in APP.items()}


def test_vfs_overlapping_the_firmware_is_refused():
    parts = [p if p[0] != "vfs" else ("vfs", 1, 0x81, 0x11000, 0x100000) for p in PARTITIONS]
    fw = fwimage.check_firmware(merged_firmware("esp32", parts), "esp32")
    with pytest.raises(FirmwareError, match="runs past the vfs partition"):
        fwimage.build_factory_image(fw, APP)


def test_partition_table_helper_is_well_formed():
    assert len(fwimage.parse_partition_table(partition_table())) == 4
