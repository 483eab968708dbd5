"""Porchlight's transparency log, as a pure library.

RFC 6962 / RFC 9162 Merkle tree hashing, roots and proofs; their verifiers;
C2SP signed notes, checkpoints and tiles. It imports only the standard library
and ``cryptography``, so the server, the agent and ``porchlight verify`` share it.
"""

from porchlight.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    open_checkpoint,
    sign_checkpoint,
)
from porchlight.ledger.hashing import HASH_SIZE, empty_root, leaf_hash, node_hash
from porchlight.ledger.note import (
    Note,
    NoteError,
    NoteSignature,
    Signer,
    Verifier,
    format_note,
    generate_key,
    open_note,
    parse_note,
    sign_note,
)
from porchlight.ledger.proofs import ProofError, verify_consistency, verify_inclusion
from porchlight.ledger.tiles import (
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
    HashReader,
    MemoryTree,
    SubtreeHashReader,
    consistency_proof,
    consistency_proof_ranges,
    inclusion_proof,
    inclusion_proof_ranges,
    range_hash,
    root_hash,
    subtree_hashes,
    tree_root,
)

__all__ = [
    "HASH_SIZE",
    "Checkpoint",
    "CheckpointError",
    "EntryBundle",
    "HashReader",
    "MemoryTree",
    "Note",
    "NoteError",
    "NoteSignature",
    "ProofError",
    "Signer",
    "SubtreeHashReader",
    "Tile",
    "TileReader",
    "Verifier",
    "consistency_proof",
    "consistency_proof_ranges",
    "decode_entry_bundle",
    "empty_root",
    "encode_entry_bundle",
    "encode_tile_index",
    "entry_bundles_for_size",
    "format_note",
    "generate_key",
    "inclusion_proof",
    "inclusion_proof_ranges",
    "leaf_hash",
    "new_tiles",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_note",
    "parse_tile_path",
    "range_hash",
    "read_tile",
    "root_hash",
    "sign_checkpoint",
    "sign_note",
    "subtree_hashes",
    "tile_data",
    "tile_for_size",
    "tiles_for_size",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]
