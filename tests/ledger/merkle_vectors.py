"""Loads the public RFC 6962 / RFC 9162 proof vectors in shared/vectors/merkle/.

The folder is found next to the repository (``/work/shared`` for a checkout at
``/work/main``), or through ``PORCHLIGHT_VECTORS_DIR``, which may name either
the ``merkle`` folder itself or the ``vectors`` folder above it.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

# The leaves behind the vectors: the RFC 6962 test data of the Certificate
# Transparency reference implementations, from which transparency-dev/merkle
# generated its happy-path proofs.
RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]


def vectors_dir() -> Path:
    """Return the folder holding ``inclusion/`` and ``consistency/``."""
    configured = os.environ.get("PORCHLIGHT_VECTORS_DIR")
    if configured:
        root = Path(configured)
        return root / "merkle" if (root / "merkle").is_dir() else root
    return Path(__file__).resolve().parents[3] / "shared" / "vectors" / "merkle"


def b64(value: str) -> bytes:
    """Decode a base64 field of a vector."""
    return base64.b64decode(value)


def proof_of(case: dict[str, Any]) -> list[bytes]:
    """Return the proof of a vector (``null`` means an empty proof)."""
    return [b64(item) for item in case["proof"] or []]


def missing_reason(kind: str) -> str:
    """Explain where the vectors of ``kind`` were looked for."""
    return (
        f"Merkle test vectors not found in {vectors_dir() / kind}: expected the "
        "shared/vectors/merkle folder beside the checkout, or set PORCHLIGHT_VECTORS_DIR"
    )


def load(kind: str) -> dict[str, dict[str, Any]]:
    """Return the vectors of ``kind`` by path relative to their folder; empty if missing."""
    folder = vectors_dir() / kind
    files = sorted(folder.rglob("*.json")) if folder.is_dir() else []
    return {str(path.relative_to(folder)): json.loads(path.read_text()) for path in files}


def cases(kind: str) -> list[Any]:
    """Return pytest params, one per vector file of ``kind``, or one skipped param."""
    vectors = load(kind)
    if not vectors:
        skip = pytest.mark.skip(reason=missing_reason(kind))
        return [pytest.param(None, marks=skip, id=f"{kind}-missing")]
    return [pytest.param(case, id=name) for name, case in vectors.items()]
