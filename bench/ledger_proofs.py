"""Benchmark: inclusion and consistency proofs from a MemoryTree of 1,000,000 entries.

Prints the median time to produce (and to verify) a proof over random queries,
and compares the rate at which proofs deliver hashes with raw SHA-256 on
64-byte inputs measured in the same process, so the ratio stays meaningful on
noisy machines.

Run: PYTHONPATH=src .venv/bin/python bench/ledger_proofs.py [entries] [queries]
"""

from __future__ import annotations

import hashlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

try:
    from porchlight.ledger import MemoryTree, verify_consistency, verify_inclusion
except ImportError:  # run from a checkout without PYTHONPATH=src
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from porchlight.ledger import MemoryTree, verify_consistency, verify_inclusion


def sha256_rate(seconds: float = 1.0) -> float:
    """Return SHA-256 hashes per second over 64-byte inputs (two child hashes)."""
    data = bytes(64)
    sha256 = hashlib.sha256
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(10_000):
            sha256(data).digest()
        count += 10_000
    return count / (time.perf_counter() - start)


def median_time(calls: list[Callable[[], object]]) -> float:
    """Return the median wall time of the calls, in seconds."""
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Build the tree, time the proofs, print the results."""
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    queries = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(6962)

    start = time.perf_counter()
    tree = MemoryTree()
    for i in range(entries):
        tree.append(i.to_bytes(8, "big"))
    build = time.perf_counter() - start
    size = tree.size
    root = tree.root()
    print(f"built a tree of {size:,} entries in {build:.2f} s ({size / build:,.0f} appends/s)")

    indices = [rng.randrange(size) for _ in range(queries)]
    olds = [rng.randrange(1, size) for _ in range(queries)]

    incl = median_time([partial(tree.inclusion_proof, i) for i in indices])
    cons = median_time([partial(tree.consistency_proof, s) for s in olds])
    root_time = median_time([partial(tree.root, s) for s in olds])
    incl_len = statistics.mean(len(tree.inclusion_proof(i)) for i in indices)
    cons_len = statistics.mean(len(tree.consistency_proof(s)) for s in olds)

    leaves = {i: tree.leaf_hashes(i, i + 1)[0] for i in indices}
    incl_proofs = {i: tree.inclusion_proof(i) for i in indices}
    cons_proofs = {s: (tree.root(s), tree.consistency_proof(s)) for s in olds}
    verify_incl = median_time(
        [partial(verify_inclusion, leaves[i], i, size, incl_proofs[i], root) for i in indices]
    )
    verify_cons = median_time(
        [
            partial(verify_consistency, s, size, cons_proofs[s][1], cons_proofs[s][0], root)
            for s in olds
        ]
    )

    raw = sha256_rate()
    print(f"baseline: hashlib SHA-256 over 64-byte inputs: {raw:,.0f} hashes/s")
    print(
        f"rehashing all {size:,} leaves for one proof would cost ~{2 * size:,} SHA-256 "
        f"= {2 * size / raw:.2f} s"
    )
    print(f"queries: {queries} random, against the tree of {size:,}")
    for name, seconds, hashes in [
        ("inclusion proof", incl, incl_len),
        ("consistency proof", cons, cons_len),
    ]:
        rate = hashes / seconds
        print(
            f"{name:>19}: median {seconds * 1e6:6.1f} us, {hashes:4.1f} hashes/proof, "
            f"{rate:,.0f} proof hashes/s = {rate / raw:.3f} x raw SHA-256"
        )
    print(f"{'root of past size':>19}: median {root_time * 1e6:6.1f} us")
    for name, seconds, hashes in [
        ("verify inclusion", verify_incl, incl_len),
        ("verify consistency", verify_cons, cons_len * 2),
    ]:
        print(
            f"{name:>19}: median {seconds * 1e6:6.1f} us "
            f"(~{hashes:.0f} SHA-256 = {hashes / raw * 1e6:.1f} us of raw hashing)"
        )


if __name__ == "__main__":
    main()
