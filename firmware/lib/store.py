# Persistent state on the board's flash: config and other small records, sequence numbers and
# the queue of unsent signed deliveries. (The identity seed and enrollment credential live in
# identity.py's id/ files, written with write_atomic below.)
#
# Every record is one file ending in a 4-byte tag (the first bytes of its SHA-256), replaced
# atomically: written whole to NAME.tmp, closed, then renamed over NAME (atomic on littlefs and
# POSIX). A crash leaves the old record or the new one, never a mix; boot-time recover() settles
# any leftover .tmp file. Sequence numbers are reserved in blocks: the ceiling is written before
# any number below it is handed out, so a reboot resumes above every number ever used, and flash
# is written once per block rather than once per message. Queued deliveries are one file each,
# under out/, named by a growing number, so pushing and removing never rewrites the others; one
# the market refused for good, or found damaged, is renamed aside (.refused, .bad) and kept.
import os
from hashlib import sha256

from micropython import const

_TAG = const(4)


class StoreError(Exception):
    pass


def read_file(path):
    """The bytes of a file, or None if it cannot be read."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def remove_file(path):
    """Remove a file if it is there."""
    try:
        os.remove(path)
    except OSError:
        pass


def _tag(data):
    return sha256(data).digest()[:_TAG]


def _read_valid(path):
    """The payload of a record file (a bytearray), or None if it is missing or fails its tag.
    Read into one buffer of the payload's size: a plain read grows its buffer from 512 bytes
    and the payload was a copy of it, blocks a board's fragmented heap may not have."""
    try:
        n = os.stat(path)[6] - _TAG
        if n < 0:
            return None
        body = bytearray(n)
        with open(path, "rb") as f:
            if f.readinto(body) != n:
                return None
            tag = f.read(_TAG)
    except OSError:
        return None
    return body if _tag(body) == tag else None


def write_atomic(path, data, tagged=False):
    """Replace the file at ``path`` with ``data`` in one step (``tagged``: append the tag)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        if tagged:
            f.write(_tag(data))
    try:
        os.rename(tmp, path)
    except OSError:  # a filesystem that will not rename over a file (FAT): recover() covers the gap
        os.remove(path)
        os.rename(tmp, path)


class Store:
    def __init__(self, root="state", seq_block=64, max_queue=1000):
        self.root = root
        self._q = root + "/out/"
        self._block = seq_block
        self._max_queue = max_queue
        for d in (root, root + "/out"):
            try:
                os.mkdir(d)
            except OSError:
                pass  # it exists
        self.recovered = self.recover()
        ceiling = self.get("seq")
        self._next = self._ceiling = int(ceiling) if ceiling else 1
        ids = self.queued()
        self._qnext = ids[-1] + 1 if ids else 1
        self._qcount = len(ids)

    # -- recovery (at boot) ----------------------------------------------------------------------
    def recover(self):
        """Settle what a crash left behind; returns how many files it touched."""
        touched = 0
        for d in (self.root + "/", self._q):
            for name in os.listdir(d):
                path = d + name
                if name.endswith(".tmp"):
                    target = path[:-4]
                    if _read_valid(target) is None and _read_valid(path) is not None:
                        remove_file(target)
                        os.rename(path, target)
                    else:
                        os.remove(path)
                    touched += 1
                elif d == self._q and not name.endswith(".bad") and _read_valid(path) is None:
                    os.rename(path, path + ".bad")  # a damaged delivery: keep it aside, never send
                    touched += 1
        return touched

    # -- records ---------------------------------------------------------------------------------
    def put(self, name, data):
        write_atomic(self.root + "/" + name, data, True)

    def get(self, name):
        """The record's bytes, None if there is none; StoreError if it is damaged."""
        path = self.root + "/" + name
        data = _read_valid(path)
        if data is None:
            if not exists(path):
                return None
            raise StoreError("record %s is damaged" % name)
        return data

    def put_json(self, name, obj):
        import json

        self.put(name, json.dumps(obj).encode())

    def get_json(self, name, default=None):
        data = self.get(name)
        if data is None:
            return default
        import json

        return json.loads(data)

    # -- sequence numbers ------------------------------------------------------------------------
    def next_seq(self):
        """A sequence number above every one handed out before, across reboots."""
        if self._next >= self._ceiling:
            ceiling = self._next + self._block
            self.put("seq", b"%d" % ceiling)  # reserve first, hand out after
            self._ceiling = ceiling
        self._next += 1
        return self._next - 1

    # -- queue of unsent deliveries --------------------------------------------------------------
    def queued(self):
        """Ids of the queued records, oldest first."""
        ids = [int(name) for name in os.listdir(self._q) if name.isdigit()]
        ids.sort()
        return ids

    def push(self, data):
        if self._qcount >= self._max_queue:
            raise StoreError("delivery queue is full (%d)" % self._max_queue)
        qid = self._qnext
        write_atomic(self._q + "%08d" % qid, data, True)
        self._qnext = qid + 1
        self._qcount += 1
        return qid

    def read(self, qid):
        """The queued record's bytes; None if it is gone (settled meanwhile). A damaged one is
        set aside as .bad, like recover() does at boot, and StoreError raised."""
        path = self._q + "%08d" % qid
        data = _read_valid(path)
        if data is None and exists(path):
            self.set_aside(qid, ".bad")
            raise StoreError("queued record %d is damaged: set aside" % qid)
        return data

    def remove(self, qid):
        try:
            os.remove(self._q + "%08d" % qid)
            self._qcount -= 1
        except OSError:
            pass

    def set_aside(self, qid, suffix=".refused"):
        """Take a record off the queue but keep its file (QID.refused: the market refused it
        for good) for whoever audits the device; it is never sent again."""
        path = self._q + "%08d" % qid
        try:
            os.rename(path, path + suffix)
            self._qcount -= 1
        except OSError:
            pass

    def __len__(self):
        return self._qcount
