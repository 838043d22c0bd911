"""Test helpers: a firmware script running on the unix port whose printed events a test waits
for, and a paho-mqtt client on the host side of the broker."""

import queue
import subprocess
import threading
import time

import paho.mqtt.client as paho

from micromarket import upy
from micromarket.paths import tool


class DeviceProcess:
    """``micropython SCRIPT ARGS`` with its output read line by line in the background."""

    def __init__(self, script, *args, heap="110K", cwd=None, lib_dirs=None):
        cmd = [tool("micropython"), "-X", f"heapsize={heap}", str(script), *map(str, args)]
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
