"""How much energy one party can trade or deliver in an interval, from what its enrollment says.

A party's largest power is its board's rated ``max_power`` (boards/*.toml) when the enrollment
names a board that has one, otherwise the default of its role. Nothing it tenders or delivers
for one interval can exceed that power running for the whole interval (protocol/README.md,
"Bounds"). A child market trading in its parent is enrolled with the role ``market``.
"""

import re

from ..errors import BoardError

# W. A socket or plug: 16 A at 230 V. A meter on a house feed (also PV and a battery behind
# one): the 50 A clamp of a Shelly Pro EM-50 at 230 V. A child market: a neighbourhood
# transformer (400-630 kVA) with room to spare.
ROLE_POWER_W = {"load": 3680, "plug": 3680, "meter": 11_500, "pv": 11_500, "battery": 11_500,
                "market": 1_000_000}
DEFAULT_POWER_W = 3680          # a role this table does not know: one socket's worth
CHILD_MARKET = "market"
ISLAND_WINDOW = 24 * 3600       # s: how far back a delivery for an interval never cleared goes
_BOARD_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_board_power: dict[str, int | None] = {}


def board_power_w(board: str) -> int | None:
    """The rated ``max_power`` of a board in boards/, None if unknown or not given."""
    if board not in _board_power:
        power = None
        if _BOARD_NAME.fullmatch(board):
            from ..boards import board as boards
            if board in boards.board_names():
                try:
                    power = boards.get_board(board).config.get("role", {}).get("max_power_w")
                except BoardError:      # a broken board file bounds nothing: the role does
                    power = None
        _board_power[board] = power
    return _board_power[board]


def power_w(role: str, board: str) -> int:
    """The largest power (W) a party enrolled with ``role`` on ``board`` can draw or feed."""
    if role == CHILD_MARKET:
        return ROLE_POWER_W[CHILD_MARKET]
    return board_power_w(board) or ROLE_POWER_W.get(role, DEFAULT_POWER_W)


def interval_wh(power: int, interval_s: int) -> int:
    """Energy of ``power`` W over a whole interval, Wh, rounded up."""
    return -(-power * interval_s // 3600)
