"""A street updated over MQTT while it trades: five virtual boards (the real firmware, the real
market, a real Mosquitto) are offered a release-signed bundle of the app built for their board
(what `micromarket release publish` sends); one loses its power (SIGKILL) while it fetches the
chunks. Afterwards all five run the new version, confirmed and said so in their signed status,
and keep trading (the market books deliveries from each after the update)."""

import json
import time

import pytest
from e2e_checks import ledger_messages
from e2e_street import make_street

from micromarket import keys
from micromarket import protocol as P
from micromarket.boards.board import get_board
from micromarket.device import vboard
from micromarket.device.deploy import build_app
from micromarket.fleet.release import broker_messages, make_bundle, make_offer, publish
from micromarket.protocol.broker import parse

from devproc import HostClient

KINDS = ["house", "pv", "battery", "dishwasher", "house"]
NEW = "0.2.0"


def app_state(fs):
    try:
        return json.loads((fs / "app.json").read_text())
    except (OSError, ValueError):
        return {}


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {timeout} s")


@pytest.mark.slow
def test_a_trading_street_is_updated_over_mqtt_one_board_cut_mid_fetch(tmp_path_factory, mosquitto):
    fleet = make_street(tmp_path_factory.mktemp("ota"), mosquitto.url, KINDS)
    host = None
    try:
        t = fleet.timing
        fleet.wait_sim(t.day_start + 2 * t.interval)
        fleet.check_alive()
        parties = {m.name: fleet.parties[m.name] for m in fleet.members}
        host = HostClient(mosquitto.port, [f"mm/{fleet.market_id}/status/+"])
        release = keys.load_private(fleet.keys_dir, "release")
        sizes = {}
        messages = []
        for board in sorted({m.board for m in fleet.members}):
            data = make_bundle(build_app(get_board(board)), NEW, release, fleet.market_id, board)
            offer, _ = make_offer(data, release, fleet.market_id)
            sizes[board] = len(data)
            messages += broker_messages(data, offer, fleet.market_id)
        publish(parse(fleet.broker_url), messages)

        # the cut: the first board, while its partial bundle (dl<id>) grows on its filesystem
        victim = fleet.members[0]
        fs = vboard.get(victim.name).fs

        def fetching():
            return [p for p in fs.glob("dl*") if 0 < p.stat().st_size < sizes[victim.board]]

        wait_for(fetching, 120, f"a fetch under way on {victim.name}")
        before = vboard.get(victim.name).boots
        vboard.power_cycle(victim.name)
        assert vboard.get(victim.name).boots == before + 1

        def updated():
            return all(app_state(vboard.get(m.name).fs).get("version") == NEW and
                       app_state(vboard.get(m.name).fs).get("pending") is False for m in fleet.members)

        wait_for(updated, 300, f"all {len(KINDS)} boards on {NEW}, confirmed")
        for m in fleet.members:
            board_fs = vboard.get(m.name).fs
            st = app_state(board_fs)
            assert st["last"] == [NEW, "installed", ""] and not (board_fs / "update.offer").exists()
            assert not list(board_fs.glob("dl*")) and not (board_fs / "update.mmb").exists()
            assert (board_fs / "app.cur" / "lib" / "agent.mpy").exists()
        assert "rejected" not in app_state(fs)  # the cut fetch went on after the reboot, not refused

        # each says so in its status, and trades on: deliveries after the update
        said = {}
        deadline = time.monotonic() + 60
        while len(said) < len(parties) and time.monotonic() < deadline:
            topic, payload, _ = host.get(timeout=max(0.1, deadline - time.monotonic()))
            if payload == b"offline":
                continue
            st = P.read(payload).message  # its signature: tests/firmware/test_ota.py
            if st.update == (NEW, "installed", "") and st.version == NEW:
                said[st.party] = st
        assert set(said) == set(parties.values())
        counts = {p: len([d for d in ledger_messages(fleet.db, "delivery") if d.party == p])
                  for p in parties.values()}
        wait_for(lambda: all(len([d for d in ledger_messages(fleet.db, "delivery") if d.party == p]) > n
                             for p, n in counts.items()), 120, "deliveries after the update")
    finally:
        if host is not None:
            host.close()
        fleet.close()
        fleet.remove_boards()
