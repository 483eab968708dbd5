"""C2SP checkpoints: body format, signing, opening, and use with proofs."""

from __future__ import annotations

import base64

import pytest

from porchlight.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    open_checkpoint,
    sign_checkpoint,
)
from porchlight.ledger.hashing import empty_root
from porchlight.ledger.note import NoteError, Signer
from porchlight.ledger.proofs import verify_consistency, verify_inclusion
from porchlight.ledger.tree import MemoryTree

ORIGIN = "porchlight.example/log"
ROOT = bytes(range(32))

# The example body of c2sp.org/tlog-checkpoint.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate(ORIGIN)


def test_the_spec_example_parses_and_prints_back() -> None:
    checkpoint = Checkpoint.parse(SPEC_BODY)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.to_body() == SPEC_BODY


def test_extension_lines_round_trip() -> None:
    checkpoint = Checkpoint(ORIGIN, 7, ROOT, ("ext one", "ext two"))
    body = checkpoint.to_body()
    assert body.splitlines()[3:] == ["ext one", "ext two"]
    assert Checkpoint.parse(body) == checkpoint


def test_the_empty_tree_has_size_zero() -> None:
    body = Checkpoint(ORIGIN, 0, empty_root()).to_body()
    assert body.splitlines()[1] == "0"
    assert Checkpoint.parse(body).size == 0


def test_signed_checkpoints_open(signer: Signer) -> None:
    checkpoint = Checkpoint(ORIGIN, 12, ROOT)
    signed = sign_checkpoint(checkpoint, signer)
    assert signed.startswith(checkpoint.to_body() + "\n\u2014 " + ORIGIN + " ")
    assert open_checkpoint(signed, signer.verifier()) == checkpoint


def test_a_changed_tree_size_is_rejected(signer: Signer) -> None:
    signed = sign_checkpoint(Checkpoint(ORIGIN, 12, ROOT), signer)
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(signed.replace("\n12\n", "\n13\n"), signer.verifier())


def test_a_checkpoint_signed_by_another_key_is_rejected(signer: Signer) -> None:
    other = Signer.generate(ORIGIN)
    signed = sign_checkpoint(Checkpoint(ORIGIN, 12, ROOT), other)
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        open_checkpoint(signed, signer.verifier())


def test_a_checkpoint_of_another_log_is_rejected(signer: Signer) -> None:
    signed = sign_checkpoint(Checkpoint("other.example/log", 12, ROOT), signer)
    with pytest.raises(CheckpointError, match=r"other\.example/log"):
        open_checkpoint(signed, signer.verifier())
    opened = open_checkpoint(signed, signer.verifier(), origin="other.example/log")
    assert opened.origin == "other.example/log"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("origin\n1\n" + base64.b64encode(ROOT).decode(), "end with a newline"),
        ("origin\n1\n", "needs an origin"),
        ("\n1\n" + base64.b64encode(ROOT).decode() + "\n", "origin is empty"),
        ("origin\n01\n" + base64.b64encode(ROOT).decode() + "\n", "not a decimal"),
        ("origin\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "not a decimal"),
        ("origin\n+1\n" + base64.b64encode(ROOT).decode() + "\n", "not a decimal"),
        ("origin\n\uff11\n" + base64.b64encode(ROOT).decode() + "\n", "not a decimal"),
        ("origin\n18446744073709551616\n" + base64.b64encode(ROOT).decode() + "\n", "is outside 0"),
        ("origin\n1\nnot base64!\n", "not valid base64"),
        ("origin\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "31 bytes"),
        ("origin\n1\n" + base64.b64encode(ROOT).decode() + "\n\n", "extension line is empty"),
        ("origin\n1\n" + base64.b64encode(ROOT).decode()[:-2] + "9=\n", "canonical"),
    ],
)
def test_malformed_bodies_are_rejected(body: str, complaint: str) -> None:
    with pytest.raises(CheckpointError, match=complaint):
        Checkpoint.parse(body)


def test_checkpoint_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="32"):
        Checkpoint(ORIGIN, 1, b"short")


def test_a_client_checks_a_log_with_checkpoints_and_proofs(signer: Signer) -> None:
    log = MemoryTree(f"agency:request:created {i}".encode() for i in range(40))
    old = open_checkpoint(
        sign_checkpoint(Checkpoint(ORIGIN, 25, log.root(25)), signer), signer.verifier()
    )
    new = open_checkpoint(
        sign_checkpoint(Checkpoint(ORIGIN, 40, log.root()), signer), signer.verifier()
    )
    verify_consistency(
        old.size, new.size, log.consistency_proof(old.size), old.root_hash, new.root_hash
    )
    leaf = log.leaf_hashes(31, 32)[0]
    verify_inclusion(leaf, 31, new.size, log.inclusion_proof(31), new.root_hash)
