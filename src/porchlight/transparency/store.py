"""The log's Merkle tree kept in SQL tables, as tlog hash storage.

``transparency_tree_hashes`` holds, for every level L, the hash of each complete
aligned subtree over the leaves [N·2^L, (N+1)·2^L); level 0 holds the leaf hashes.
Appending k leaves writes at most k + log2(n) rows, a root or a proof costs
O(log n) primary-key reads, and a tile is one range read: a tile of level L is the
row of hashes at tree level 8·L.  :class:`SqlTree` is a
:class:`~porchlight.ledger.SubtreeHashReader`, so the ledger's proof code runs on it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from porchlight.ledger import Tile, leaf_hash, node_hash
from porchlight.ledger.tiles import TILE_HEIGHT
from porchlight.transparency.models import LogEvent, TreeHash


class SqlTree:
    """The tree of the log, read and extended through one session."""

    def __init__(self, db: Session) -> None:
        self.db = db
        # Stored hashes never change, so they can be remembered for the session.
        self._cache: dict[tuple[int, int], bytes] = {}

    def size(self) -> int:
        """The number of leaves stored."""
        last = self.db.scalar(select(func.max(TreeHash.idx)).where(TreeHash.level == 0))
        return 0 if last is None else int(last) + 1

    def hashes(self, level: int, start: int, end: int) -> list[bytes]:
        """The stored hashes at ``level`` with indices [start, end), in one range read."""
        if start >= end:
            return []
        rows = self.db.execute(
            select(TreeHash.idx, TreeHash.hash)
            .where(TreeHash.level == level, TreeHash.idx >= start, TreeHash.idx < end)
            .order_by(TreeHash.idx)
        ).all()
        if len(rows) != end - start or (rows and rows[0][0] != start):
            raise ValueError(f"the tree has no hashes at level {level} for [{start}, {end})")
        return [bytes(row[1]) for row in rows]

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """Return the leaf hashes with indices in [start, end)."""
        return self.hashes(0, start, end)

    def subtree_hash(self, level: int, index: int) -> bytes:
        """Return the hash of the complete subtree at ``level`` and ``index``."""
        key = (level, index)
        found = self._cache.get(key)
        if found is None:
            value = self.db.scalar(
                select(TreeHash.hash).where(TreeHash.level == level, TreeHash.idx == index)
            )
            if value is None:
                raise ValueError(f"the tree has no complete subtree at level {level}, {index}")
            found = self._cache[key] = bytes(value)
        return found

    def prefetch(self, nodes: Iterable[tuple[int, int]]) -> None:
        """Read, in one query, every stored hash that the nodes [start, end) fold together.

        A proof is a list of such nodes; fetching their hashes up front turns its
        O(log n) point reads into a single round trip.
        """
        wanted: set[tuple[int, int]] = set()
        for start, end in nodes:
            while start < end:
                level = (end - start).bit_length() - 1
                wanted.add((level, start >> level))
                start += 1 << level
        wanted -= self._cache.keys()
        if not wanted:
            return
        ordered = sorted(wanted)
        # Plain SQL: building this OR of pairs as SQLAlchemy expressions costs more than
        # running it, and each (level = ? AND idx = ?) term is one primary-key lookup.
        terms = " OR ".join(f"(level = :l{n} AND idx = :i{n})" for n in range(len(ordered)))
        params: dict[str, int] = {}
        for n, (level, index) in enumerate(ordered):
            params[f"l{n}"], params[f"i{n}"] = level, index
        sql = f"SELECT level, idx, hash FROM transparency_tree_hashes WHERE {terms}"  # noqa: S608
        for level, index, value in self.db.execute(text(sql), params):
            self._cache[(int(level), int(index))] = bytes(value)

    def tile_data(self, tile: Tile) -> bytes:
        """The contents of a tile: its row of hashes, concatenated."""
        return b"".join(self.hashes(tile.level * TILE_HEIGHT, tile.start, tile.end))

    def entries(self, start: int, end: int) -> list[bytes]:
        """The log entries with indices [start, end)."""
        rows = self.db.execute(
            select(LogEvent.leaf_index, LogEvent.entry)
            .where(LogEvent.leaf_index >= start, LogEvent.leaf_index < end)
            .order_by(LogEvent.leaf_index)
        ).all()
        if len(rows) != end - start:
            raise ValueError(f"the log has no entries for [{start}, {end})")
        return [bytes(row[1]) for row in rows]

    def append(self, old_size: int, entries: list[bytes]) -> int:
        """Add the leaves of ``entries`` after ``old_size`` leaves; return the new size.

        Writes every leaf hash and every subtree hash the new leaves complete.  Only
        the unpaired left sibling of each level is read back, so a batch costs
        O(k + log n) row writes and O(log n) reads.
        """
        rows: list[dict[str, object]] = []
        row = [(old_size + i, leaf_hash(entry)) for i, entry in enumerate(entries)]
        level = 0
        while row:
            rows += ({"level": level, "idx": i, "hash": h} for i, h in row)
            if row[0][0] & 1:
                # The first new hash completes a pair with a stored left sibling.
                left = row[0][0] - 1
                row.insert(0, (left, self.subtree_hash(level, left)))
            for i, h in row:
                self._cache[(level, i)] = h
            row = [
                (row[k][0] >> 1, node_hash(row[k][1], row[k + 1][1]))
                for k in range(0, len(row) - 1, 2)
            ]
            level += 1
        if rows:
            self.db.execute(insert(TreeHash), rows)
        return old_size + len(entries)
