# Firmware identity: version, and the board this filesystem was built for.
VERSION = "0.1.0"
_BOARD_FILE = "config/board.json"


def board_name():
    """The board named in the device config written by the host, or "unconfigured"."""
    try:
        import json

        with open(_BOARD_FILE) as f:
            return json.load(f).get("name", "unconfigured")
    except (OSError, ValueError):
        return "unconfigured"
