# COSE_Sign1 (RFC 9052) with EdDSA / Ed25519, as the host's micromarket.protocol makes it (see
# wire.py, where it lives with the codec and the messages; this module keeps `import cose`):
#
# sign1(signing_key, payload, kid) -> bytes   signing_key: an ed25519.SigningKey
# verify1(public_key, data) -> payload bytes  raises COSEError on any fault
# open1(data) -> (protected, kid, payload, signature), not verified (to look up the key by kid)
# kid(data) -> the kid as text, not verified
# message_hash(data) -> SHA-256 of the whole message; party_id(public_key) -> "p" + 16 hex
from wire import COSEError, kid, message_hash, open1, party_id, sign1, verify1  # noqa: F401
