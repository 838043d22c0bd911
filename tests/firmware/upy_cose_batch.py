# Runs on the MicroPython unix port: a batch of COSE_Sign1 operations through firmware/lib/cose.py.
#
# Each input line is an operation and hex arguments; each output line its result:
#   sign SEED KID PAYLOAD   -> hex of cose.sign1(ed25519.SigningKey(SEED), PAYLOAD, KID)
#   verify PK DATA          -> "ok <payload hex>", "err <COSEError text>" or "crash <type> <text>"
#   kid DATA / hash DATA / pid PK -> cose.kid, cose.message_hash (hex), cose.party_id
#   award PK MARKET PARTY DATA -> wire.check_award as the agent calls it: "ok <price>" or "err .."
import sys
from binascii import hexlify, unhexlify

import cose
import ed25519

_keys = {}


def run(op, args):
    raw = [unhexlify(a) for a in args]
    if op == "sign":
        key = _keys.get(raw[0])
        if key is None:
            key = _keys[raw[0]] = ed25519.SigningKey(raw[0])
        return hexlify(cose.sign1(key, raw[2], raw[1])).decode()
    if op == "verify":
        try:
            return "ok " + hexlify(cose.verify1(raw[0], raw[1])).decode()
        except cose.COSEError as exc:
            return "err " + str(exc)
        except Exception as exc:
            return "crash %s %s" % (type(exc).__name__, exc)
    if op == "award":
        import wire

        try:
            return "ok %d" % wire.check_award(raw[0], str(raw[1], "utf-8"), raw[3],
                                              str(raw[2], "utf-8"))["price"]
        except wire.WireError as exc:
            return "err " + str(exc)
    if op == "kid":
        return cose.kid(raw[0])
    if op == "hash":
        return hexlify(cose.message_hash(raw[0])).decode()
    if op == "pid":
        return cose.party_id(raw[0])
    return "crash unknown operation " + op


with open(sys.argv[1]) as f:
    for line in f:
        words = line.split()
        print(run(words[0], words[1:]))
