"""C2SP tiled transparency logs (c2sp.org/tlog-tiles): paths, contents, bundles.

A tile at level L and index N holds up to 256 consecutive hashes at tree level
8·L, with indices [N·256, N·256 + width): level 0 tiles hold leaf hashes, and
each hash of a level L tile is the root of one full tile of level L-1. Tiles
are served at ``tile/<L>/<N>[.p/<W>]`` and the entries themselves, as entry
bundles, at ``tile/entries/<N>[.p/<W>]``. :class:`TileReader` turns fetched
tiles back into a :class:`~porchlight.ledger.tree.SubtreeHashReader`, so a
client can build any proof from tiles and check it against a checkpoint.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from porchlight.ledger.hashing import HASH_SIZE, node_hash
from porchlight.ledger.tree import HashReader, subtree_hashes

TILE_HEIGHT = 8
"""Tree levels spanned by one tile."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes in a full tile (256), and entries in a full entry bundle."""

MAX_TILE_LEVEL = 63
"""Highest tile level a path may name."""

MAX_ENTRY_SIZE = 0xFFFF
"""Largest entry an entry bundle can hold (its length prefix is a uint16)."""

_LENGTH = struct.Struct(">H")
_PATH = re.compile(
    r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?"
)


def encode_tile_index(index: int) -> str:
    """Encode a tile index as path elements: 1234067 becomes ``x001/x234/067``."""
    if index < 0:
        raise ValueError(f"tile index {index} is negative")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def _check_width(width: int) -> None:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} is outside 1..{TILE_WIDTH}")


def _suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


@dataclass(frozen=True, order=True)
class Tile:
    """A hash tile: its level, its index within the level and its width."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        """Reject levels, indices and widths no tile can have."""
        if not 0 <= self.level <= MAX_TILE_LEVEL:
            raise ValueError(f"tile level {self.level} is outside 0..{MAX_TILE_LEVEL}")
        if self.index < 0:
            raise ValueError(f"tile index {self.index} is negative")
        _check_width(self.width)

    @property
    def is_partial(self) -> bool:
        """Whether the tile holds fewer than 256 hashes."""
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        """The resource path, e.g. ``tile/0/x001/234`` or ``tile/1/005.p/17``."""
        return f"tile/{self.level}/{encode_tile_index(self.index)}{_suffix(self.width)}"

    @property
    def hash_level(self) -> int:
        """The tree level of the hashes in the tile (8 times the tile level)."""
        return self.level * TILE_HEIGHT

    @property
    def start(self) -> int:
        """Index, within :attr:`hash_level`, of the first hash in the tile."""
        return self.index * TILE_WIDTH

    @property
    def end(self) -> int:
        """Index, within :attr:`hash_level`, just past the last hash in the tile."""
        return self.start + self.width


@dataclass(frozen=True, order=True)
class EntryBundle:
    """An entry bundle: the entries matching one level 0 tile."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        """Reject indices and widths no bundle can have."""
        if self.index < 0:
            raise ValueError(f"entry bundle index {self.index} is negative")
        _check_width(self.width)

    @property
    def is_partial(self) -> bool:
        """Whether the bundle holds fewer than 256 entries."""
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        """The resource path, e.g. ``tile/entries/x001/234`` or ``tile/entries/000.p/3``."""
        return f"tile/entries/{encode_tile_index(self.index)}{_suffix(self.width)}"

    @property
    def start(self) -> int:
        """Index of the first entry in the bundle."""
        return self.index * TILE_WIDTH

    @property
    def end(self) -> int:
        """Index just past the last entry in the bundle."""
        return self.start + self.width


def parse_tile_path(path: str) -> Tile | EntryBundle:
    """Parse a tile or entry bundle path; only the canonical spelling is accepted."""
    match = _PATH.fullmatch(path)
    if match is None:
        raise ValueError(f"{path!r} is not a tile path")
    level, digits, width = match.groups()
    index = int(digits.replace("x", "").replace("/", ""))
    parsed: Tile | EntryBundle
    if level == "entries":
        parsed = EntryBundle(index, int(width) if width else TILE_WIDTH)
    else:
        parsed = Tile(int(level), index, int(width) if width else TILE_WIDTH)
    if parsed.path != path:
        raise ValueError(f"{path!r} is not the canonical path of {parsed.path!r}")
    return parsed


def _level_tiles(level: int, old_count: int, new_count: int) -> list[Tile]:
    """Tiles of one level that exist at ``new_count`` hashes but not at ``old_count``."""
    tiles = [Tile(level, n) for n in range(old_count // TILE_WIDTH, new_count // TILE_WIDTH)]
    if new_count % TILE_WIDTH and new_count != old_count:
        tiles.append(Tile(level, new_count // TILE_WIDTH, new_count % TILE_WIDTH))
    return tiles


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """Return the tiles, full and partial, that growing from ``old_size`` to ``new_size`` adds.

    These are what a log writes after publishing a checkpoint of ``new_size``.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"tree cannot grow from size {old_size} to {new_size}")
    tiles: list[Tile] = []
    level = 0
    while new_size >> (level * TILE_HEIGHT):
        shift = level * TILE_HEIGHT
        tiles += _level_tiles(level, old_size >> shift, new_size >> shift)
        level += 1
    return tiles


def tiles_for_size(tree_size: int) -> list[Tile]:
    """Return every tile, full and partial, of a tree of ``tree_size`` entries."""
    return new_tiles(0, tree_size)


def tile_for_size(level: int, index: int, tree_size: int) -> Tile:
    """Return tile ``level``/``index`` with the width it has in a tree of ``tree_size``."""
    count = tree_size >> (level * TILE_HEIGHT)
    width = min(count - index * TILE_WIDTH, TILE_WIDTH)
    if width <= 0:
        raise ValueError(f"a tree of size {tree_size} has no tile {level}/{index}")
    return Tile(level, index, width)


def entry_bundles_for_size(tree_size: int) -> list[EntryBundle]:
    """Return every entry bundle, full and partial, of a tree of ``tree_size`` entries."""
    full, rest = divmod(tree_size, TILE_WIDTH)
    bundles = [EntryBundle(n) for n in range(full)]
    if rest:
        bundles.append(EntryBundle(full, rest))
    return bundles


def tile_data(reader: HashReader, tile: Tile) -> bytes:
    """Return the contents of ``tile``: its hashes concatenated, read from ``reader``."""
    return b"".join(subtree_hashes(reader, tile.hash_level, tile.start, tile.end))


def read_tile(data: bytes, tile: Tile) -> list[bytes]:
    """Split fetched tile contents into hashes, checking the size matches the tile."""
    if len(data) != tile.width * HASH_SIZE:
        raise ValueError(f"{tile.path} has {len(data)} bytes, expected {tile.width * HASH_SIZE}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Encode entries as a bundle: each one prefixed by its big-endian uint16 length."""
    parts: list[bytes] = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"entry of {len(entry)} bytes exceeds {MAX_ENTRY_SIZE}")
        parts += (_LENGTH.pack(len(entry)), entry)
    return b"".join(parts)


def decode_entry_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """Decode an entry bundle; if ``width`` is given, require that many entries."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + _LENGTH.size > len(data):
            raise ValueError(f"entry bundle is truncated in a length prefix at byte {offset}")
        (length,) = _LENGTH.unpack_from(data, offset)
        offset += _LENGTH.size
        if offset + length > len(data):
            raise ValueError(f"entry bundle is truncated in entry {len(entries)}")
        entries.append(bytes(data[offset : offset + length]))
        offset += length
    if width is not None and len(entries) != width:
        raise ValueError(f"entry bundle has {len(entries)} entries, expected {width}")
    return entries


class TileReader:
    """A :class:`~porchlight.ledger.tree.SubtreeHashReader` backed by fetched tiles.

    ``fetch`` returns the contents of a tile (say, from HTTP or a blob store).
    Tiles are fetched at the width they have in a tree of ``tree_size`` and
    cached. Hashes read this way are unauthenticated: trust a root or proof
    built from them only once it verifies against a signed checkpoint.
    """

    def __init__(self, tree_size: int, fetch: Callable[[Tile], bytes]) -> None:
        """Read the tree of ``tree_size`` entries through ``fetch``."""
        if tree_size < 0:
            raise ValueError(f"tree size {tree_size} is negative")
        self.tree_size = tree_size
        self._fetch = fetch
        self._cache: dict[Tile, list[bytes]] = {}

    @property
    def fetched_tiles(self) -> list[Tile]:
        """The tiles fetched so far, in the order they were first needed."""
        return list(self._cache)

    def tile_hashes(self, tile: Tile) -> list[bytes]:
        """Return the hashes of ``tile``, fetching it on first use."""
        hashes = self._cache.get(tile)
        if hashes is None:
            hashes = self._cache[tile] = read_tile(self._fetch(tile), tile)
        return hashes

    def _hashes(self, level: int, start: int, end: int) -> list[bytes]:
        """Return the hashes at tile level ``level`` with indices [start, end)."""
        hashes: list[bytes] = []
        while start < end:
            n, offset = divmod(start, TILE_WIDTH)
            tile = tile_for_size(level, n, self.tree_size)
            taken = self.tile_hashes(tile)[offset : min(tile.width, offset + end - start)]
            if not taken:
                raise ValueError(f"{tile.path} has no hash at offset {offset}")
            hashes += taken
            start += len(taken)
        return hashes

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """Return the leaf hashes with indices in [start, end), from level 0 tiles."""
        if not 0 <= start <= end <= self.tree_size:
            raise ValueError(f"[{start}, {end}) is outside a tree of size {self.tree_size}")
        return self._hashes(0, start, end)

    def subtree_hash(self, level: int, index: int) -> bytes:
        """Return the hash of a complete subtree, hashing up from the tile below it."""
        if level < 0 or index < 0 or (index + 1) << level > self.tree_size:
            raise ValueError(
                f"no complete subtree at level {level}, index {index} "
                f"in a tree of size {self.tree_size}"
            )
        tile_level, height = divmod(level, TILE_HEIGHT)
        # The subtree spans 2^height aligned hashes of one tile, since 2^height divides 256.
        row = self._hashes(tile_level, index << height, (index + 1) << height)
        while len(row) > 1:
            row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        return row[0]
