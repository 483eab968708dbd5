"""Throughput of our streaming age implementation against in-process baselines.

Run: ``PYTHONPATH=src .venv/bin/python bench/crypto.py [MiB]``

Prints MB/s (median of 5 runs over 64 MiB by default) for our ``encrypt_stream``
and ``decrypt_stream``, for pyrage (rage, in Rust) on the same bytes, and for raw
ChaCha20-Poly1305 from ``cryptography`` over 64 KiB chunks, the floor of what any
age implementation on top of it can cost. Ratios above 1 mean we are faster.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from pyrage import x25519

try:
    from porchlight.crypto import decrypt_stream, encrypt_stream, parse_identity
except ImportError:  # run from a checkout without PYTHONPATH=src
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from porchlight.crypto import decrypt_stream, encrypt_stream, parse_identity

RUNS = 5
CHUNK = 64 * 1024


class Discard:
    """A sink that drops what it gets, so only the crypto is timed."""

    def write(self, data: bytes | memoryview, /) -> int:
        return len(data)


def median_mbps(size: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return size / statistics.median(timings) / 1e6


def raw_chacha(data: bytes, decrypt: bool) -> Callable[[], object]:
    cipher = ChaCha20Poly1305(os.urandom(32))
    nonces = [i.to_bytes(12, "big") for i in range(len(data) // CHUNK + 1)]
    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
    sealed = [cipher.encrypt(n, c, None) for n, c in zip(nonces, chunks, strict=False)]

    def run() -> None:
        if decrypt:
            for nonce, chunk in zip(nonces, sealed, strict=False):
                cipher.decrypt(nonce, chunk, None)
        else:
            for nonce, chunk in zip(nonces, chunks, strict=False):
                cipher.encrypt(nonce, chunk, None)

    return run


def main() -> None:
    size = int(sys.argv[1]) * 1024 * 1024 if len(sys.argv) > 1 else 64 * 1024 * 1024
    data = os.urandom(size)
    theirs = x25519.Identity.generate()
    ours = parse_identity(str(theirs))
    sealed_ours = io.BytesIO()
    encrypt_stream(io.BytesIO(data), sealed_ours, ours.recipient)
    sealed = sealed_ours.getvalue()
    sealed_theirs = pyrage.encrypt(data, [theirs.to_public()])

    results = {
        "ours encrypt_stream": median_mbps(
            size, lambda: encrypt_stream(io.BytesIO(data), Discard(), ours.recipient)
        ),
        "ours decrypt_stream": median_mbps(
            size, lambda: decrypt_stream(io.BytesIO(sealed), Discard(), ours)
        ),
        "pyrage encrypt": median_mbps(size, lambda: pyrage.encrypt(data, [theirs.to_public()])),
        "pyrage decrypt": median_mbps(size, lambda: pyrage.decrypt(sealed_theirs, [theirs])),
        "raw ChaCha20-Poly1305 encrypt (64 KiB)": median_mbps(size, raw_chacha(data, False)),
        "raw ChaCha20-Poly1305 decrypt (64 KiB)": median_mbps(size, raw_chacha(data, True)),
    }
    print(f"age v1 throughput, {size // 2**20} MiB, median of {RUNS} runs")
    for name, mbps in results.items():
        print(f"  {name:40s} {mbps:8.0f} MB/s")
    for op in ("encrypt", "decrypt"):
        mine = results[f"ours {op}_stream"]
        raw = results[f"raw ChaCha20-Poly1305 {op} (64 KiB)"]
        print(f"  ratio ours/pyrage {op}: {mine / results[f'pyrage {op}']:.2f}")
        print(f"  ratio ours/raw    {op}: {mine / raw:.2f}")


if __name__ == "__main__":
    main()
