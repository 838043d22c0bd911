# Runs on the MicroPython unix port: feeds a batch of inputs to firmware/lib/cbor.py.
#
#   micropython upy_codec_batch.py dumps FILE   each line a Python literal: prints the encoding
#                                               in hex and whether loads() gives it back
#   micropython upy_codec_batch.py loads FILE   each line hex CBOR: prints "ok <re-encoded hex>",
#                                               "err <CBORError text>" or "crash <type> <text>"
#   micropython upy_codec_batch.py open FILE    each line hex: cose.open1() -> "ok <kid hex>",
#                                               "err <COSEError text>" or "crash ..."
import gc
import sys
from binascii import hexlify, unhexlify

import cbor
import cose


def dumps_line(line):
    obj = eval(line)
    out = cbor.dumps(obj)
    back = cbor.loads(out)
    return "%s %d" % (hexlify(out).decode(), back == obj)


def loads_line(line):
    data = unhexlify(line)
    try:
        obj = cbor.loads(data)
    except cbor.CBORError as exc:
        return "err " + str(exc)
    except Exception as exc:
        return "crash %s %s" % (type(exc).__name__, exc)
    try:
        return "ok " + hexlify(cbor.dumps(obj)).decode()
    except Exception as exc:
        return "crash re-encoding: %s %s" % (type(exc).__name__, exc)


def open_line(line):
    try:
        return "ok " + hexlify(cose.open1(unhexlify(line))[1]).decode()
    except cose.COSEError as exc:
        return "err " + str(exc)
    except Exception as exc:
        return "crash %s %s" % (type(exc).__name__, exc)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    handle = {"dumps": dumps_line, "loads": loads_line, "open": open_line}[mode]
    low = gc.mem_free()
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            print(handle(line))
            gc.collect()
            low = min(low, gc.mem_free())
    print("mem_free_min", low)


main()
