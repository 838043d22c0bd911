"""Ed25519 (RFC 8032): the crypto core that fits this board.

    import ed25519
    key = ed25519.SigningKey(seed32)       # key expansion once
    sig = key.sign(msg)                    # 64 bytes, deterministic
    ed25519.verify(key.public, msg, sig)   # True / False, never raises for bad bytes
    ed25519.VARIANT                        # "viper", or "bigint" where native code did not fit

The viper core (_ed25519_viper) carries about 55 KB of native code for the ESP32, which the port
copies into executable RAM (IRAM) at import; a classic ESP32 may not have that much free. Where
that allocation fails (MemoryError at the import of a viper module), this loads the big-int core
(_ed25519_bigint: no native code at all, same answers, far slower) and says so: NATIVE_ERROR
holds the failure, mmboot prints it and identity.status() reports the variant. Native code
already copied stays where it is (the port never frees it); a SHA-512 that loaded is reused.
The fallback's own work is in _ed25519_bigint: this module costs the viper core little heap.
"""

try:
    from _ed25519_viper import SigningKey, public_key, sign, verify

    VARIANT = "viper"
    NATIVE_ERROR = None
except MemoryError as exc:
    from _ed25519_bigint import SigningKey, public_key, sign, verify, why

    VARIANT = "bigint"
    NATIVE_ERROR = why(exc)
