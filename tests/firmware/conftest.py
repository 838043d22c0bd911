"""Fixtures shared by the firmware tests."""

import pytest

from micromarket.boards import board as boards
from micromarket.paths import FIRMWARE_DIR


@pytest.fixture(scope="session")
def mpy_lib(tmp_path_factory):
    """firmware/lib compiled for the unix port, as `micromarket deploy` puts it on a vboard."""
    from micromarket.device.deploy import compile_module

    out = tmp_path_factory.mktemp("mpylib")
    arch = boards.get_board("virtual-battery").arch
    for src in (FIRMWARE_DIR / "lib").glob("*.py"):
        (out / (src.stem + ".mpy")).write_bytes(compile_module(src, arch))
    return out
