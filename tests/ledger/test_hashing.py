"""RFC 6962 hashing: known answers and the leaf/node domain separation."""

from __future__ import annotations

import hashlib

from porchlight.ledger.hashing import HASH_SIZE, empty_root, leaf_hash, node_hash
from porchlight.ledger.tree import root_hash

from .merkle_vectors import RFC6962_LEAVES

# Roots of the first n RFC 6962 test leaves, as published with the Certificate
# Transparency reference implementations (and used by transparency-dev/merkle).
RFC6962_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_empty_root_is_sha256_of_nothing() -> None:
    assert empty_root().hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert root_hash([]) == empty_root()


def test_leaf_hash_prefixes_a_zero_byte() -> None:
    assert leaf_hash(b"").hex() == RFC6962_ROOTS[0]
    assert leaf_hash(b"porch") == hashlib.sha256(b"\x00porch").digest()
    assert len(leaf_hash(b"x" * 1000)) == HASH_SIZE


def test_node_hash_prefixes_a_one_byte() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert node_hash(left, right) != node_hash(right, left)


def test_a_node_cannot_pass_for_a_leaf() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(left + right) != node_hash(left, right)


def test_roots_of_the_rfc6962_test_data() -> None:
    hashes = [leaf_hash(entry) for entry in RFC6962_LEAVES]
    for size, expected in enumerate(RFC6962_ROOTS, start=1):
        assert root_hash(hashes[:size]).hex() == expected
