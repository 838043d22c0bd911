"""Identities and releases for a fleet: provisioning boards in batches (device key, registrar
challenge, enrollment credential, registry row, QR label) and signed release bundles. May import
the foundation (keys among it), ``protocol``, ``boards``, ``device`` and ``market`` (the registry
it enrols into); never ``sim`` or ``bench``.
"""
