"""Benchmark: the transparency log on SQLite, through the same code the server runs.

1. Durable appends per second through ``record`` + ``sequence`` at batch sizes 1, 100
   and 1,000: each batch is one committed transaction of events, then one sequencer
   run (tree rows, indexes and a signed checkpoint in one commit) and its tiles,
   entry bundles and checkpoint written to a local blob store (each file fsynced).
2. The time to produce an inclusion and a consistency proof from the SQL store of a
   log of 1,000,000 entries (built with bulk inserts), with a cold cache per proof.
3. SHA-256 over 64-byte inputs in the same process, as the ceiling: an append costs
   about two hashes (its leaf, and on average one interior node).

Run: PYTHONPATH=src .venv/bin/python bench/ledger.py [entries]
"""

from __future__ import annotations

import hashlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

try:
    from porchlight.blobs import LocalBlobStore
except ImportError:  # run from a checkout without PYTHONPATH=src
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from porchlight.blobs import LocalBlobStore

from sqlalchemy.engine import Engine

import porchlight.models  # noqa: F401 - every table, for the migration's foreign keys
from porchlight.db import make_engine, make_sessionmaker
from porchlight.ledger import MemoryTree, verify_consistency, verify_inclusion
from porchlight.migrate import upgrade
from porchlight.transparency import service
from porchlight.transparency.store import SqlTree

ROUNDS = {1: 300, 100: 30, 1000: 6}
PROOF_QUERIES = 300


def sha256_rate(seconds: float = 1.0) -> float:
    """SHA-256 hashes per second over 64-byte inputs (two child hashes)."""
    data = bytes(64)
    sha256 = hashlib.sha256
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10_000):
            sha256(data).digest()
        count += 10_000
    return count / (time.perf_counter() - start)


def appends_per_second(engine: Engine, blobs: LocalBlobStore, batch: int, rounds: int) -> float:
    """Events made durable per second: record a batch, commit, sequence it."""
    sessions = make_sessionmaker(engine)
    signer = service.log_signer("bench signing secret, not for production", "bench.example/log")
    agency = "a" * 32
    with sessions() as db:
        service.sequence(db, signer, blobs)
        start = time.perf_counter()
        for round_ in range(rounds):
            for n in range(batch):
                service.record(
                    db,
                    "agency:share:viewed",
                    agency_id=agency,
                    request_id=f"{round_:016x}{n:016x}",
                    counts={"views": 1},
                )
            db.commit()
            assert service.sequence(db, signer, blobs) == batch
        elapsed = time.perf_counter() - start
    return batch * rounds / elapsed


def build_million(engine: Engine, size: int) -> MemoryTree:
    """Fill the tree tables with ``size`` leaves in bulk; return the same tree in memory."""
    tree = MemoryTree(f"entry {n}".encode() for n in range(size))
    rows = (
        (level, index, tree.subtree_hash(level, index))
        for level in range(size.bit_length())
        for index in range(size >> level)
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("DELETE FROM transparency_tree_hashes")
        cursor.executemany(
            "INSERT INTO transparency_tree_hashes (level, idx, hash) VALUES (?, ?, ?)", rows
        )
        raw.commit()
    finally:
        raw.close()
    return tree


def median_seconds(work: Callable[[], object], queries: int) -> float:
    times = []
    for _ in range(queries):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def proofs(engine: Engine, tree: MemoryTree, size: int) -> tuple[float, float, int, int]:
    """Median seconds per inclusion and per consistency proof from the SQL store."""
    rng = random.Random(6962)
    sessions = make_sessionmaker(engine)
    root = tree.root()
    with sessions() as db:

        def one_inclusion() -> int:
            index = rng.randrange(size)
            proof = service.prove_inclusion(SqlTree(db), index, size)
            verify_inclusion(proof.leaf_hash, index, size, proof.hashes, root)
            return len(proof.hashes)

        def one_consistency() -> int:
            old = rng.randrange(1, size)
            proof = service.prove_consistency(SqlTree(db), old, size)
            verify_consistency(old, size, proof, tree.root(old), root)
            return len(proof)

        inclusion = median_seconds(one_inclusion, PROOF_QUERIES)
        consistency = median_seconds(one_consistency, PROOF_QUERIES)
        hashes = (one_inclusion(), one_consistency())
    return inclusion, consistency, hashes[0], hashes[1]


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    sha = sha256_rate()
    ceiling = sha / 2
    print(f"SHA-256 (64-byte inputs): {sha / 1e6:.2f} M hashes/s; append ceiling {ceiling:,.0f}/s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("\nDurable appends through record + sequence (SQLite WAL, tiles fsynced):")
        rates: dict[int, float] = {}
        for batch, rounds in ROUNDS.items():
            engine = make_engine(f"sqlite:///{folder / f'b{batch}.db'}")
            upgrade(engine)
            rate = appends_per_second(
                engine, LocalBlobStore(folder / f"blobs{batch}"), batch, rounds
            )
            engine.dispose()
            rates[batch] = rate
            print(
                f"  batch {batch:>5}: {rate:>10,.0f} events/s, {rate / batch:>7,.1f} checkpoints/s"
                f"  ratio to SHA-256 ceiling {rate / ceiling:.5f}"
            )
        print(f"  batching 1,000 events per checkpoint: {rates[1000] / rates[1]:.0f}x batch size 1")
        engine = make_engine(f"sqlite:///{folder / 'million.db'}")
        upgrade(engine)
        start = time.perf_counter()
        tree = build_million(engine, size)
        built = time.perf_counter() - start
        print(f"\nBuilt a log of {size:,} entries in the SQL store in {built:.1f} s")
        inclusion, consistency, n_inc, n_con = proofs(engine, tree, size)
        engine.dispose()
    rng = random.Random(9162)
    memory = median_seconds(lambda: tree.inclusion_proof(rng.randrange(size)), PROOF_QUERIES)
    for name, seconds, hashes in (
        ("inclusion", inclusion, n_inc),
        ("consistency", consistency, n_con),
    ):
        rate = hashes / seconds
        print(
            f"  {name:<11} proof: {seconds * 1e6:8.1f} µs median ({hashes} hashes, verified); "
            f"{rate / 1e3:,.1f} k proof hashes/s = {rate / sha:.4f} of SHA-256"
        )
    ratio = inclusion / memory
    print(
        f"  (an inclusion proof from a MemoryTree: {memory * 1e6:.1f} µs; SQL costs {ratio:.0f}x)"
    )


if __name__ == "__main__":
    main()
