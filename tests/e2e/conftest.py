"""End-to-end fixtures: a street of virtual boards running the firmware, provisioned through the
real path, trading with a `micromarket market serve` process over the session's Mosquitto."""

import pytest
from e2e_street import SPEED, make_street


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
