# Finding the market on the local network: one DNS-SD question over mDNS, once, at boot.
#
# The market advertises _micromarket._tcp.local with TXT market=<id>, key=<fingerprint of its
# public key>, broker=<URL> (micromarket.market.discovery). find() asks from an ephemeral port
# (a "legacy unicast" query, RFC 6762 section 6.7: the responder answers that port directly),
# reads the TXT records of the answers, and takes a broker only from one that names our market
# and the fingerprint of the market key we were enrolled with. Anyone can answer mDNS: the
# fingerprint keeps us from a stranger's broker (and the market's signatures from its messages).
# A URL naming a host by name (e.g. broker.local, which we cannot resolve) takes the address
# the answer came from.
import socket

from micropython import const

_GROUP = "224.0.0.251"
_PORT = const(5353)
SERVICE = "_micromarket._tcp.local"
_TXT = const(16)


def fingerprint(key):
    """First 16 bytes of SHA-256 of the market's 32-byte public key, hex: what the TXT names."""
    import hashlib
    from binascii import hexlify

    return hexlify(hashlib.sha256(key).digest()[:16]).decode()


def query():
    """A DNS query for the PTR records of SERVICE (id 0, no flags, one question)."""
    q = bytearray(b"\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00")
    for label in SERVICE.split("."):
        q.append(len(label))
        q.extend(label.encode())
    q.extend(b"\x00\x00\x0c\x00\x01")  # root, type PTR, class IN
    return q


def _skip_name(m, i):
    """Offset after the (possibly compressed) name at ``i``."""
    while True:
        n = m[i]
        if n & 0xC0 == 0xC0:
            return i + 2
        if n == 0:
            return i + 1
        i += n + 1


def txt_records(m):
    """Every TXT record of a DNS message, as a dict of its key=value strings."""
    out = []
    qd, an = m[4] << 8 | m[5], (m[6] << 8 | m[7]) + (m[8] << 8 | m[9]) + (m[10] << 8 | m[11])
    i = 12
    for _ in range(qd):
        i = _skip_name(m, i) + 4
    for _ in range(an):
        i = _skip_name(m, i)
        kind, size = m[i] << 8 | m[i + 1], m[i + 8] << 8 | m[i + 9]
        i += 10
        if i + size > len(m):
            raise ValueError("truncated record")
        if kind == _TXT:
            rec, j = {}, i
            while j < i + size:
                n = m[j]
                k, _, v = bytes(m[j + 1:j + 1 + n]).decode().partition("=")
                rec[k] = v
                j += n + 1
            out.append(rec)
        i += size
    return out


def pick(records, market, key_fp, sender):
    """The broker URL of the record naming our market and key, or None."""
    for rec in records:
        url = rec.get("broker", "")
        if rec.get("market") != market or rec.get("key") != key_fp or "://" not in url:
            continue
        scheme, _, rest = url.partition("://")
        host, sep, port = rest.rstrip("/").partition(":")
        if not all(p.isdigit() for p in host.split(".")) or host.count(".") != 3:
            host = sender  # a name we cannot resolve: the address the answer came from
        return scheme + "://" + host + sep + port
    return None


def find(market, market_key, timeout_ms=3000, tries=3, log=print):
    """Ask for the market ``tries`` times; its broker URL, or None if no genuine answer came."""
    fp = fingerprint(market_key)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout_ms / 1000)
        group = socket.getaddrinfo(_GROUP, _PORT)[0][-1]
        q = query()
        for _ in range(tries):
            s.sendto(q, group)
            while True:
                try:
                    m, addr = s.recvfrom(1500)
                except OSError:  # timed out: ask again
                    break
                try:
                    url = pick(txt_records(m), market, fp, addr_host(addr))
                except (ValueError, IndexError, UnicodeError):
                    url = None  # not a DNS message we can read
                if url:
                    log("mdns: market %s at %s" % (market, url))
                    return url
                log("mdns: an answer that is not our market's (market or key differ)")
    finally:
        s.close()
    return None


def addr_host(addr):
    """The IPv4 address of a recvfrom() sender (a tuple on the unix port, bytes on the ESP32)."""
    if isinstance(addr, tuple):
        return addr[0]
    return "%d.%d.%d.%d" % (addr[4], addr[5], addr[6], addr[7])
