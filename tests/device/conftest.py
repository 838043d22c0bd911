"""On-device tests through pytest-embedded's serial service.

With no ``--port`` a virtual board (the unix port on a pty, running this tree's firmware) is
started for the session; with ``--port /dev/ttyUSB0`` the same tests run on a real board that has
the firmware deployed (``micromarket deploy --port /dev/ttyUSB0 --board BOARD``).
"""

import pytest

from micromarket.device import vboard


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/device/" in str(item.fspath):
            item.add_marker(pytest.mark.device)


@pytest.fixture(scope="session")
def board_port(request):
    """The port of the board under test: ``--port`` or a fresh virtual plug."""
    given = request.config.getoption("port", None)
    if given:
        yield given
        return
    name = "pytest-device"
    try:
        vboard.stop(name)
    except Exception:
        pass
    try:
        vboard.remove(name)
    except Exception:
        pass
    vb = vboard.start(name, board="virtual-plug")
    yield vb.port
    vboard.stop(name)


@pytest.fixture
def port(board_port):
    """pytest-embedded's port: the board under test."""
    return board_port


@pytest.fixture
def embedded_services(request):
    return request.config.getoption("embedded_services", None) or "serial"
