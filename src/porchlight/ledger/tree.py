"""Merkle tree roots and proofs (RFC 9162 §2.1) over a source of stored hashes.

The algorithms here never rehash the whole tree. Every node of an RFC 9162
tree is either a *complete aligned subtree* — level L, index N, covering the
leaves [N·2^L, (N+1)·2^L) — or a node on the right border whose hash folds a
few complete subtrees together. A store that keeps the complete subtree hashes
(as tlog tiles do) therefore answers a root or a proof with O(log n) lookups.

A store offers its hashes through :class:`HashReader` (leaf hashes only) or,
better, :class:`SubtreeHashReader` (leaf hashes plus complete subtree hashes).
:class:`MemoryTree` is the in-memory implementation used by tests, the agent
and benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

from porchlight.ledger.hashing import empty_root, leaf_hash, node_hash

_Getter = Callable[[int, int], bytes]


@runtime_checkable
class HashReader(Protocol):
    """Something that can return the leaf hashes of a log."""

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """Return the leaf hashes with indices in [start, end)."""
        ...


@runtime_checkable
class SubtreeHashReader(HashReader, Protocol):
    """A :class:`HashReader` that also stores complete aligned subtree hashes."""

    def subtree_hash(self, level: int, index: int) -> bytes:
        """Return the hash of the complete subtree over leaves [index·2^level, (index+1)·2^level).

        Level 0 is the leaf hashes themselves.
        """
        ...


def split_point(n: int) -> int:
    """Return the largest power of two strictly below ``n`` (which must be at least 2)."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split point")
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the RFC 9162 Merkle Tree Hash of a whole list of leaf hashes.

    This is the reference definition (recursive split at the largest power of
    two below n) and touches every leaf; use :func:`tree_root` with a stored
    tree to avoid that.
    """
    if not leaf_hashes:
        return empty_root()
    return _mth(leaf_hashes, 0, len(leaf_hashes))


def _mth(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    if hi - lo == 1:
        return hashes[lo]
    mid = lo + split_point(hi - lo)
    return node_hash(_mth(hashes, lo, mid), _mth(hashes, mid, hi))


def inclusion_proof_ranges(index: int, tree_size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges [start, end) whose hashes make up an inclusion proof.

    The ranges follow RFC 9162 §2.1.3.1 (PATH) and are ordered as the proof is:
    the sibling nearest the leaf first, the one just below the root last.
    """
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} is outside a tree of size {tree_size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, tree_size
    while hi - lo > 1:
        mid = lo + split_point(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return ranges


def consistency_proof_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Return the leaf ranges [start, end) whose hashes make up a consistency proof.

    The ranges follow RFC 9162 §2.1.4.1 (PROOF / SUBPROOF), in proof order.
    A proof from the empty tree is undefined, so ``size1`` must be at least 1.
    """
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size2
    # Once the walk turns right, the old tree is no longer a whole subtree the
    # verifier already knows, so its last node must be sent too (SUBPROOF's b=false).
    turned_right = False
    while size1 < hi:
        mid = lo + split_point(hi - lo)
        if size1 <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
            turned_right = True
    if turned_right:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def _getter(reader: HashReader) -> _Getter:
    if isinstance(reader, SubtreeHashReader):
        return reader.subtree_hash

    def from_leaves(level: int, index: int) -> bytes:
        return _reduce(reader.leaf_hashes(index << level, (index + 1) << level), level)[0]

    return from_leaves


def _reduce(hashes: list[bytes], levels: int) -> list[bytes]:
    """Hash a row of complete subtrees ``levels`` times pairwise, moving up the tree."""
    for _ in range(levels):
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes


def _node_hash(get: _Getter, start: int, end: int) -> bytes:
    # A node [start, end) of an RFC 9162 tree splits into complete aligned
    # subtrees of decreasing size (the binary digits of end - start); its hash
    # folds them together from the right.
    parts: list[bytes] = []
    while start < end:
        level = (end - start).bit_length() - 1
        parts.append(get(level, start >> level))
        start += 1 << level
    result = parts.pop()
    while parts:
        result = node_hash(parts.pop(), result)
    return result


def range_hash(reader: HashReader, start: int, end: int) -> bytes:
    """Return the hash of the tree node that covers the leaves [start, end).

    ``start`` must be a multiple of the smallest power of two not below
    ``end - start``, which holds for every node of an RFC 9162 tree.
    """
    if not 0 <= start < end:
        raise ValueError(f"[{start}, {end}) is not a non-empty range of leaves")
    span = 1 << (end - start - 1).bit_length()
    if start % span:
        raise ValueError(f"[{start}, {end}) is not a node of any Merkle tree")
    return _node_hash(_getter(reader), start, end)


def tree_root(reader: HashReader, tree_size: int) -> bytes:
    """Return the root hash of the first ``tree_size`` leaves held by ``reader``."""
    if tree_size < 0:
        raise ValueError(f"tree size {tree_size} is negative")
    if tree_size == 0:
        return empty_root()
    return _node_hash(_getter(reader), 0, tree_size)


def subtree_hashes(reader: HashReader, level: int, start: int, end: int) -> list[bytes]:
    """Return the complete subtree hashes at ``level`` with indices [start, end)."""
    if level < 0 or not 0 <= start <= end:
        raise ValueError(f"no subtree hashes at level {level}, indices [{start}, {end})")
    if isinstance(reader, SubtreeHashReader):
        return [reader.subtree_hash(level, i) for i in range(start, end)]
    return _reduce(reader.leaf_hashes(start << level, end << level), level)


def inclusion_proof(reader: HashReader, index: int, tree_size: int) -> list[bytes]:
    """Return the RFC 9162 inclusion proof of leaf ``index`` in the tree of ``tree_size``."""
    get = _getter(reader)
    return [_node_hash(get, a, b) for a, b in inclusion_proof_ranges(index, tree_size)]


def consistency_proof(reader: HashReader, size1: int, size2: int) -> list[bytes]:
    """Return the RFC 9162 consistency proof between tree sizes ``size1`` and ``size2``."""
    get = _getter(reader)
    return [_node_hash(get, a, b) for a, b in consistency_proof_ranges(size1, size2)]


class MemoryTree:
    """An append-only Merkle tree held in memory, laid out as tlog hash storage.

    ``levels[L][N]`` is the hash of the complete subtree over the leaves
    [N·2^L, (N+1)·2^L); level 0 holds the leaf hashes. Appending adds at most
    one hash per level, and every root or proof costs O(log n) lookups.
    """

    def __init__(self, entries: Iterable[bytes] = ()) -> None:
        """Create a tree, optionally appending ``entries`` in order."""
        self._entries: list[bytes] = []
        self._levels: list[list[bytes]] = [[]]
        for entry in entries:
            self.append(entry)

    @property
    def size(self) -> int:
        """The number of entries in the tree."""
        return len(self._entries)

    def __len__(self) -> int:
        """Return the number of entries in the tree."""
        return len(self._entries)

    def append(self, entry: bytes) -> int:
        """Append an entry and return its index."""
        index = len(self._entries)
        self._entries.append(bytes(entry))
        levels = self._levels
        row = levels[0]
        row.append(leaf_hash(entry))
        level = 0
        # Each time a row gains an even-numbered hash, a subtree one level up
        # has just become complete.
        while not len(row) & 1:
            parent = node_hash(row[-2], row[-1])
            level += 1
            if level == len(levels):
                levels.append([])
            row = levels[level]
            row.append(parent)
        return index

    def entry(self, index: int) -> bytes:
        """Return the entry at ``index``."""
        if not 0 <= index < len(self._entries):
            raise ValueError(f"entry {index} is outside a tree of size {self.size}")
        return self._entries[index]

    def entries(self, start: int, end: int) -> list[bytes]:
        """Return the entries with indices in [start, end)."""
        self._check_range(start, end)
        return self._entries[start:end]

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """Return the leaf hashes with indices in [start, end)."""
        self._check_range(start, end)
        return self._levels[0][start:end]

    def subtree_hash(self, level: int, index: int) -> bytes:
        """Return the hash of the complete subtree at ``level`` and ``index``."""
        if 0 <= level < len(self._levels) and 0 <= index < len(self._levels[level]):
            return self._levels[level][index]
        raise ValueError(
            f"no complete subtree at level {level}, index {index} in a tree of size {self.size}"
        )

    def root(self, tree_size: int | None = None) -> bytes:
        """Return the root hash of the tree, or of its first ``tree_size`` entries."""
        return tree_root(self, self._size_or_current(tree_size))

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[bytes]:
        """Return the inclusion proof of entry ``index`` (in the current tree by default)."""
        return inclusion_proof(self, index, self._size_or_current(tree_size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Return the consistency proof from ``size1`` to ``size2`` (the current size)."""
        return consistency_proof(self, size1, self._size_or_current(size2))

    def _size_or_current(self, tree_size: int | None) -> int:
        if tree_size is None:
            return self.size
        if not 0 <= tree_size <= self.size:
            raise ValueError(f"tree size {tree_size} is outside 0..{self.size}")
        return tree_size

    def _check_range(self, start: int, end: int) -> None:
        if not 0 <= start <= end <= len(self._entries):
            raise ValueError(f"[{start}, {end}) is outside a tree of size {self.size}")
