"""Provisioning's agent settings (config/agent.json): broker, keep-alive and the scaled clock,
checked on the host before any device is touched."""

import pytest

from micromarket.errors import UsageError
from micromarket.fleet.provision import agent_settings


def test_settings_as_the_device_reads_them():
    got = agent_settings("mqtt://10.0.0.2:1883", 15, 480.0, 1767225600, {"power_w": 900}, 900)
    assert got == {"broker": "mqtt://10.0.0.2:1883", "keepalive": 15,
                   "clock": {"speed": 480, "anchor": 1767225600},
                   "params": {"power_w": 900}, "interval": 900}
    assert agent_settings(clock_speed=0.5, clock_anchor=10)["clock"] == {"speed": 0.5, "anchor": 10}
    assert agent_settings("serial") == {"broker": "serial"}
    assert agent_settings() is None


@pytest.mark.parametrize("kwargs, words", [
    ({"broker": "http://x"}, "mqtt://"),
    ({"keepalive": 0}, "keep-alive"),
    ({"clock_speed": 0}, "positive"),
    ({"clock_anchor": 5}, "without --clock-speed"),
])
def test_bad_settings_are_refused(kwargs, words):
    with pytest.raises(UsageError, match=words):
        agent_settings(**kwargs)
