"""A paho client for tests against a broker with TLS and passwords (test_broker, firmware tests)."""

import threading

import paho.mqtt.client as mqtt


class Client:
    """A paho client that connects synchronously and records what it hears."""

    def __init__(self, port, ca_file, username=None, password=None, client_id="c", subscribe=()):
        self.got, self.lost = [], threading.Event()
        self.answer = None
        self.answered = threading.Event()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
        c.tls_set(ca_certs=str(ca_file))
        if username:
            c.username_pw_set(username, password)

        def on_connect(cl, _u, _f, reason, _p):
            self.answer = reason
            self.answered.set()
            for t in subscribe:
                cl.subscribe(t, qos=1)

        c.on_connect = on_connect
        c.on_disconnect = lambda *a: self.lost.set()
        c.on_message = lambda _c, _u, msg: self.got.append((msg.topic, bytes(msg.payload), msg.retain))
        self.client = c
        c.connect("localhost", port, keepalive=30)
        c.loop_start()
        assert self.answered.wait(10), "no CONNACK"

    @property
    def accepted(self) -> bool:
        return not self.answer.is_failure

    def publish(self, topic, payload, retain=False):
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()
