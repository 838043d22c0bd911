"""Serial lines with the wrong thing on the other end, as real bytes through a pty."""

import contextlib
import os
import pty
import threading
import tty


@contextlib.contextmanager
def answering_pty(reply: bytes | None):
    """A pty whose far end answers every write with ``reply`` (or stays silent for ``None``).

    Yields the port path; the far end is closed afterwards.
    """
    master, slave = pty.openpty()
    tty.setraw(slave)

    def answer():
        while True:
            try:
                os.read(master, 4096)
                os.write(master, reply)
            except OSError:
                return

    if reply is not None:
        threading.Thread(target=answer, daemon=True).start()
    try:
        yield os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)
