"""RFC 6962 / RFC 9162 Merkle tree hashing with SHA-256.

Leaves and interior nodes are hashed with different one-byte prefixes so that
an interior node can never be passed off as a leaf (a second-preimage attack
on the tree), which is the whole reason the RFC prefixes exist.
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """Return the hash of a log entry: SHA-256(0x00 ‖ entry)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an interior node: SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def empty_root() -> bytes:
    """Return the root hash of the empty tree: SHA-256 of the empty string."""
    return _EMPTY_ROOT
