"""firmware/lib/mdns.py reads DNS-SD answers as zeroconf (the host's side) writes them: the TXT
records of a response with a stranger's answer beside the market's, a name it cannot resolve
replaced by the sender's address, the same key fingerprint as the host's, and damaged packets
refused without a crash."""

import os

from zeroconf import DNSOutgoing, DNSPointer, DNSText, const

from micromarket.market.discovery import SERVICE, fingerprint, txt

KEY = bytes(range(32))


def _txt_bytes(props: dict) -> bytes:
    return b"".join(bytes([len(e)]) + e for e in (f"{k}={v}".encode() for k, v in props.items()))


def response(*records: dict) -> bytes:
    out = DNSOutgoing(const._FLAGS_QR_RESPONSE | const._FLAGS_AA)
    for i, props in enumerate(records):
        name = f"m{i}.{SERVICE}"
        out.add_answer_at_time(DNSPointer(SERVICE, const._TYPE_PTR, const._CLASS_IN, 120, name), 0)
        out.add_answer_at_time(DNSText(name, const._TYPE_TXT, const._CLASS_IN, 120, _txt_bytes(props)), 0)
    [packet] = out.packets()
    return packet


def _pick(mp, packet: bytes, market="elm", key=KEY, sender="10.1.2.3") -> str:
    return mp("import mdns\n"
              f"print(mdns.pick(mdns.txt_records({packet!r}), {market!r}, mdns.fingerprint({key!r}), {sender!r}))").strip()


def test_fingerprint_is_the_hosts(mp):
    assert mp(f"import mdns\nprint(mdns.fingerprint({KEY!r}))").strip() == fingerprint(KEY)


def test_the_market_is_taken_and_the_stranger_passed_over(mp):
    stranger = txt("elm", os.urandom(32), "mqtt://10.9.9.9:1883")
    genuine = txt("elm", KEY, "mqtts://10.0.0.5:8883")
    assert _pick(mp, response(stranger, genuine)) == "mqtts://10.0.0.5:8883"
    assert _pick(mp, response(stranger)) == "None"
    assert _pick(mp, response(txt("oak", KEY, "mqtt://10.0.0.5:1883"))) == "None"  # another market


def test_a_host_name_becomes_the_senders_address(mp):
    genuine = txt("elm", KEY, "mqtts://broker.local:8883")
    assert _pick(mp, response(genuine), sender="192.168.1.10") == "mqtts://192.168.1.10:8883"


def test_damaged_packets_are_refused(mp):
    packet = response(txt("elm", KEY, "mqtt://10.0.0.5:1883"))
    for bad in (packet[:40], packet[:-3], packet[:12] + b"\xff" * 20):
        out = mp("import mdns\n"
                 "try:\n"
                 f"    mdns.txt_records({bad!r})\n"
                 "    print('read')\n"
                 "except (ValueError, IndexError, UnicodeError) as e:\n"
                 "    print('refused', type(e).__name__)\n").strip()
        assert out.startswith("refused"), (bad, out)
