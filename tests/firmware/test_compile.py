"""Every firmware module compiles for the ESP32 (xtensawin) and the ESP32-C3 (rv32imc).

mpy-cross catches what the 64-bit unix port lets through: viper type errors and integer literals
that do not fit a 32-bit small int (above 0x3FFFFFFF).
"""

import pytest

from micromarket.device.deploy import BuildError, compile_module, firmware_sources
from micromarket.paths import FIRMWARE_DIR

SOURCES = firmware_sources()


def test_firmware_has_sources():
    names = {p.relative_to(FIRMWARE_DIR).as_posix() for p in SOURCES}
    assert "main.py" in names


@pytest.mark.parametrize("arch", ["xtensawin", "rv32imc"])
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.relative_to(FIRMWARE_DIR).as_posix())
def test_module_compiles(source, arch):
    mpy = compile_module(source, arch)
    assert mpy[:1] == b"M", "not an .mpy file"


def test_compile_error_names_file_and_arch(tmp_path):
    # 0x7FFFFFFF is no small int on a 32-bit port: legal on the 64-bit unix port, an error here
    probe = tmp_path / "probe.py"
    probe.write_text("import micropython\n@micropython.viper\ndef f() -> int:\n    return 0x7FFFFFFF\n")
    with pytest.raises(BuildError) as info:
        compile_module(probe, "xtensawin")
    assert "probe.py does not compile for xtensawin" in str(info.value)
    assert "ViperTypeError" in str(info.value)
