"""End-to-end fixtures: a street of virtual boards running the firmware, provisioned through the
real path, trading with a `micromarket market serve` process over the session's Mosquitto."""

import pytest
from e2e_street import SPEED, make_street

from micromarket.fleet import AgentsSilent


def pytest_collection_modifyitems(items):
    # Until firmware/ fits the boards' real heap (110 KB; the agent needed ~125 KB when these
    # tests were written) the agents die of MemoryError at boot and the street never trades.
    # Exactly that failure is expected; any other failure fails, and a pass shows as XPASS.
    mark = pytest.mark.xfail(raises=AgentsSilent, strict=False,
                             reason="firmware agent does not fit the virtual boards' heap yet")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(mark)


@pytest.fixture
def street(tmp_path):
    """``street(broker_url, kinds, routes={index: url})`` -> a running Fleet, stopped afterwards."""
    made = []

    def make(broker_url, kinds, routes=None, speed=SPEED):
        fleet = make_street(tmp_path, broker_url, kinds, routes, speed)
        made.append(fleet)
        return fleet

    yield make
    for fleet in made:
        fleet.close()
        fleet.remove_boards()
