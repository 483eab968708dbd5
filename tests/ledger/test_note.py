"""C2SP signed notes: the Go reference example, round trips and rejections."""

from __future__ import annotations

import base64

import pytest

from porchlight.ledger.note import (
    MAX_SIGNATURES,
    NoteError,
    NoteSignature,
    Signer,
    Verifier,
    format_note,
    generate_key,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

# The example key and note of golang.org/x/mod/sumdb/note (its package
# documentation and note_test.go): a fixed, public known answer.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
GO_NOTE = GO_TEXT + "\n" + GO_SIGNATURE

TEXT = "porchlight.example/log\n42\nsome text\n"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate("porchlight.example/log")


def test_go_reference_keys_parse_and_print_back() -> None:
    signer = Signer.from_string(GO_SIGNER)
    verifier = Verifier.from_string(GO_VERIFIER)
    assert signer.name == verifier.name == "PeterNeumann"
    assert signer.key_id.hex() == verifier.key_id.hex() == "c74f20a3"
    assert signer.to_string() == GO_SIGNER
    assert verifier.to_string() == GO_VERIFIER
    assert signer.verifier().public_key == verifier.public_key
    assert key_id("PeterNeumann", verifier.public_key).hex() == "c74f20a3"


def test_signing_reproduces_the_go_reference_note() -> None:
    assert sign_note(GO_TEXT, Signer.from_string(GO_SIGNER)) == GO_NOTE


def test_the_go_reference_note_opens() -> None:
    note = open_note(GO_NOTE, Verifier.from_string(GO_VERIFIER))
    assert note.text == GO_TEXT
    assert [sig.name for sig in note.signatures] == ["PeterNeumann"]
    assert note.unverified == ()


def test_generated_keys_round_trip() -> None:
    skey, vkey = generate_key("porchlight.example/log")
    assert skey.startswith("PRIVATE+KEY+porchlight.example/log+")
    signed = sign_note(TEXT, Signer.from_string(skey))
    assert open_note(signed.encode(), [Verifier.from_string(vkey)]).text == TEXT


def test_a_modified_text_is_rejected(signer: Signer) -> None:
    signed = sign_note(TEXT, signer)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(signed.replace("42", "43"), signer.verifier())


def test_a_signature_from_another_key_is_not_trusted(signer: Signer) -> None:
    impostor = Signer.generate(signer.name)  # same name, different key and key id
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        open_note(sign_note(TEXT, impostor), signer.verifier())
    stranger = Signer.generate("someone.example/else")
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        open_note(sign_note(TEXT, stranger), signer.verifier())


def test_a_forged_signature_under_the_right_key_id_is_rejected(signer: Signer) -> None:
    impostor = Signer.generate("x.example")
    forged = NoteSignature(signer.name, signer.key_id, impostor.sign(TEXT.encode()))
    with pytest.raises(NoteError, match="does not verify"):
        open_note(format_note(TEXT, [forged]), signer.verifier())


def test_unknown_signatures_are_ignored(signer: Signer) -> None:
    witness = Signer.generate("witness.example")
    note = open_note(sign_note(TEXT, witness, signer), signer.verifier())
    assert [sig.name for sig in note.signatures] == [signer.name]
    assert [sig.name for sig in note.unverified] == ["witness.example"]


def test_a_bad_signature_from_a_known_key_rejects_the_note(signer: Signer) -> None:
    witness = Signer.generate("witness.example")
    good = sign_note(TEXT, signer)
    bad = NoteSignature(witness.name, witness.key_id, bytes(64))
    with pytest.raises(NoteError, match=r"witness\.example"):
        open_note(good + bad.to_line(), [signer.verifier(), witness.verifier()])


def test_the_text_may_contain_blank_lines(signer: Signer) -> None:
    text = "first\n\nthird\n\n"
    assert open_note(sign_note(text, signer), signer.verifier()).text == text


@pytest.mark.parametrize(
    ("message", "complaint"),
    [
        (GO_TEXT + GO_SIGNATURE, "no blank line"),
        (GO_NOTE[:-1], "end with a newline"),
        (GO_TEXT + "\n", "no signatures"),
        (GO_NOTE.replace("\u2014", "-"), "malformed signature line"),
        (GO_NOTE.replace("x08go", "x08g!"), "not valid base64"),
        (GO_NOTE.replace("PeterNeumann ", "Peter+Neumann "), "contains '\\+'"),
        (GO_NOTE.replace("\u2014 PeterNeumann", "\u2014  PeterNeumann"), "key name is empty"),
        (GO_NOTE.replace("problem,", "problem,\t"), "control character"),
        (GO_TEXT + "\n\u2014 PeterNeumann AAAA\n", "too short"),
        (GO_TEXT + "\n" + GO_SIGNATURE * (MAX_SIGNATURES + 1), "more than 100"),
    ],
)
def test_malformed_notes_are_rejected(message: str, complaint: str) -> None:
    with pytest.raises(NoteError, match=complaint):
        open_note(message, Verifier.from_string(GO_VERIFIER))


def test_invalid_utf8_is_rejected() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        parse_note(GO_NOTE.encode() + b"\xff\n")


def test_sixteen_signatures_are_accepted(signer: Signer) -> None:
    witnesses = [Signer.generate(f"witness{i}.example") for i in range(15)]
    note = open_note(sign_note(TEXT, signer, *witnesses), signer.verifier())
    assert len(note.unverified) == 15


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\there", "no\u00a0break"])
def test_bad_key_names_are_refused(name: str) -> None:
    with pytest.raises(NoteError, match="key name"):
        Signer.generate(name)


def test_text_must_end_with_a_newline(signer: Signer) -> None:
    with pytest.raises(NoteError, match="newline"):
        sign_note("no newline", signer)
    with pytest.raises(NoteError, match="at least one signature"):
        sign_note(TEXT)


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong id
        "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # algorithm 2
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10",  # truncated
        "PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # short id
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        GO_SIGNER,
    ],
)
def test_mangled_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(NoteError):
        Verifier.from_string(vkey)


@pytest.mark.parametrize(
    "skey",
    [
        GO_VERIFIER,
        GO_SIGNER.replace("c74f20a3", "00000000"),
        GO_SIGNER.replace("PRIVATE+KEY+", "PRIVATE+"),
        GO_SIGNER[:-4],
    ],
)
def test_mangled_signer_keys_are_refused(skey: str) -> None:
    with pytest.raises(NoteError):
        Signer.from_string(skey)


def test_a_signer_never_shows_its_private_key() -> None:
    signer = Signer.from_string(GO_SIGNER)
    seed_b64 = GO_SIGNER.rsplit("+", 1)[1]
    assert seed_b64 not in repr(signer)
    assert "c74f20a3" in repr(signer)


def test_signature_lines_use_an_em_dash_and_the_key_id(signer: Signer) -> None:
    line = sign_note(TEXT, signer).split("\n\n")[-1]
    assert line.startswith("\u2014 porchlight.example/log ")
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == signer.key_id
    assert len(raw) == 68
