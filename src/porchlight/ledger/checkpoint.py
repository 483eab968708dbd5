"""C2SP transparency log checkpoints (c2sp.org/tlog-checkpoint).

A checkpoint is a signed note whose text is the log's origin, the tree size
in decimal, the base64 root hash, and optional extension lines, each ending
in a newline.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from porchlight.ledger.hashing import HASH_SIZE
from porchlight.ledger.note import NoteError, Signer, Verifier, open_note, sign_note

MAX_TREE_SIZE = 2**64 - 1
"""Largest tree size a checkpoint may state (sizes are uint64 in the ecosystem)."""

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class CheckpointError(NoteError):
    """A checkpoint body is malformed or names the wrong log."""


def _check_line(line: str, what: str) -> None:
    if not line:
        raise CheckpointError(f"checkpoint {what} is empty")
    if any(ord(char) < 0x20 for char in line):
        raise CheckpointError(f"checkpoint {what} contains a control character")


@dataclass(frozen=True)
class Checkpoint:
    """The signed statement of a log: origin, tree size, root hash, extensions."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Reject values that cannot be written as a checkpoint body."""
        _check_line(self.origin, "origin")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"tree size {self.size} is outside 0..2^64-1")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(
                f"root hash is {len(self.root_hash)} bytes long, expected {HASH_SIZE}"
            )
        for line in self.extensions:
            _check_line(line, "extension line")

    def to_body(self) -> str:
        """Return the note text of this checkpoint."""
        root = base64.b64encode(self.root_hash).decode()
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse a checkpoint note text, rejecting anything but the canonical form."""
        if not body.endswith("\n"):
            raise CheckpointError("checkpoint must end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("checkpoint needs an origin, a tree size and a root hash")
        origin, size_line, root_line, *extensions = lines
        if not _SIZE.fullmatch(size_line):
            raise CheckpointError(f"tree size {size_line!r} is not a decimal number")
        try:
            root = base64.b64decode(root_line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CheckpointError("root hash is not valid base64") from exc
        if base64.b64encode(root).decode() != root_line:
            raise CheckpointError("root hash is not canonical base64")
        return cls(origin, int(size_line), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: Signer) -> str:
    """Sign a checkpoint with every signer and return the signed note."""
    return sign_note(checkpoint.to_body(), *signers)


def open_checkpoint(
    note_text: str | bytes, verifier: Verifier, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint and return it.

    The checkpoint must carry a valid signature by ``verifier`` and name the
    expected ``origin`` — by default the verifier's key name, since a log
    signs under its origin. Raises :class:`~porchlight.ledger.note.NoteError`
    (a ``ValueError``) on any failure.
    """
    note = open_note(note_text, verifier)
    checkpoint = Checkpoint.parse(note.text)
    expected = verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise CheckpointError(
            f"checkpoint is for the log {checkpoint.origin!r}, expected {expected!r}"
        )
    return checkpoint
