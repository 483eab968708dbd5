"""Merkle tree roots and proof generation: MemoryTree and the HashReader algorithms."""

from __future__ import annotations

import pytest

from porchlight.ledger.hashing import empty_root, leaf_hash, node_hash
from porchlight.ledger.tree import (
    HashReader,
    MemoryTree,
    SubtreeHashReader,
    consistency_proof,
    consistency_proof_ranges,
    inclusion_proof,
    inclusion_proof_ranges,
    range_hash,
    root_hash,
    split_point,
    subtree_hashes,
    tree_root,
)

from .merkle_vectors import RFC6962_LEAVES, b64, load, missing_reason, proof_of


def entry(i: int) -> bytes:
    return f"entry {i}".encode()


def naive_root(hashes: list[bytes]) -> bytes:
    """RFC 9162 MTH, written as literally as the RFC states it."""
    if not hashes:
        return empty_root()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(naive_root(hashes[:k]), naive_root(hashes[k:]))


class LeafOnlyReader:
    """A store that keeps only leaf hashes, to exercise the fallback path."""

    def __init__(self, hashes: list[bytes]) -> None:
        self.hashes = hashes

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        return self.hashes[start:end]


@pytest.fixture(scope="module")
def tree70() -> MemoryTree:
    return MemoryTree(entry(i) for i in range(70))


def test_split_point_is_the_largest_power_of_two_below_n() -> None:
    assert [split_point(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]
    with pytest.raises(ValueError, match="no split point"):
        split_point(1)


def test_roots_match_the_rfc_definition_for_every_size(tree70: MemoryTree) -> None:
    hashes = [leaf_hash(entry(i)) for i in range(70)]
    for size in range(71):
        assert tree70.root(size) == naive_root(hashes[:size]) == root_hash(hashes[:size])


def test_append_returns_consecutive_indices() -> None:
    tree = MemoryTree()
    assert [tree.append(entry(i)) for i in range(5)] == [0, 1, 2, 3, 4]
    assert tree.size == len(tree) == 5
    assert tree.entry(3) == entry(3)
    assert tree.entries(1, 3) == [entry(1), entry(2)]
    assert tree.root() == root_hash([leaf_hash(entry(i)) for i in range(5)])


def test_empty_tree_has_the_empty_root() -> None:
    assert MemoryTree().root() == empty_root()


def test_stored_subtrees_follow_the_tile_layout(tree70: MemoryTree) -> None:
    hashes = tree70.leaf_hashes(0, 70)
    for level in range(7):
        width = 1 << level
        for index in range(70 // width):
            expected = root_hash(hashes[index * width : (index + 1) * width])
            assert tree70.subtree_hash(level, index) == expected
    with pytest.raises(ValueError, match="no complete subtree"):
        tree70.subtree_hash(3, 8)  # leaves 64..71: not complete in a tree of 70
    with pytest.raises(ValueError, match="no complete subtree"):
        tree70.subtree_hash(7, 0)


def test_a_memory_tree_is_a_subtree_hash_reader(tree70: MemoryTree) -> None:
    assert isinstance(tree70, SubtreeHashReader)
    assert isinstance(LeafOnlyReader([]), HashReader)
    assert not isinstance(LeafOnlyReader([]), SubtreeHashReader)


def test_out_of_range_requests_are_refused(tree70: MemoryTree) -> None:
    with pytest.raises(ValueError, match="outside"):
        tree70.leaf_hashes(60, 71)
    with pytest.raises(ValueError, match="outside"):
        tree70.entry(70)
    with pytest.raises(ValueError, match="outside"):
        tree70.root(71)
    with pytest.raises(ValueError, match="outside"):
        tree70.inclusion_proof(70)
    with pytest.raises(ValueError, match="no consistency proof"):
        tree70.consistency_proof(0, 5)
    with pytest.raises(ValueError, match="no consistency proof"):
        tree70.consistency_proof(6, 5)
    with pytest.raises(ValueError, match="negative"):
        tree_root(tree70, -1)


def test_rfc9162_examples_of_proof_shapes() -> None:
    # RFC 9162 §2.1.5 draws a tree of seven leaves d0..d6 and names its nodes:
    # leaves a..f (d0..d5) and j (d6), then g, h, i, then k, l below the root.
    leaves = {"a": (0, 1), "b": (1, 2), "c": (2, 3), "d": (3, 4), "e": (4, 5), "f": (5, 6)}
    inner = {"g": (0, 2), "h": (2, 4), "i": (4, 6), "j": (6, 7), "k": (0, 4), "l": (4, 7)}
    n = leaves | inner

    def nodes(names: str) -> list[tuple[int, int]]:
        return [n[name] for name in names]

    assert inclusion_proof_ranges(0, 7) == nodes("bhl")
    assert inclusion_proof_ranges(3, 7) == nodes("cgl")
    assert inclusion_proof_ranges(4, 7) == nodes("fjk")
    assert inclusion_proof_ranges(6, 7) == nodes("ik")
    assert consistency_proof_ranges(3, 7) == nodes("cdgl")
    assert consistency_proof_ranges(4, 7) == nodes("l")
    assert consistency_proof_ranges(6, 7) == nodes("ijk")
    assert consistency_proof_ranges(7, 7) == []


def test_proofs_from_a_leaf_only_store_match(tree70: MemoryTree) -> None:
    leaves = LeafOnlyReader(tree70.leaf_hashes(0, 70))
    for size in (1, 2, 7, 64, 65, 70):
        assert tree_root(leaves, size) == tree70.root(size)
        for index in range(0, size, 3):
            assert inclusion_proof(leaves, index, size) == tree70.inclusion_proof(index, size)
        for size1 in range(1, size + 1, 5):
            assert consistency_proof(leaves, size1, size) == tree70.consistency_proof(size1, size)
    assert subtree_hashes(leaves, 2, 3, 6) == subtree_hashes(tree70, 2, 3, 6)


def test_range_hash_accepts_only_tree_nodes(tree70: MemoryTree) -> None:
    hashes = tree70.leaf_hashes(0, 70)
    assert range_hash(tree70, 64, 70) == root_hash(hashes[64:70])
    assert range_hash(tree70, 8, 16) == root_hash(hashes[8:16])
    with pytest.raises(ValueError, match="not a node"):
        range_hash(tree70, 3, 7)
    with pytest.raises(ValueError, match="non-empty"):
        range_hash(tree70, 5, 5)


def test_proofs_stay_logarithmic() -> None:
    size = 1_000_003
    assert max(len(inclusion_proof_ranges(i, size)) for i in range(0, size, 9973)) <= 20
    assert max(len(consistency_proof_ranges(s, size)) for s in range(1, size, 9973)) <= 40


def test_generated_proofs_reproduce_the_published_ones() -> None:
    # The vectors' happy paths were made from the RFC 6962 test leaves; our
    # generator must produce them byte for byte, not merely verifiable ones.
    inclusion, consistency = load("inclusion"), load("consistency")
    if not inclusion or not consistency:
        pytest.skip(missing_reason("inclusion"))
    tree = MemoryTree(RFC6962_LEAVES)
    compared = 0
    for case in inclusion.values():
        index, size = case["leafIdx"], case["treeSize"]
        if case["wantErr"] or size > tree.size or not 0 <= index < size:
            continue
        if tree.leaf_hashes(index, index + 1) == [b64(case["leafHash"])]:
            assert tree.inclusion_proof(index, size) == proof_of(case)
            assert tree.root(size) == b64(case["root"])
            compared += 1
    for case in consistency.values():
        size1, size2 = case["size1"], case["size2"]
        if case["wantErr"] or size2 > tree.size or size1 < 1:
            continue
        if tree.root(size1) == b64(case["root1"]):
            assert tree.consistency_proof(size1, size2) == proof_of(case)
            assert tree.root(size2) == b64(case["root2"])
            compared += 1
    assert compared >= 10
