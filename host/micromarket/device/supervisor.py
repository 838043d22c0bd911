"""The process behind a virtual board: a pseudo-terminal that behaves like an ESP32's USB serial port.

It runs the MicroPython unix port on an inner pty (so Ctrl-C reaches it as SIGINT, as on a board)
and relays it to an outer pty that clients (mpremote, pyserial, pytest-embedded) open. When the
interpreter exits — Ctrl-D at the REPL, ``machine.soft_reset()``, ``sys.exit()`` — the supervisor
starts it again on the same filesystem, as a board does after a soft reset; the outer port never
goes away. Output is cooked like a board's UART (lone ``\\n`` becomes ``\\r\\n``) and dropped when
nobody is listening, as a UART with no host would.

Run as ``python -m micromarket.device.supervisor STATE_DIR``; ``micromarket.device.vboard`` starts it.
"""

import errno
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import termios
import time
import tty
from pathlib import Path

RAW_BANNER = b"raw REPL; CTRL-B to exit"
# A board that talks TLS (config/ca.der, written by provisioning for an mqtts:// broker) keeps an
# mbedTLS context and its connection's state in MicroPython's heap: 3.7 KB on the 64-bit unix port
# after the handshake, of structures made of pointers and size_t fields that are half that size on
# the ESP32. The 110 KB board leaves the 64-bit port ~24 KB after boot (the 32-bit build ~46 KB,
# but it has no tls module): there a 110 KB virtual board with TLS connects, then refuses the
# market's context as larger than its free heap; with 4 KB more it trades. It gets 8 KB more.
TLS_HEAP_64 = 8 * 1024
FRIENDLY_PROMPT = b"\r\n>>> "


class Supervisor:
    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.info = json.loads((state_dir / "config.json").read_text())
        self.fs = Path(self.info["fs"])
        self.outer_master, self.outer_slave = os.openpty()
        tty.setraw(self.outer_slave)
        os.set_blocking(self.outer_master, False)
        self.port = os.ttyname(self.outer_slave)
        self.child = None
        self.inner = None
        self.raw_mode = False
        self.tail = b""  # recent output, to follow the REPL's mode
        self.last_out = b""
        self.stopping = False
        self.hard_reset = False
        self.boots = 0

    # ---- the interpreter -------------------------------------------------------------
    def spawn(self, run_main: bool) -> None:
        master, slave = os.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[0] &= ~(termios.ICRNL | termios.IXON | termios.INLCR)
        attrs[1] &= ~termios.OPOST  # we cook the output ourselves, like the board's UART driver
        attrs[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN)
        attrs[3] |= termios.ISIG  # Ctrl-C -> SIGINT -> KeyboardInterrupt while code runs
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        heap = self.info["heap"]
        if self.info.get("arch") == "x64" and (self.fs / "config" / "ca.der").exists():
            heap += TLS_HEAP_64
        argv = [self.info["micropython"], "-X", f"heapsize={heap}"]
        if run_main and (self.fs / "main.py").exists():
            argv += ["-i", "main.py"]
        env = dict(os.environ)
        env["MICROPYPATH"] = f".frozen:{self.fs / 'lib'}"
        env["MICROMARKET_VBOARD"] = self.info["name"]

        def become_tty_owner():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.child = subprocess.Popen(argv, cwd=self.fs, env=env, stdin=slave, stdout=slave,
                                      stderr=slave, preexec_fn=become_tty_owner, close_fds=True)
        os.close(slave)
        if self.inner is not None:
            os.close(self.inner)
        self.inner = master
        self.boots += 1
        self.write_state()

    def write_state(self) -> None:
        state = {"pid": os.getpid(), "port": self.port, "child_pid": self.child.pid,
                 "boots": self.boots, "started": time.time()}
        tmp = self.state_dir / "state.json.tmp"
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.state_dir / "state.json")

    def restart(self) -> None:
        """The interpreter is gone: boot it again, like a soft (or hard) reset."""
        self.child.wait()
        if self.stopping:
            return
        if self.hard_reset:
            self.hard_reset = False
            self.raw_mode = False
            self.spawn(run_main=True)
            return
        if self.raw_mode:
            # A soft reset from the raw REPL comes back in the raw REPL without running main.py.
            self.emit(b"soft reboot\r\n")
            self.spawn(run_main=False)
            os.write(self.inner, b"\r\x01")
        else:
            self.emit(b"MPY: soft reboot\r\n")
            self.spawn(run_main=True)

    # ---- byte relay ------------------------------------------------------------------
    def emit(self, data: bytes) -> None:
        """Send to the client, dropping what no one reads (a UART with no host attached)."""
        try:
            os.write(self.outer_master, data)
        except BlockingIOError:
            pass

    def cook(self, data: bytes) -> bytes:
        out = bytearray()
        prev = self.last_out
        for b in data:
            if b == 0x0A and prev != b"\r":
                out += b"\r"
            out.append(b)
            prev = b"\r" if b == 0x0D else b"x"
        self.last_out = prev
        return bytes(out)

    def follow_mode(self, data: bytes) -> None:
        self.tail = (self.tail + data)[-64:]
        raw_at = self.tail.rfind(RAW_BANNER)
        prompt_at = self.tail.rfind(FRIENDLY_PROMPT)
        if raw_at >= 0 or prompt_at >= 0:
            self.raw_mode = raw_at > prompt_at

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.on_term)
        signal.signal(signal.SIGUSR1, self.on_hard_reset)
        self.spawn(run_main=True)
        while not self.stopping:
            try:
                ready, _, _ = select.select([self.outer_master, self.inner], [], [], 0.5)
            except InterruptedError:
                continue
            if self.inner in ready:
                try:
                    data = os.read(self.inner, 4096)
                except OSError as exc:
                    if exc.errno != errno.EIO:
                        raise
                    data = b""
                if data:
                    self.follow_mode(data)
                    self.emit(self.cook(data))
                else:
                    self.restart()
                    continue
            if self.outer_master in ready:
                try:
                    data = os.read(self.outer_master, 4096)
                except (BlockingIOError, OSError):
                    data = b""
                if data:
                    self.feed_child(data)
            if self.child.poll() is not None and not self.stopping:
                self.drain_and_restart()
        self.shutdown()

    def feed_child(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.inner, view)
                view = view[n:]
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                return  # the interpreter is restarting; input to a rebooting board is lost

    def drain_and_restart(self) -> None:
        try:
            while True:
                data = os.read(self.inner, 4096)
                if not data:
                    break
                self.follow_mode(data)
                self.emit(self.cook(data))
        except OSError:
            pass
        self.restart()

    def on_term(self, *_):
        self.stopping = True

    def on_hard_reset(self, *_):
        self.hard_reset = True
        if self.child and self.child.poll() is None:
            self.child.kill()

    def shutdown(self) -> None:
        if self.child and self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        (self.state_dir / "state.json").unlink(missing_ok=True)


def main() -> None:
    Supervisor(Path(sys.argv[1])).run()


if __name__ == "__main__":
    main()
