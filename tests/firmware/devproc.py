"""Test helpers: a firmware script running on the unix port whose printed events a test waits
for, and a paho-mqtt client on the host side of the broker."""

import queue
import subprocess
import threading
import time

import paho.mqtt.client as paho

from micromarket.device import upy
from micromarket.paths import tool


class DeviceProcess:
    """``micropython SCRIPT ARGS`` with its output read line by line in the background
    (``micropython``: another build of the unix port, e.g. the i386 one)."""

    def __init__(self, script, *args, heap="110K", cwd=None, lib_dirs=None, micropython=None):
        cmd = [micropython or tool("micropython"), "-X", f"heapsize={heap}", str(script), *map(str, args)]
        self.proc = subprocess.Popen(cmd, env=upy.micropython_env(lib_dirs), cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode(errors="replace").rstrip("\n"))
        self.lines.put(None)

    def expect(self, prefix, timeout=30.0):
        """The next line starting with ``prefix`` (earlier lines are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {prefix!r} within {timeout} s; output: {self.seen[-20:]}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"device exited ({self.proc.wait()}) before {prefix!r}; "
                                     f"output: {self.seen[-20:]}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)

    def wait(self, timeout=30):
        return self.proc.wait(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


class HostClient:
    """A paho client that records every message on its subscriptions."""

    def __init__(self, port, subscriptions=(), client_id=""):
        self.messages = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload, m.retain))
        ready = threading.Event()
        self.client.on_subscribe = lambda *a: ready.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        for sub in subscriptions:
            ready.clear()
            self.client.subscribe(sub, qos=1)
            assert ready.wait(5), f"subscription {sub} not acknowledged"

    def publish(self, topic, payload, qos=1, retain=False):
        self.client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(5)

    def get(self, timeout=10.0):
        return self.messages.get(timeout=timeout)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


class CuttableProxy:
    """A TCP forwarder between a device and the broker that a test can cut and restore, to take
    one device off the network while the broker and the market stay up."""

    def __init__(self, target_port):
        import socket

        self.target = target_port
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._conns = []
        self._server = None
        self.restore()

    def restore(self):
        import socket

        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(8)
        self._server = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, server):
        import socket

        while True:
            try:
                a, _ = server.accept()
            except OSError:
                return
            b = socket.create_connection(("127.0.0.1", self.target))
            self._conns += [a, b]
            for src, dst in ((a, b), (b, a)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(4096):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        import socket

        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread: it ends
        except OSError:
            pass
        self._server.close()
        for c in self._conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self._conns = []
