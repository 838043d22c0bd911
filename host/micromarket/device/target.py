"""A board reached over its serial port (real, or a virtual board's pty), through mpremote's transport.

    with connect("/dev/ttyUSB0") as board:      # or connect(None): a temporary virtual board
        print(board.exec("import gc; print(gc.mem_free())"))
"""

import contextlib
import errno
import secrets
import time

import serial
from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

from ..errors import DeviceError


class DeviceExecError(DeviceError):
    """Code sent to the board raised an exception there; ``output`` holds the board's traceback."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def open_transport(port: str, baud: int = 115200) -> SerialTransport:
    """Open ``port`` exclusively, translating the usual failures into one clear DeviceError."""
    try:
        # mpremote swallows the reason a port fails to open: probe it with pyserial first
        serial.serial_for_url(port, baud, exclusive=True).close()
        # a read timeout, so that a port where nothing answers fails instead of blocking forever
        return SerialTransport(port, baudrate=baud, timeout=1)
    except serial.SerialException as exc:
        raise port_error(port, exc) from exc
    except TransportError as exc:
        raise port_error(port, exc.__context__ or exc) from exc


def port_error(port: str, exc: BaseException) -> DeviceError:
    err = getattr(exc, "errno", None)
    text = str(exc)
    if err == errno.ENOENT or "No such file" in text:
        return DeviceError(f"port {port} does not exist",
                           "plug the board in and list ports with `micromarket devices`")
    if err in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return DeviceError(f"permission denied opening {port}",
                           "add your user to the 'dialout' group (then log in again)")
    if "exclusively lock" in text or err in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK):
        return DeviceError(f"port {port} is busy: another program has it open",
                           "close mpremote, a serial monitor or `micromarket monitor` on it")
    return DeviceError(f"cannot open {port}: {text}", "check the cable and the port name")


class Target:
    """A MicroPython board in the raw REPL: run code, move files, reset."""

    def __init__(self, port: str, transport: SerialTransport, vboard: str | None = None):
        self.port = port
        self.transport = transport
        self.vboard = vboard

    def enter(self, attempts: int = 4, maintenance: bool = True) -> "Target":
        """Interrupt the running app and enter the raw REPL; a board still booting gets retries.

        With ``maintenance`` the board is then soft-reset inside the raw REPL, which reboots it
        without running main.py: the agent's heap is free again for what the host sends (a
        running agent leaves too little for a deploy), and nothing trades meanwhile.

        Done here rather than with mpremote's ``enter_raw_repl``, which prints what it saw on
        failure (to the process's stdout, from any thread).
        """
        banner = b"raw REPL; CTRL-B to exit\r\n"
        t = self.transport
        last: BaseException | None = None
        for _ in range(attempts):
            try:
                t.serial.write(b"\r\x03\x03")  # Ctrl-C twice: stop the running app
                time.sleep(0.05)
                t.serial.reset_input_buffer()
                t.serial.write(b"\r\x01")  # Ctrl-A: raw REPL
                if t.read_until(1, banner, timeout=1, timeout_overall=2).endswith(banner):
                    t.in_raw_repl = True
                    if maintenance:
                        self._reboot_raw(banner)
                    return self
            except (OSError, serial.SerialException) as exc:
                last = exc
        t.close()
        raise DeviceError(f"no MicroPython REPL answered on {self.port}",
                          "flash MicroPython first (`micromarket flash`), or press reset") from last

    def _reboot_raw(self, banner: bytes) -> None:
        """Soft reset from the raw REPL: the board reboots and stays in it, main.py not run."""
        t = self.transport
        t.serial.write(b"\x04")
        if not t.read_until(1, b"soft reboot\r\n", timeout=5, timeout_overall=10).endswith(b"soft reboot\r\n"):
            raise OSError("no soft reboot")
        if not t.read_until(1, banner, timeout=5, timeout_overall=10).endswith(banner):
            raise OSError("no raw REPL after the soft reboot")

    def exec(self, code: str, timeout: float = 30) -> str:
        """Run ``code`` on the board; return what it printed. Raises DeviceExecError on its exception."""
        try:
            out, err = self.transport.exec_raw(code, timeout=timeout)
        except (TransportError, OSError, serial.SerialException) as exc:
            raise DeviceError(f"lost the board on {self.port}: {exc}", "check the cable and retry") from exc
        if err:
            text = err.decode(errors="replace").strip()
            raise DeviceExecError(f"the board raised: {text.splitlines()[-1] if text else '?'}", text)
        return out.decode(errors="replace")

    def eval(self, expr: str):
        import ast

        return ast.literal_eval(self.exec(f"print(repr({expr}))").strip())

    def write_file(self, remote: str, data: bytes, chunk: int = 1024) -> None:
        """Write a file atomically: into ``remote + '.part'``, then renamed over the old one."""
        part = remote + ".part"
        self.exec(f"_f=open({part!r},'wb')\n_w=_f.write")
        for i in range(0, len(data), chunk):
            self.exec(f"_w({bytes(data[i:i + chunk])!r})")
        self.exec(f"_f.close()\nimport os\nos.rename({part!r},{remote!r})\ndel _f,_w")

    def fs_get(self, remote: str) -> bytes:
        try:
            return self.transport.fs_readfile(remote, chunk_size=1024)
        except OSError as exc:
            raise DeviceError(f"cannot read {remote} on the board: {exc}", "check the path") from exc

    def makedirs(self, path: str) -> None:
        self.exec("import os\n_p=''\nfor _d in %r.split('/'):\n _p=_p+_d\n try: os.mkdir(_p)\n"
                  " except OSError: pass\n _p=_p+'/'" % path)

    def soft_reset(self) -> None:
        """Reboot the board's app (Ctrl-D in the friendly REPL); the port stays open."""
        self.transport.exit_raw_repl()
        self.transport.serial.write(b"\x04")

    def close(self) -> None:
        try:
            if self.transport.in_raw_repl:
                self.transport.exit_raw_repl()
        except (OSError, serial.SerialException):
            pass
        self.transport.close()


@contextlib.contextmanager
def connect(port: str | None, board: str = "virtual-plug", baud: int = 115200, maintenance: bool = True):
    """A Target on ``port`` in the raw REPL (rebooted there, its app stopped, with
    ``maintenance``); with ``port=None`` a temporary virtual board that is removed afterwards."""
    vboard = None
    if port is None:
        from . import vboard as vb

        vboard = f"tmp-{secrets.token_hex(4)}"
        port = vb.start(vboard, board=board).port
    target = Target(port, open_transport(port, baud), vboard)
    try:
        yield target.enter(maintenance=maintenance)
    finally:
        target.close()
        if vboard:
            from . import vboard as vb

            vb.stop(vboard)
            vb.remove(vboard)
