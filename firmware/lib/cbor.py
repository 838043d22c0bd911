# Deterministic CBOR (RFC 8949 section 4.2.1) for the micromarket wire protocol: dumps(obj) ->
# bytes, loads(data, limit=MAX_INPUT) -> obj, CBORError, Tag. The codec lives in wire.py (one
# module for the codec, COSE and the messages costs the device less heap); this module keeps
# `import cbor` working.
from wire import MAX_INPUT, CBORError, Tag, dumps, loads  # noqa: F401
