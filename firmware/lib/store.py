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
# under out/, named by a growing number, so pushing and removing never rewrites the others.
import os
from hashlib import sha256

from micropython import const

_TAG = const(4)
_QDIR = "out"
_TMP = ".tmp"
_BAD = ".bad"


class StoreError(Exception):
    pass


def _tag(data):
    return sha256(data).digest()[:_TAG]


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _mkdir(path):
    if not _exists(path):
        os.mkdir(path)


def _read_valid(path):
    """The payload of a record file, or None if it is missing or fails its tag."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    if len(raw) < _TAG or _tag(raw[:-_TAG]) != raw[-_TAG:]:
        return None
    return raw[:-_TAG]


def write_atomic(path, data, tagged=False):
    """Replace the file at ``path`` with ``data`` in one step (``tagged``: append the tag)."""
    tmp = path + _TMP
    with open(tmp, "wb") as f:
        f.write(data)
        if tagged:
            f.write(_tag(data))
    try:
        os.rename(tmp, path)
    except OSError:  # a filesystem that will not rename over a file (FAT): recover() covers the gap
        os.remove(path)
        os.rename(tmp, path)


def settle_tmp(directory):
    """Drop the .tmp files an interrupted write_atomic left in ``directory`` (untagged files:
    the rename is the commit, so a leftover .tmp is a write that never happened)."""
    for name in os.listdir(directory):
        if name.endswith(_TMP):
            os.remove(directory + "/" + name)


class Store:
    def __init__(self, root="state", seq_block=64, max_queue=1000):
        self.root = root
        self._block = seq_block
        self._max_queue = max_queue
        _mkdir(root)
        _mkdir(self._qdir())
        self.recovered = self.recover()
        ceiling = self.get("seq")
        self._next = int(ceiling) if ceiling else 1
        self._ceiling = self._next
        ids = self.queued()
        self._qnext = ids[-1] + 1 if ids else 1
        self._qcount = len(ids)

    def _qdir(self):
        return self.root + "/" + _QDIR

    def _path(self, name):
        return self.root + "/" + name

    # -- recovery --------------------------------------------------------------------------------
    def recover(self):
        """Settle what a crash left behind; returns how many files it touched."""
        touched = 0
        for d in (self.root, self._qdir()):
            for name in os.listdir(d):
                path = d + "/" + name
                if name.endswith(_TMP):
                    target = path[: -len(_TMP)]
                    if _read_valid(target) is None and _read_valid(path) is not None:
                        if _exists(target):
                            os.remove(target)
                        os.rename(path, target)
                    else:
                        os.remove(path)
                    touched += 1
                elif d != self.root and not name.endswith(_BAD) and _read_valid(path) is None:
                    os.rename(path, path + _BAD)  # a damaged delivery: keep it aside, never send it
                    touched += 1
        return touched

    # -- records ---------------------------------------------------------------------------------
    def put(self, name, data):
        write_atomic(self._path(name), data, True)

    def get(self, name):
        """The record's bytes, None if there is none; StoreError if it is damaged."""
        path = self._path(name)
        data = _read_valid(path)
        if data is None and _exists(path):
            raise StoreError("record %s is damaged" % name)
        return data

    def delete(self, name):
        try:
            os.remove(self._path(name))
        except OSError:
            pass

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
        n = self._next
        self._next = n + 1
        return n

    # -- queue of unsent deliveries --------------------------------------------------------------
    def queued(self):
        """Ids of the queued records, oldest first."""
        ids = []
        for name in os.listdir(self._qdir()):
            if name.isdigit():
                ids.append(int(name))
        ids.sort()
        return ids

    def push(self, data):
        if self._qcount >= self._max_queue:
            raise StoreError("delivery queue is full (%d)" % self._max_queue)
        qid = self._qnext
        write_atomic(self._qdir() + "/%08d" % qid, data, True)
        self._qnext = qid + 1
        self._qcount += 1
        return qid

    def read(self, qid):
        data = _read_valid(self._qdir() + "/%08d" % qid)
        if data is None:
            raise StoreError("queued record %d is missing or damaged" % qid)
        return data

    def remove(self, qid):
        try:
            os.remove(self._qdir() + "/%08d" % qid)
            self._qcount -= 1
        except OSError:
            pass

    def __len__(self):
        return self._qcount
