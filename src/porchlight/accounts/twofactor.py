"""Two-step sign-in: time-based one-time codes (RFC 6238) and recovery codes.

Stolen passwords were how strangers got into people's cameras on other platforms; with
two-step sign-in a password alone opens nothing.  Codes are the ones every authenticator
app makes (HMAC-SHA1, 6 digits, 30-second steps, RFC 4226 truncation).  A code is
accepted one step early or late (clock drift) and only once: the last step used is
remembered, so a code seen over someone's shoulder cannot be replayed.

The shared secret is stored sealed (AES-256-GCM under a key derived from the server's
``SECRET_KEY``), so a copy of the database alone does not yield it; recovery codes are
stored as SHA-256 digests (each is 50 random bits, used once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

import segno
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from porchlight.crypto.header import hkdf_sha256

DIGITS = 6
STEP_SECONDS = 30
#: Steps either side of now that are accepted (clock drift of up to 30 s).
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends
RECOVERY_CODES = 10
ISSUER = "Porchlight"


def new_secret() -> bytes:
    """A fresh shared secret."""
    return secrets.token_bytes(SECRET_BYTES)


def secret_text(secret: bytes) -> str:
    """The secret as authenticator apps take it when typed: base32, without padding."""
    return base64.b32encode(secret).decode().rstrip("=")


def code_at(secret: bytes, step: int, digits: int = DIGITS) -> str:
    """The code for one 30-second step (RFC 4226 HOTP with the step as counter)."""
    mac = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_of(unix_seconds: float) -> int:
    """The step a moment falls in."""
    return int(unix_seconds // STEP_SECONDS)


def matching_step(
    secret: bytes, code: str, unix_seconds: float, last_step: int | None
) -> int | None:
    """The step whose code ``code`` is, near now and after ``last_step``; else None."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_of(unix_seconds)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue  # used already: no replays
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def setup_uri(secret: bytes, account: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    label = quote(f"{ISSUER}:{account}")
    return (
        f"otpauth://totp/{label}?secret={secret_text(secret)}&issuer={ISSUER}"
        f"&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )


def qr_svg(uri: str) -> str:
    """The address as an inline SVG QR code (drawn by the server; nothing from a CDN)."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return svg


def _key(secret_key: str) -> bytes:
    return hkdf_sha256(secret_key.encode(), b"porchlight-two-step", b"totp secret seal v1")


def seal(secret: bytes, secret_key: str, user_id: str) -> bytes:
    """Encrypt a user's shared secret, bound to their account id."""
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_key(secret_key)).encrypt(nonce, secret, user_id.encode())


def unseal(sealed: bytes, secret_key: str, user_id: str) -> bytes:
    """Decrypt a user's shared secret; raises ``InvalidTag`` if the key changed."""
    return AESGCM(_key(secret_key)).decrypt(sealed[:12], sealed[12:], user_id.encode())


def new_recovery_codes() -> list[str]:
    """Ten single-use codes like ``k3f9-x2pq-7d``, for when the phone is lost."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def recovery_digest(code: str) -> str:
    """How a recovery code is stored (case, spaces and dashes do not matter)."""
    normal = "".join(c for c in code.lower() if c.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()
