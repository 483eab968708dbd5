"""The public log over HTTP: C2SP checkpoint, key and tiles, and the JSON helpers."""

from __future__ import annotations

import base64
from collections.abc import Callable

from fastapi.testclient import TestClient

from porchlight.ledger import (
    EntryBundle,
    MemoryTree,
    Tile,
    TileReader,
    Verifier,
    decode_entry_bundle,
    entry_bundles_for_size,
    leaf_hash,
    open_checkpoint,
    tiles_for_size,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from porchlight.transparency import service
from porchlight.transparency.service import LogPublisher
from tests.conftest import World

SIZE = 600  # two full tiles and entry bundles, a partial one, and a level 1 tile


def _fill(world: World, sequence: Callable[[], int], batches: tuple[int, ...]) -> None:
    for batch in batches:
        with world.sessions.begin() as db:
            for n in range(batch):
                service.record(db, "agency:request:created", request_id=f"{n:032x}")
        sequence()


def _fetch(client: TestClient) -> Callable[[Tile], bytes]:
    def fetch(tile: Tile) -> bytes:
        response = client.get("/log/" + tile.path)
        assert response.status_code == 200, (tile.path, response.text)
        assert response.headers["content-type"] == "application/octet-stream"
        return response.content

    return fetch


def test_checkpoint_verifies_with_the_published_key(
    client: TestClient, world: World, sequence: Callable[[], int]
) -> None:
    assert client.get("/log/checkpoint").status_code == 404
    _fill(world, sequence, (5,))
    key = client.get("/log/key")
    assert key.headers["content-type"].startswith("text/plain")
    verifier = Verifier.from_string(key.text.strip())
    note = client.get("/log/checkpoint")
    assert note.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint = open_checkpoint(note.text, verifier)
    assert (checkpoint.origin, checkpoint.size) == ("porchlight.example/log", 5)
    info = client.get("/api/v1/log").json()
    assert info["tree_size"] == 5
    assert info["key"] == key.text.strip()
    assert base64.b64decode(info["root_hash"]) == checkpoint.root_hash


def test_tiles_follow_the_tlog_tiles_layout_and_rebuild_the_root(
    client: TestClient, world: World, sequence: Callable[[], int], public_log: LogPublisher
) -> None:
    _fill(world, sequence, (1, 299, 300))
    verifier = Verifier.from_string(client.get("/log/key").text.strip())
    checkpoint = open_checkpoint(client.get("/log/checkpoint").text, verifier)
    assert checkpoint.size == SIZE
    paths = {t.path for t in tiles_for_size(SIZE)}
    assert paths == {"tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2"}
    stored = set(public_log.blobs.list("log/tile/"))
    assert {"log/" + p for p in paths} <= stored
    assert {"log/tile/entries/000", "log/tile/entries/001", "log/tile/entries/002.p/88"} <= stored

    reader = TileReader(SIZE, _fetch(client))
    assert tree_root(reader, SIZE) == checkpoint.root_hash
    entries: list[bytes] = []
    for bundle in entry_bundles_for_size(SIZE):
        response = client.get("/log/" + bundle.path)
        assert response.status_code == 200
        entries += decode_entry_bundle(response.content, bundle.width)
    assert MemoryTree(entries).root() == checkpoint.root_hash


def test_tiles_missing_from_the_blob_store_are_computed_from_the_database(
    client: TestClient, world: World, sequence: Callable[[], int], public_log: LogPublisher
) -> None:
    _fill(world, sequence, (SIZE,))
    served = {p: client.get("/log/" + p).content for p in ("tile/0/001", "tile/entries/002.p/88")}
    for path in served:
        public_log.blobs.delete("log/" + path)
    for path, content in served.items():
        assert client.get("/log/" + path).content == content
    # An older partial tile is still served: its contents never change.
    assert len(client.get("/log/tile/0/000.p/7").content) == 7 * 32


def test_tiles_and_entries_outside_the_log_are_not_found(
    client: TestClient, world: World, sequence: Callable[[], int]
) -> None:
    _fill(world, sequence, (3,))
    for path in (
        "tile/0/000",
        "tile/0/000.p/4",
        "tile/0/001.p/1",
        "tile/1/000.p/1",
        "tile/entries/000.p/4",
        "tile/0/x001/000",
        "tile/0/0",
        "tile/0/000.p/0",
    ):
        response = client.get("/log/" + path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/log/entries/3").status_code == 404
    assert client.get("/api/v1/log/entries/-1").status_code == 404
    assert client.get("/api/v1/log/entries/x").status_code == 422
    assert client.get("/api/v1/log/entries/0/proof?tree_size=4").status_code == 422
    assert client.get("/api/v1/log/entries/2/proof?tree_size=2").status_code == 422
    assert client.get("/api/v1/log/consistency/0/3").status_code == 422
    assert client.get("/api/v1/log/consistency/2/4").status_code == 422
    assert client.get("/api/v1/log/consistency/3/2").status_code == 422


def test_json_helpers_give_proofs_that_verify(
    client: TestClient, world: World, sequence: Callable[[], int]
) -> None:
    _fill(world, sequence, (7, 10))
    info = client.get("/api/v1/log").json()
    root = base64.b64decode(info["root_hash"])
    entry = client.get("/api/v1/log/entries/12").json()
    raw = base64.b64decode(entry["entry_base64"])
    assert entry["entry"]["event"] == "agency:request:created"
    assert base64.b64decode(entry["leaf_hash"]) == leaf_hash(raw)
    proof = client.get("/api/v1/log/entries/12/proof").json()
    assert proof["tree_size"] == 17
    hashes = [base64.b64decode(h) for h in proof["proof"]]
    verify_inclusion(leaf_hash(raw), 12, 17, hashes, root)
    older = client.get("/api/v1/log/entries/3/proof?tree_size=7").json()
    old_root = base64.b64decode(older["root_hash"])
    consistency = client.get("/api/v1/log/consistency/7/17").json()
    hashes = [base64.b64decode(h) for h in consistency["proof"]]
    verify_consistency(7, 17, hashes, old_root, root)


def test_entry_bundles_hold_the_exact_entry_bytes(
    client: TestClient, world: World, sequence: Callable[[], int]
) -> None:
    _fill(world, sequence, (2,))
    bundle = EntryBundle(0, 2)
    entries = decode_entry_bundle(client.get("/log/" + bundle.path).content, 2)
    for index, raw in enumerate(entries):
        served = client.get(f"/api/v1/log/entries/{index}").json()
        assert base64.b64decode(served["entry_base64"]) == raw
