"""A stand-in for an ESP ROM bootloader on a pty: answers SYNC and chip detection only.

Enough for esptool to identify a chip (the real esptool code path), so the "wrong chip" refusal is
tested without hardware. Flash commands are not emulated: writing is untested without a board.
"""

import os
import pty
import struct
import threading
import tty

SLIP_END, SLIP_ESC = 0xC0, 0xDB
OP_SYNC, OP_READ_REG, OP_SECURITY_INFO = 0x08, 0x0A, 0x14
MAGIC = {"esp32": 0x00F01D83, "esp8266": 0xFFF0C101}


def _slip(payload: bytes) -> bytes:
    body = payload.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
    return b"\xc0" + body + b"\xc0"


class FakeRom:
    def __init__(self, chip: str = "esp32"):
        self.magic = MAGIC[chip]
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self.port = os.ttyname(slave)
        self._slave = slave
        self.commands: list[int] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _answer(self, op: int, value: int = 0, data: bytes = b"\x00\x00\x00\x00") -> None:
        os.write(self.master, _slip(struct.pack("<BBHI", 1, op, len(data), value) + data))

    def _handle(self, pkt: bytes) -> None:
        if len(pkt) < 8 or pkt[0] != 0:
            return
        op = pkt[1]
        self.commands.append(op)
        if op == OP_SYNC:
            for _ in range(8):
                self._answer(op, 0x20120707)
        elif op == OP_READ_REG:
            addr = struct.unpack_from("<I", pkt, 8)[0]
            self._answer(op, self.magic if addr == 0x40001000 else 0)
        else:  # the ROM of a classic ESP32 answers anything else "invalid command"
            self._answer(op, 0, b"\x01\x05\x00\x00")

    def _serve(self) -> None:
        frame, escaped = None, False
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            for b in chunk:
                if b == SLIP_END:
                    if frame:
                        self._handle(bytes(frame))
                    frame = bytearray()
                elif frame is None:
                    continue
                elif escaped:
                    frame.append(0xC0 if b == 0xDC else 0xDB)
                    escaped = False
                elif b == SLIP_ESC:
                    escaped = True
                else:
                    frame.append(b)

    def close(self) -> None:
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
