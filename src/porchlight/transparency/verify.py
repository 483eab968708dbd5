"""``porchlight verify``: check a Porchlight transparency log from the outside.

This is a client: it imports only httpx, rich and the pure libraries (no server
code), and it trusts nothing the server says until a signature or a proof vouches
for it.  It fetches the signed checkpoint, checks the signature with the pinned key,
and proves from the log's tiles that the new tree extends the last one it verified
(kept in a small state file).  It can also prove one entry's inclusion, check an
owner's receipt, or download every entry and rebuild the root.  Any failure is
reported and exits non-zero; the state file only ever records verified checkpoints.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress as RichProgress

from porchlight.ledger import (
    Checkpoint,
    EntryBundle,
    NoteError,
    ProofError,
    Tile,
    TileReader,
    Verifier,
    consistency_proof,
    decode_entry_bundle,
    entry_bundles_for_size,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from porchlight.ledger.tiles import TILE_WIDTH
from porchlight.transparency.entries import check_opening

Progress = Callable[[str, int, int], None]
MAX_NOTE = 64 * 1024
MAX_BUNDLE = TILE_WIDTH * (2 + 0xFFFF)


class VerifyError(Exception):
    """The log could not be verified: ``invalid`` (it misbehaved) or ``error`` (no answer)."""

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class State:
    """The last checkpoint this client verified, and the key it pinned."""

    origin: str
    key: str
    size: int
    root_hash: str
    checkpoint: str

    @classmethod
    def load(cls, path: Path) -> State | None:
        """Read the state file; ``None`` if there is none yet."""
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
            state = cls(**{name: data[name] for name in cls.__dataclass_fields__})
            Verifier.from_string(state.key)
            base64.b64decode(state.root_hash, validate=True)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VerifyError(f"the state file {path} is unreadable: {exc}", "error") from None
        return state

    def save(self, path: Path) -> None:
        """Write the state file atomically, so that a crash never leaves half of one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".porchlight-state-")
        with os.fdopen(fd, "w") as out:
            json.dump(asdict(self), out, indent=2)
            out.write("\n")
        os.replace(tmp, path)


@dataclass(frozen=True)
class Outcome:
    """What was verified."""

    checkpoint: Checkpoint
    key: str
    key_pinned_now: bool
    previous_size: int | None
    entry: bytes | None = None
    receipt_event: dict[str, Any] | None = None
    audited: int = 0


class LogReader:
    """Reads ``/log/...`` from a server, refusing answers of the wrong shape or size."""

    def __init__(self, server: str, http: httpx.Client | None = None) -> None:
        if not server.startswith(("http://", "https://")):
            raise VerifyError(f"{server!r} is not an http:// or https:// URL", "error")
        self.base = server.rstrip("/") + "/log/"
        self.http = http or httpx.Client(timeout=30.0, follow_redirects=False)

    def get(self, path: str, limit: int) -> bytes:
        """The body of ``/log/<path>``, at most ``limit`` bytes."""
        url = self.base + path
        try:
            with self.http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise VerifyError(
                        f"GET {url} answered {response.status_code}",
                        "invalid" if response.status_code == 404 else "error",
                    )
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise VerifyError(f"GET {url} answered more than {limit} bytes")
                return body
        except httpx.HTTPError as exc:
            raise VerifyError(f"cannot reach {url}: {exc}", "error") from None

    def tile(self, tile: Tile) -> bytes:
        """A hash tile (its size is checked by :class:`TileReader`)."""
        return self.get(tile.path, tile.width * 32)

    def bundle(self, bundle: EntryBundle) -> list[bytes]:
        """The entries of an entry bundle, which must hold exactly ``bundle.width``."""
        try:
            return decode_entry_bundle(self.get(bundle.path, MAX_BUNDLE), bundle.width)
        except ValueError as exc:
            raise VerifyError(f"{bundle.path} is not a valid entry bundle: {exc}") from None


def _verifier(reader: LogReader, state: State | None, key: str | None) -> tuple[Verifier, bool]:
    """The key to trust: given, pinned, or (first use only) fetched and then pinned."""
    fetched = key is None and state is None
    if key is None:
        key = state.key if state else reader.get("key", 4096).decode("utf-8", "replace").strip()
    try:
        verifier = Verifier.from_string(key)
    except NoteError as exc:
        raise VerifyError(
            f"the log key {key[:80]!r} is not a verifier key: {exc}", "error"
        ) from None
    if state is not None and verifier.to_string() != state.key:
        raise VerifyError(
            f"the key {verifier.to_string()} is not the key pinned in the state file "
            f"({state.key}); a log never changes its key silently"
        )
    return verifier, fetched


def _checkpoint(reader: LogReader, verifier: Verifier) -> tuple[Checkpoint, str]:
    note = reader.get("checkpoint", MAX_NOTE)
    try:
        return open_checkpoint(note, verifier), note.decode()
    except NoteError as exc:
        raise VerifyError(f"the checkpoint does not verify with the log's key: {exc}") from None


def _tiles(reader: LogReader, size: int) -> TileReader:
    return TileReader(size, reader.tile)


def check_consistency(reader: LogReader, old: Checkpoint, new: Checkpoint) -> None:
    """Prove, from the tiles, that ``new`` extends ``old``; raise :class:`VerifyError` if not."""
    if new.size < old.size:
        raise VerifyError(
            f"ROLLBACK: the log shrank from {old.size} entries to {new.size}; a log may only grow"
        )
    if old.size == 0:
        return
    if new.size == old.size:
        if new.root_hash != old.root_hash:
            raise VerifyError(
                f"FORK: two different trees of the same size {new.size} were signed; "
                "the log's history was rewritten"
            )
        return
    try:
        proof = consistency_proof(_tiles(reader, new.size), old.size, new.size)
        verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)
    except (ProofError, ValueError) as exc:
        raise VerifyError(
            f"HISTORY REWRITTEN: the log of size {new.size} does not extend the one of size "
            f"{old.size} you verified before ({exc})"
        ) from None


def check_entry(reader: LogReader, checkpoint: Checkpoint, index: int) -> bytes:
    """Fetch entry ``index`` and prove its inclusion under ``checkpoint``; return it."""
    if not 0 <= index < checkpoint.size:
        raise VerifyError(
            f"entry {index} is out of range: the log has {checkpoint.size} entries", "error"
        )
    bundle = entry_bundles_for_size(checkpoint.size)[index // TILE_WIDTH]
    entry = reader.bundle(bundle)[index % TILE_WIDTH]
    try:
        proof = inclusion_proof(_tiles(reader, checkpoint.size), index, checkpoint.size)
        verify_inclusion(leaf_hash(entry), index, checkpoint.size, proof, checkpoint.root_hash)
    except (ProofError, ValueError) as exc:
        raise VerifyError(f"ENTRY {index} IS NOT IN THE SIGNED LOG as served: {exc}") from None
    return entry


def audit(reader: LogReader, checkpoint: Checkpoint, progress: Progress | None) -> int:
    """Download every entry and rebuild the root from them; return how many were checked."""
    hashes: list[bytes] = []
    bundles = entry_bundles_for_size(checkpoint.size)
    for done, bundle in enumerate(bundles, 1):
        hashes += [leaf_hash(entry) for entry in reader.bundle(bundle)]
        if progress:
            progress("entries", done, len(bundles))
    if root_hash(hashes) != checkpoint.root_hash:
        raise VerifyError(
            f"the {checkpoint.size} entries served do not hash to the signed root: "
            "an entry was rewritten"
        )
    return len(hashes)


def check_receipt(
    reader: LogReader, verifier: Verifier, current: Checkpoint, receipt: dict[str, Any]
) -> dict[str, Any]:
    """Check an owner's receipt: the commitment opens, the entry is in its signed checkpoint,
    and that checkpoint is part of the current log.  Returns the opened event."""
    if receipt.get("inclusion") is None or receipt.get("checkpoint") is None:
        raise VerifyError(
            "the receipt's event is not in the log yet; fetch it again later", "error"
        )
    try:
        entry = str(receipt["entry"]).encode()
        opened = check_opening(
            entry, str(receipt["opening"]).encode(), bytes.fromhex(receipt["salt"])
        )
        inclusion = receipt["inclusion"]
        signed = open_checkpoint(str(receipt["checkpoint"]), verifier)
        index, size = int(inclusion["index"]), int(inclusion["tree_size"])
        proof = [base64.b64decode(h, validate=True) for h in inclusion["proof"]]
        if size != signed.size or index != receipt["leaf_index"]:
            raise ValueError("the proof is not for the receipt's entry and checkpoint")
        verify_inclusion(leaf_hash(entry), index, size, proof, signed.root_hash)
    except (KeyError, TypeError, ValueError) as exc:  # ProofError and NoteError included
        raise VerifyError(f"the receipt does not verify: {exc}") from None
    check_consistency(reader, signed, current)
    return opened


def verify_log(
    server: str,
    *,
    state_path: Path | None = None,
    key: str | None = None,
    entry: int | None = None,
    receipt: dict[str, Any] | None = None,
    everything: bool = False,
    http: httpx.Client | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Run every requested check against ``server``; raise :class:`VerifyError` on failure.

    The state file is written only when everything verified.
    """
    reader = LogReader(server, http)
    state = State.load(state_path) if state_path else None
    verifier, pinned_now = _verifier(reader, state, key)
    checkpoint, note = _checkpoint(reader, verifier)
    if state is not None:
        old = Checkpoint(state.origin, state.size, base64.b64decode(state.root_hash))
        check_consistency(reader, old, checkpoint)
    found = check_entry(reader, checkpoint, entry) if entry is not None else None
    opened = check_receipt(reader, verifier, checkpoint, receipt) if receipt else None
    audited = audit(reader, checkpoint, progress) if everything else 0
    if state_path is not None:
        State(
            checkpoint.origin,
            verifier.to_string(),
            checkpoint.size,
            base64.b64encode(checkpoint.root_hash).decode(),
            note,
        ).save(state_path)
    return Outcome(
        checkpoint,
        verifier.to_string(),
        pinned_now,
        state.size if state else None,
        found,
        opened,
        audited,
    )


def run(
    server: str,
    *,
    state_path: Path,
    key: str | None = None,
    entry: int | None = None,
    receipt_path: Path | None = None,
    everything: bool = False,
    http: httpx.Client | None = None,
) -> int:
    """What ``porchlight verify`` prints and its exit status: 0 verified, 1 the log failed a
    check, 2 it could not be checked."""
    # Keys and hashes must stay on one line, to be copied whole.
    out, err = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    try:
        receipt = _read_receipt(receipt_path) if receipt_path else None
        with RichProgress(console=err, transient=True) as bar:
            task = bar.add_task("checking the log", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=f"checking {what}", completed=done, total=total)

            outcome = verify_log(
                server,
                state_path=state_path,
                key=key,
                entry=entry,
                receipt=receipt,
                everything=everything,
                http=http,
                progress=progress,
            )
    except VerifyError as exc:
        title = "LOG VERIFICATION FAILED" if exc.kind == "invalid" else "could not verify the log"
        err.print(f"[bold red]{title}:[/] {escape(str(exc))}")
        return 1 if exc.kind == "invalid" else 2
    _report(out, outcome, state_path)
    return 0


def _read_receipt(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise VerifyError(f"cannot read the receipt {path}: {exc}", "error") from None
    if not isinstance(data, dict):
        raise VerifyError(f"the receipt {path} is not a JSON object", "error")
    return data


def _report(out: Console, outcome: Outcome, state_path: Path) -> None:
    cp = outcome.checkpoint
    root = base64.b64encode(cp.root_hash).decode()
    if outcome.key_pinned_now:
        out.print(f"pinned the log's key on first use: {escape(outcome.key)}")
        out.print("  (compare it with the key the operator publishes, e.g. in its README)")
    out.print(f"[green]signature ok[/]: {escape(cp.origin)} has {cp.size} entries, root {root}")
    if outcome.previous_size is None:
        out.print(f"no earlier checkpoint to compare with; saved this one to {state_path}")
    elif outcome.previous_size == cp.size:
        out.print("[green]consistent[/]: unchanged since the checkpoint you verified before")
    else:
        out.print(
            f"[green]consistent[/]: it extends the checkpoint of size {outcome.previous_size} "
            "you verified before"
        )
    if outcome.entry is not None:
        out.print(f"[green]included[/]: {escape(outcome.entry.decode('utf-8', 'replace'))}")
    if outcome.receipt_event is not None:
        event = json.dumps(outcome.receipt_event, sort_keys=True)
        out.print(f"[green]receipt ok[/]: {escape(event)}")
    if outcome.audited:
        out.print(f"[green]audited[/]: all {outcome.audited} entries hash to the signed root")
    out.print("[bold green]verified[/]")
