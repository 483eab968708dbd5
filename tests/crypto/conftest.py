"""Shared fixtures and helpers for the crypto tests."""

from __future__ import annotations

import shutil

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from porchlight.crypto import Identity, generate_identity
from porchlight.crypto.header import Header, Stanza, hkdf_sha256

AGE_CLI = shutil.which("age")
AGE_KEYGEN_CLI = shutil.which("age-keygen")

requires_age_cli = pytest.mark.skipif(
    AGE_CLI is None,
    reason="the age CLI is not installed (apt-get install age); interop with it is untested",
)
requires_age_keygen = pytest.mark.skipif(
    AGE_KEYGEN_CLI is None,
    reason="age-keygen is not installed (apt-get install age); interop with it is untested",
)


@pytest.fixture
def identity() -> Identity:
    return generate_identity()


def seal_chunks(file_key: bytes, chunks: list[tuple[bytes, bool]], nonce: bytes) -> bytes:
    """Build a payload by hand, chunk by chunk, with any final flags wanted.

    Lets tests produce payloads our encoder never would (an empty final chunk
    after a full one, a short non-final chunk) and check decryption refuses them.
    """
    cipher = ChaCha20Poly1305(hkdf_sha256(file_key, nonce, b"payload"))
    sealed = [nonce]
    for counter, (chunk, last) in enumerate(chunks):
        chunk_nonce = counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        sealed.append(cipher.encrypt(chunk_nonce, chunk, None))
    return b"".join(sealed)


def build_file(stanzas: list[Stanza], file_key: bytes, chunks: list[tuple[bytes, bool]]) -> bytes:
    """A complete age file from hand-made stanzas and chunks, with a valid MAC."""
    return Header.build(stanzas, file_key).raw + seal_chunks(file_key, chunks, bytes(16))
