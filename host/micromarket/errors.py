"""The root of every error micromarket raises on purpose.

Each layer translates the errors of the layer below with ``raise ... from``; the CLI catches
``MicromarketError`` and prints ``micromarket: <what went wrong> — <what to do>``.
"""


class MicromarketError(Exception):
    """Root exception. ``hint`` says what the user can do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        msg = super().__str__()
        return f"{msg} — {self.hint}" if self.hint else msg


class UsageError(MicromarketError, ValueError):
    """A command-line argument or a config value is wrong."""


class DeviceError(MicromarketError):
    """A board (real or virtual) or its port could not be used."""


class BoardError(MicromarketError, ValueError):
    """A board definition is invalid or unknown."""
