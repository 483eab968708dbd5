"""Verification of RFC 9162 inclusion and consistency proofs.

Both verifiers follow the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. Before
running them they check the sizes, the length of every hash and the number of
hashes in the proof, so that a malformed proof is rejected with a message that
says what is wrong rather than with a bare "root mismatch".
"""

from __future__ import annotations

from collections.abc import Sequence

from porchlight.ledger.hashing import HASH_SIZE, node_hash
from porchlight.ledger.tree import consistency_proof_ranges, inclusion_proof_ranges


class ProofError(ValueError):
    """A Merkle proof did not verify, or was malformed."""


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes long, expected {HASH_SIZE}")


def _check_proof(proof: Sequence[bytes], expected_length: int) -> None:
    if len(proof) != expected_length:
        raise ProofError(f"proof has {len(proof)} hashes, expected {expected_length}")
    for position, value in enumerate(proof):
        _check_hash(value, f"proof hash {position}")


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``tree_size`` with ``root``.

    Raises :class:`ProofError` when the proof is malformed or does not lead to
    ``root``; returns ``None`` when it verifies.
    """
    if index < 0 or tree_size < 0:
        raise ProofError(f"negative leaf index {index} or tree size {tree_size}")
    if index >= tree_size:
        raise ProofError(f"leaf index {index} is outside a tree of size {tree_size}")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root")
    _check_proof(proof, len(inclusion_proof_ranges(index, tree_size)))

    # RFC 9162 §2.1.3.2: fn walks the leaf's path, sn the tree's last leaf.
    fn, sn = index, tree_size - 1
    result = leaf_hash
    for sibling in proof:
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    if result != root:
        raise ProofError(
            f"inclusion proof for leaf {index} does not lead to the root of tree size {tree_size}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the tree of ``size1`` with ``root1``.

    Raises :class:`ProofError` when the proof is malformed or does not verify;
    returns ``None`` when it does. A proof from the empty tree is rejected: it
    proves nothing (RFC 9162 defines consistency only for 0 < size1), so a
    caller holding an empty tree accepts any later one without asking for one.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(f"negative tree size {size1} or {size2}")
    if size1 > size2:
        raise ProofError(f"tree size went backwards from {size1} to {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        # Nothing is hashed here, so the roots are compared as given.
        if proof:
            raise ProofError(f"sizes are equal ({size1}) but the proof is not empty")
        if root1 != root2:
            raise ProofError(f"trees of equal size {size1} have different roots")
        return
    if not proof:
        raise ProofError(f"empty consistency proof from size {size1} to {size2}")
    _check_hash(root1, "old root")
    _check_hash(root2, "new root")
    _check_proof(proof, len(consistency_proof_ranges(size1, size2)))
    old_root, new_root = _roots_from_consistency_proof(size1, size2, proof, root1)
    if old_root != root1:
        raise ProofError(f"consistency proof does not lead to the root of tree size {size1}")
    if new_root != root2:
        raise ProofError(f"consistency proof does not lead to the root of tree size {size2}")


def _roots_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    # RFC 9162 §2.1.4.2, for 0 < size1 < size2 and a proof of the right length.
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        # The old tree is a complete subtree on the path, so the proof leaves
        # its hash out and the verifier puts root1 back in its place.
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old = new = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the new root")
        if fn & 1 or fn == sn:
            old = node_hash(node, old)
            new = node_hash(node, new)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            new = node_hash(new, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the new root")
    return old, new
