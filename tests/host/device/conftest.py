"""Fixtures of the toolchain tests."""

import pytest
from espfw import merged_firmware


@pytest.fixture
def firmware_esp32() -> bytes:
    return merged_firmware("esp32")


@pytest.fixture
def firmware_esp32c3() -> bytes:
    return merged_firmware("esp32c3")
