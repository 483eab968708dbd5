"""Proof verification: the public vectors, exhaustive small trees, malformed proofs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from porchlight.ledger.hashing import leaf_hash
from porchlight.ledger.proofs import ProofError, verify_consistency, verify_inclusion
from porchlight.ledger.tree import MemoryTree

from .merkle_vectors import b64, cases, load, proof_of, vectors_dir

MAX_SIZE = 70


@pytest.fixture(scope="module")
def tree() -> MemoryTree:
    return MemoryTree(f"event {i}".encode() for i in range(MAX_SIZE))


def flip_bit(proof: list[bytes], position: int) -> list[bytes]:
    """Return a copy of ``proof`` with one bit of one hash flipped."""
    item = position % len(proof)
    changed = bytearray(proof[item])
    changed[position % len(changed)] ^= 1 << (position % 8)
    return [*proof[:item], bytes(changed), *proof[item + 1 :]]


@pytest.mark.parametrize("case", cases("inclusion"))
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_inclusion(
            b64(case["leafHash"]),
            case["leafIdx"],
            case["treeSize"],
            proof_of(case),
            b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("case", cases("consistency"))
def test_consistency_vectors(case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_consistency(
            case["size1"],
            case["size2"],
            proof_of(case),
            b64(case["root1"]),
            b64(case["root2"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("kind", ["inclusion", "consistency"])
def test_vectors_hold_both_good_and_bad_proofs(kind: str) -> None:
    vectors = load(kind)
    if not vectors:
        pytest.skip(f"no {kind} vectors found")
    outcomes = [case["wantErr"] for case in vectors.values()]
    assert outcomes.count(False) >= 5
    assert outcomes.count(True) >= 50


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_inclusion_proof_verifies_and_tampering_fails(tree: MemoryTree, size: int) -> None:
    root = tree.root(size)
    for index in range(size):
        leaf = tree.leaf_hashes(index, index + 1)[0]
        proof = tree.inclusion_proof(index, size)
        verify_inclusion(leaf, index, size, proof, root)
        with pytest.raises(ProofError):
            verify_inclusion(leaf_hash(b"forged"), index, size, proof, root)
        if proof:
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, size, flip_bit(proof, index), root)
        if size > 1:
            with pytest.raises(ProofError):
                verify_inclusion(leaf, (index + 1) % size, size, proof, root)
        if size < MAX_SIZE:
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, size + 1, proof, tree.root(size + 1))


@pytest.mark.parametrize("size2", range(1, MAX_SIZE + 1))
def test_every_consistency_proof_verifies_and_tampering_fails(tree: MemoryTree, size2: int) -> None:
    root2 = tree.root(size2)
    for size1 in range(1, size2 + 1):
        root1 = tree.root(size1)
        proof = tree.consistency_proof(size1, size2)
        verify_consistency(size1, size2, proof, root1, root2)
        if size1 == size2:
            assert proof == []
            continue
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, flip_bit(proof, size1), root1, root2)
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root2, root1)
        with pytest.raises(ProofError):
            verify_consistency(size1 + 1, size2, proof, tree.root(size1 + 1), root2)
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root1, tree.root(size2 - 1))


def test_the_vectors_folder_can_be_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    merkle = tmp_path / "vectors" / "merkle"
    merkle.mkdir(parents=True)
    # Either the vectors folder or its merkle/ subfolder may be named.
    monkeypatch.setenv("PORCHLIGHT_VECTORS_DIR", str(merkle.parent))
    assert vectors_dir() == merkle
    monkeypatch.setenv("PORCHLIGHT_VECTORS_DIR", str(merkle))
    assert vectors_dir() == merkle
    monkeypatch.setenv("PORCHLIGHT_VECTORS_DIR", "/nonexistent/vectors")
    [skipped] = cases("inclusion")
    reason = skipped.marks[0].kwargs["reason"]
    assert "/nonexistent/vectors/inclusion" in reason
    assert "PORCHLIGHT_VECTORS_DIR" in reason


def test_proof_error_is_a_value_error() -> None:
    assert issubclass(ProofError, ValueError)


def test_inclusion_rejections_say_what_is_wrong(tree: MemoryTree) -> None:
    leaf, root = tree.leaf_hashes(5, 6)[0], tree.root(20)
    proof = tree.inclusion_proof(5, 20)
    with pytest.raises(ProofError, match="outside a tree of size 20"):
        verify_inclusion(leaf, 20, 20, proof, root)
    with pytest.raises(ProofError, match="negative"):
        verify_inclusion(leaf, -1, 20, proof, root)
    with pytest.raises(ProofError, match="leaf hash is 31 bytes"):
        verify_inclusion(leaf[:31], 5, 20, proof, root)
    with pytest.raises(ProofError, match="root is 0 bytes"):
        verify_inclusion(leaf, 5, 20, proof, b"")
    with pytest.raises(ProofError, match="proof has 6 hashes, expected 5"):
        verify_inclusion(leaf, 5, 20, [*proof, proof[0]], root)
    with pytest.raises(ProofError, match="proof has 4 hashes, expected 5"):
        verify_inclusion(leaf, 5, 20, proof[1:], root)
    with pytest.raises(ProofError, match="proof hash 2 is 33 bytes"):
        verify_inclusion(leaf, 5, 20, [*proof[:2], proof[2] + b"\x00", *proof[3:]], root)
    with pytest.raises(ProofError, match="does not lead to the root"):
        verify_inclusion(leaf, 5, 20, proof[::-1], root)


def test_consistency_rejections_say_what_is_wrong(tree: MemoryTree) -> None:
    root1, root2 = tree.root(6), tree.root(20)
    proof = tree.consistency_proof(6, 20)
    with pytest.raises(ProofError, match="backwards"):
        verify_consistency(20, 6, proof, root2, root1)
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 20, [], tree.root(0), root2)
    with pytest.raises(ProofError, match="empty consistency proof"):
        verify_consistency(6, 20, [], root1, root2)
    expected = f"proof has {len(proof) + 1} hashes, expected {len(proof)}"
    with pytest.raises(ProofError, match=expected):
        verify_consistency(6, 20, [*proof, proof[0]], root1, root2)
    with pytest.raises(ProofError, match="proof is not empty"):
        verify_consistency(6, 6, proof, root1, root1)
    with pytest.raises(ProofError, match="different roots"):
        verify_consistency(6, 6, [], root1, root2)
    with pytest.raises(ProofError, match="old root is 3 bytes"):
        verify_consistency(6, 20, proof, b"abc", root2)
    with pytest.raises(ProofError, match="root of tree size 6"):
        verify_consistency(6, 20, proof, tree.root(7), root2)
    with pytest.raises(ProofError, match="root of tree size 20"):
        verify_consistency(6, 20, proof, root1, tree.root(21))


def test_a_rewritten_history_is_caught(tree: MemoryTree) -> None:
    # A log that changes an old entry cannot prove its new tree extends the old one.
    forged = MemoryTree(f"event {i}".encode() for i in range(30))
    forged_entries = [forged.entry(i) for i in range(30)]
    forged_entries[3] = b"something else"
    rewritten = MemoryTree(forged_entries)
    with pytest.raises(ProofError):
        verify_consistency(
            10, 30, rewritten.consistency_proof(10, 30), tree.root(10), rewritten.root()
        )
