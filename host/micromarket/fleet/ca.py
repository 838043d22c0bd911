"""The neighbourhood CA: the TLS root every device and host tool pins, and the broker's certificate.

``keys init`` makes ``ca.key`` (ECDSA P-256, owner-only) and ``ca.pem`` (self-signed, 20 years)
beside the Ed25519 keys, and ``broker.secret`` (32 random bytes) from which every broker password
is derived, so that the broker's password file can be written again from the registry alone.
P-256, not Ed25519: mbedTLS (MicroPython's ``tls`` on the ESP32 and on the unix port) verifies
ECDSA P-256 certificates, not Ed25519 ones.
"""

import base64
import datetime
import hashlib
import hmac
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..errors import MicromarketError

CA_KEY, CA_CERT, SECRET = "ca.key", "ca.pem", "broker.secret"
CA_YEARS, SERVER_DAYS = 20, 825


class CAError(MicromarketError):
    """The neighbourhood CA is missing, unreadable or does not match its certificate."""


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def init(directory: Path, name: str = "micromarket neighbourhood CA", force: bool = False) -> str:
    """Create the CA and the broker secret where missing (both with ``force``); return the CA's fingerprint."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if force or not (directory / CA_KEY).exists() or not (directory / CA_CERT).exists():
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                               critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        _write_private(directory / CA_KEY, _pem_key(key))
        _write_public(directory / CA_CERT, cert.public_bytes(serialization.Encoding.PEM))
    if force or not (directory / SECRET).exists():
        _write_private(directory / SECRET, os.urandom(32).hex().encode() + b"\n")
    return fingerprint(load_cert(directory))


def load_cert(directory: Path) -> x509.Certificate:
    path = Path(directory) / CA_CERT
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except FileNotFoundError:
        raise CAError(f"no neighbourhood CA in {directory}", "run `micromarket keys init`") from None
    except ValueError as exc:
        raise CAError(f"{path} is not a PEM certificate", "restore it, or `micromarket keys init --force`") from exc


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, hex: what an operator compares."""
    return cert.fingerprint(hashes.SHA256()).hex()


def _load_key(directory: Path):
    path = Path(directory) / CA_KEY
    try:
        if path.stat().st_mode & 0o077:
            raise CAError(f"{path} is readable by others", f"run `chmod 600 {path}`")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise CAError(f"no neighbourhood CA key in {directory}", "run `micromarket keys init`") from None
    except ValueError as exc:
        raise CAError(f"{path} is not a PEM private key", "restore it from your backup") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CAError(f"{path} is not an ECDSA key", "re-create it with `micromarket keys init --force`")
    return key


def secret(directory: Path) -> bytes:
    path = Path(directory) / SECRET
    try:
        text = path.read_text().strip()
        value = bytes.fromhex(text)
        if len(value) != 32:
            raise ValueError
    except FileNotFoundError:
        raise CAError(f"no broker secret in {directory}", "run `micromarket keys init`") from None
    except ValueError:
        raise CAError(f"{path} is not 32 bytes in hex", "restore it; a new one changes every password") from None
    return value


def password(key_secret: bytes, username: str) -> str:
    """The broker password of ``username``: derived, so nothing else has to keep it."""
    mac = hmac.new(key_secret, b"micromarket broker password\x00" + username.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:18]).decode()


def _san(host: str):
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def server_hosts(cert: x509.Certificate) -> set[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(v) for v in ext.get_values_for_type(x509.IPAddress)} | set(ext.get_values_for_type(x509.DNSName))


def issue_server(directory: Path, hosts: list[str], cert_path: Path, key_path: Path) -> bool:
    """Give the broker a certificate for ``hosts`` unless the one at ``cert_path`` is from this CA,
    names the same hosts and has more than 30 days left; returns whether it issued one."""
    ca_cert = load_cert(directory)
    want = {str(ipaddress.ip_address(h)) if _is_ip(h) else h for h in hosts}
    now = datetime.datetime.now(datetime.timezone.utc)
    if cert_path.exists() and key_path.exists():
        try:
            old = x509.load_pem_x509_certificate(cert_path.read_bytes())
            if (old.issuer == ca_cert.subject and server_hosts(old) == want
                    and old.not_valid_after_utc - now > datetime.timedelta(days=30)):
                old.verify_directly_issued_by(ca_cert)
                return False
        except Exception:  # noqa: BLE001 - unreadable, or not this CA's: issue a new one
            pass
    ca_key = _load_key(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    start = now - datetime.timedelta(minutes=5)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_private(key_path, _pem_key(key))
    _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return True


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False
