"""C2SP tlog-tiles: paths, which tiles exist, tile contents, entry bundles, reading back."""

from __future__ import annotations

import pytest

from porchlight.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from porchlight.ledger.hashing import leaf_hash
from porchlight.ledger.note import Signer
from porchlight.ledger.proofs import verify_consistency, verify_inclusion
from porchlight.ledger.tiles import (
    MAX_ENTRY_SIZE,
    EntryBundle,
    Tile,
    TileReader,
    decode_entry_bundle,
    encode_entry_bundle,
    encode_tile_index,
    entry_bundles_for_size,
    new_tiles,
    parse_tile_path,
    read_tile,
    tile_data,
    tile_for_size,
    tiles_for_size,
)
from porchlight.ledger.tree import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    root_hash,
    tree_root,
)

BIG = 70_000  # large enough for a level 2 tile, as in the spec's example


@pytest.fixture(scope="module")
def big_tree() -> MemoryTree:
    return MemoryTree(i.to_bytes(4, "big") for i in range(BIG))


@pytest.mark.parametrize(
    ("index", "encoded"),
    [
        (0, "000"),
        (7, "007"),
        (999, "999"),
        (1000, "x001/000"),
        (1234, "x001/234"),
        (1234067, "x001/x234/067"),
        (1_000_000_000, "x001/x000/x000/000"),
    ],
)
def test_tile_indices_are_split_into_three_digit_elements(index: int, encoded: str) -> None:
    assert encode_tile_index(index) == encoded


def test_paths_of_the_spec_examples() -> None:
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert Tile(0, 1234).path == "tile/0/x001/234"
    assert Tile(1, 0, 17).path == "tile/1/000.p/17"
    assert EntryBundle(1234067).path == "tile/entries/x001/x234/067"
    assert EntryBundle(273, 112).path == "tile/entries/273.p/112"


@pytest.mark.parametrize(
    "resource",
    [Tile(0, 1234067), Tile(63, 5, 255), Tile(2, 0, 1), EntryBundle(0, 3), EntryBundle(1001)],
)
def test_paths_parse_back(resource: Tile | EntryBundle) -> None:
    assert parse_tile_path(resource.path) == resource


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1234",
        "tile/0/x001/x234/67",
        "tile/0/x000/001",
        "tile/00/000",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/007",
        "tile/entries/000.p/",
        "tile/0/000/",
        "/tile/0/000",
    ],
)
def test_non_canonical_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match=r"tile path|canonical|outside"):
        parse_tile_path(path)


def test_tiles_of_the_spec_example_tree() -> None:
    tiles = tiles_for_size(70_000)
    level0 = [t for t in tiles if t.level == 0]
    assert len(level0) == 274
    assert all(not t.is_partial for t in level0[:273])
    assert level0[-1] == Tile(0, 273, 112)
    assert [t for t in tiles if t.level > 0] == [Tile(1, 0), Tile(1, 1, 17), Tile(2, 0, 1)]


def test_a_tree_of_256_has_a_partial_level_one_tile() -> None:
    assert tiles_for_size(256) == [Tile(0, 0), Tile(1, 0, 1)]
    assert tiles_for_size(0) == []


def test_new_tiles_are_the_difference_between_sizes() -> None:
    sizes = [0, 1, 255, 256, 257, 511, 512, 65535, 65536, 65537, 70_000]
    for old in sizes:
        for new in sizes:
            if old <= new:
                expected = set(tiles_for_size(new)) - set(tiles_for_size(old))
                assert sorted(new_tiles(old, new)) == sorted(expected)
    with pytest.raises(ValueError, match="cannot grow"):
        new_tiles(5, 4)


def test_tile_widths_depend_on_the_tree_size() -> None:
    assert tile_for_size(0, 0, 1000) == Tile(0, 0)
    assert tile_for_size(0, 3, 1000) == Tile(0, 3, 232)
    assert tile_for_size(1, 0, 1000) == Tile(1, 0, 3)
    with pytest.raises(ValueError, match="has no tile"):
        tile_for_size(0, 4, 1000)


def test_entry_bundles_for_a_size() -> None:
    assert entry_bundles_for_size(600) == [EntryBundle(0), EntryBundle(1), EntryBundle(2, 88)]
    assert entry_bundles_for_size(512) == [EntryBundle(0), EntryBundle(1)]


def test_entry_bundles_are_length_prefixed() -> None:
    entries = [b"a", b"", b"\x00" * 300]
    data = encode_entry_bundle(entries)
    assert data[:6] == b"\x00\x01a\x00\x00\x01"
    assert decode_entry_bundle(data) == entries
    assert decode_entry_bundle(data, width=3) == entries


def test_entry_bundles_hold_entries_up_to_65535_bytes() -> None:
    largest = b"x" * MAX_ENTRY_SIZE
    assert decode_entry_bundle(encode_entry_bundle([largest])) == [largest]
    with pytest.raises(ValueError, match="exceeds 65535"):
        encode_entry_bundle([largest + b"x"])


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"\x00", "length prefix"),
        (b"\x00\x05abc", "truncated in entry 0"),
        (b"\x00\x01a\x00\x02b", "truncated in entry 1"),
    ],
)
def test_truncated_bundles_are_refused(data: bytes, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        decode_entry_bundle(data)


def test_bundle_width_is_checked() -> None:
    with pytest.raises(ValueError, match="expected 2"):
        decode_entry_bundle(encode_entry_bundle([b"a"]), width=2)


def test_tile_contents_are_the_stored_hashes(big_tree: MemoryTree) -> None:
    level0 = tile_data(big_tree, Tile(0, 1))
    assert level0 == b"".join(big_tree.leaf_hashes(256, 512))
    level1 = read_tile(tile_data(big_tree, Tile(1, 1, 17)), Tile(1, 1, 17))
    assert level1[2] == root_hash(big_tree.leaf_hashes(258 * 256, 259 * 256))
    level2 = tile_data(big_tree, Tile(2, 0, 1))
    assert level2 == root_hash(big_tree.leaf_hashes(0, 65536))
    bundle = EntryBundle(273, 112)
    entries = decode_entry_bundle(encode_entry_bundle(big_tree.entries(bundle.start, bundle.end)))
    assert [leaf_hash(e) for e in entries] == read_tile(
        tile_data(big_tree, Tile(0, 273, 112)), Tile(0, 273, 112)
    )


def test_short_tile_data_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 8192"):
        read_tile(b"\x00" * 8160, Tile(0, 0))


@pytest.mark.parametrize("size", [1, 255, 256, 257, 1000, 65536, 65537, BIG])
def test_proofs_rebuilt_from_tiles_match(big_tree: MemoryTree, size: int) -> None:
    fetched: list[Tile] = []

    def fetch(tile: Tile) -> bytes:
        fetched.append(tile)
        return tile_data(big_tree, tile)

    reader = TileReader(size, fetch)
    assert reader.leaf_hashes(0, min(size, 300)) == big_tree.leaf_hashes(0, min(size, 300))
    assert tree_root(reader, size) == big_tree.root(size)
    for index in sorted({0, size // 3, size // 2, size - 1}):
        assert inclusion_proof(reader, index, size) == big_tree.inclusion_proof(index, size)
    for size1 in sorted({1, size // 2 or 1, size}):
        assert consistency_proof(reader, size1, size) == big_tree.consistency_proof(size1, size)
    assert len(fetched) == len(set(fetched))  # each tile is fetched once
    assert all(t in tiles_for_size(size) for t in set(fetched))


def test_a_single_proof_needs_few_tiles(big_tree: MemoryTree) -> None:
    reader = TileReader(BIG, lambda t: tile_data(big_tree, t))
    inclusion_proof(reader, 12345, BIG)
    consistency_proof(reader, 12345, BIG)
    # One tile per level on the path, plus the partial tiles on the right edge.
    assert len(reader.fetched_tiles) <= 6


def test_a_tile_of_the_wrong_size_is_refused(big_tree: MemoryTree) -> None:
    reader = TileReader(1000, lambda t: tile_data(big_tree, Tile(t.level, t.index)))
    with pytest.raises(ValueError, match="expected"):
        inclusion_proof(reader, 999, 1000)


def test_a_client_verifies_against_a_checkpoint_from_tiles(big_tree: MemoryTree) -> None:
    signer = Signer.generate("porchlight.example/log")
    signed = sign_checkpoint(Checkpoint(signer.name, 5000, big_tree.root(5000)), signer)
    checkpoint = open_checkpoint(signed, signer.verifier())
    reader = TileReader(checkpoint.size, lambda t: tile_data(big_tree, t))
    leaf = leaf_hash((4321).to_bytes(4, "big"))
    proof = inclusion_proof(reader, 4321, checkpoint.size)
    verify_inclusion(leaf, 4321, checkpoint.size, proof, checkpoint.root_hash)
    proof = consistency_proof(reader, 1000, checkpoint.size)
    verify_consistency(1000, checkpoint.size, proof, big_tree.root(1000), checkpoint.root_hash)
