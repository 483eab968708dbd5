"""``porchlight verify`` against a live server and against servers that misbehave.

A verifier must never say "verified" about a log that rewrote its history, served a
changed entry, or answered garbage; each case exits non-zero with a clear message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from typer.testing import CliRunner

from porchlight.cli import app as cli
from porchlight.ledger import Checkpoint, Signer, sign_checkpoint
from porchlight.transparency import service
from porchlight.transparency.models import LogEvent, SignedCheckpoint, TreeHash
from porchlight.transparency.service import LogPublisher
from porchlight.transparency.verify import VerifyError, verify_log
from tests.browser import LiveServer
from tests.conftest import World

runner = CliRunner()
SERVER = "https://testserver"


def _fill(world: World, sequence: Callable[[], int], count: int) -> None:
    with world.sessions.begin() as db:
        for n in range(count):
            service.record(db, "agency:share:viewed", request_id=f"{n:032x}")
    sequence()


def _verify(server: LiveServer, state: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["verify", "--server", server.url, "--state", str(state), *args])
    return result.exit_code, result.output


def _rewrite_entry(world: World, public_log: LogPublisher, index: int) -> None:
    """What a dishonest operator might do: change a stored entry and its served bundle."""
    forged = b'{"event":"agency:request:created","time":"2020-01-01T00:00:00Z","v":1}'
    with world.sessions.begin() as db:
        db.execute(update(LogEvent).where(LogEvent.leaf_index == index).values(entry=forged))
    for key in list(public_log.blobs.list("log/tile/entries/")):
        public_log.blobs.delete(key)


def _rewrite_history(world: World, public_log: LogPublisher, index: int) -> None:
    """A forged entry, then the whole tree rebuilt and re-signed with the real key."""
    _rewrite_entry(world, public_log, index)
    with world.sessions.begin() as db:
        db.execute(update(LogEvent).values(leaf_index=None))
        db.execute(delete(TreeHash))
        db.execute(delete(SignedCheckpoint))
    for key in list(public_log.blobs.list("log/")):
        public_log.blobs.delete(key)
    with world.sessions() as db:
        service.sequence(db, public_log.signer, public_log.blobs)


def test_verify_pins_the_key_then_checks_consistency_and_inclusion(
    live_server: LiveServer, world: World, sequence: Callable[[], int], tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    _fill(world, sequence, 3)
    code, output = _verify(live_server, state)
    assert code == 0, output
    assert "pinned the log's key on first use" in output
    assert "verified" in output
    assert json.loads(state.read_text())["size"] == 3
    _fill(world, sequence, 300)
    code, output = _verify(live_server, state, "--entry", "1", "--all")
    assert code == 0, output
    assert "extends the checkpoint of size 3" in output
    assert "agency:share:viewed" in output
    assert "all 303 entries" in output
    assert json.loads(state.read_text())["size"] == 303


def test_a_rewritten_entry_fails_verification(
    live_server: LiveServer,
    world: World,
    sequence: Callable[[], int],
    public_log: LogPublisher,
    tmp_path: Path,
) -> None:
    state = tmp_path / "state.json"
    _fill(world, sequence, 10)
    assert _verify(live_server, state)[0] == 0
    _rewrite_entry(world, public_log, 4)
    before = state.read_text()
    code, output = _verify(live_server, state, "--entry", "4")
    assert code == 1, output
    assert "LOG VERIFICATION FAILED" in output
    assert "ENTRY 4 IS NOT IN THE SIGNED LOG" in output
    assert "verified" not in output.replace("VERIFICATION", "")
    code, output = _verify(live_server, state, "--all")
    assert code == 1, output
    assert "an entry was rewritten" in output
    assert state.read_text() == before


def test_a_forked_tree_fails_the_consistency_check(
    live_server: LiveServer,
    world: World,
    sequence: Callable[[], int],
    public_log: LogPublisher,
    tmp_path: Path,
) -> None:
    state = tmp_path / "state.json"
    _fill(world, sequence, 20)
    assert _verify(live_server, state)[0] == 0
    # The same size, another history, validly signed: a fork.
    _rewrite_history(world, public_log, 5)
    code, output = _verify(live_server, state)
    assert code == 1, output
    assert "FORK" in output
    # And once the forked log grows, no consistency proof can join the two.
    _fill(world, sequence, 7)
    code, output = _verify(live_server, state)
    assert code == 1, output
    assert "HISTORY REWRITTEN" in output
    assert json.loads(state.read_text())["size"] == 20


def test_out_of_range_entry_and_unknown_key_are_clear_errors(
    live_server: LiveServer, world: World, sequence: Callable[[], int], tmp_path: Path
) -> None:
    _fill(world, sequence, 2)
    code, output = _verify(live_server, tmp_path / "a.json", "--entry", "2")
    assert code == 2, output
    assert "entry 2 is out of range: the log has 2 entries" in output
    assert not (tmp_path / "a.json").exists()
    other = Signer.generate("porchlight.example/log").verifier().to_string()
    code, output = _verify(live_server, tmp_path / "b.json", "--key", other)
    assert code == 1, output
    assert "does not verify with the log's key" in output
    code, output = _verify(live_server, tmp_path / "c.json", "--key", "not a key")
    assert code == 2, output
    assert "is not a verifier key" in output
    # A key pinned in the state file cannot be swapped silently.
    assert _verify(live_server, tmp_path / "d.json")[0] == 0
    code, output = _verify(live_server, tmp_path / "d.json", "--key", other)
    assert code == 1, output
    assert "not the key pinned" in output


def test_an_unreachable_server_is_an_error_not_a_pass(tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["verify", "--server", "http://127.0.0.1:9", "--state", str(tmp_path / "s.json")]
    )
    assert result.exit_code == 2, result.output
    assert "could not verify the log" in result.output


def test_verify_reads_the_app_directly_through_its_client(
    client: TestClient, world: World, sequence: Callable[[], int], tmp_path: Path
) -> None:
    _fill(world, sequence, 5)
    outcome = verify_log(SERVER, state_path=tmp_path / "s.json", entry=4, http=client)
    assert outcome.checkpoint.size == 5
    assert outcome.entry is not None
    assert outcome.key_pinned_now


# -- servers that answer garbage ---------------------------------------------------


class FakeLog:
    """A log served by hand, to play a misbehaving server."""

    def __init__(self, signer: Signer, size: int = 3) -> None:
        self.signer = signer
        self.routes: dict[str, tuple[int, bytes]] = {}
        honest = Checkpoint(signer.name, 0, bytes(32))
        self.checkpoint(honest)
        self.size = size

    def checkpoint(self, checkpoint: Checkpoint) -> None:
        self.routes["/log/checkpoint"] = (200, sign_checkpoint(checkpoint, self.signer).encode())
        self.routes["/log/key"] = (200, self.signer.verifier().to_string().encode())

    def client(self) -> httpx.Client:
        def answer(request: httpx.Request) -> httpx.Response:
            status, body = self.routes.get(request.url.path, (404, b"not found"))
            return httpx.Response(status, content=body)

        return httpx.Client(transport=httpx.MockTransport(answer))


@pytest.fixture
def fake() -> FakeLog:
    return FakeLog(Signer.generate("fake.example/log"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "does not verify"),
        (b"\xff\xfe garbage", "does not verify"),
        (b"fake.example/log\n3\nnot base64\n\n\xe2\x80\x94 fake.example/log AAAA\n", "verify"),
        (b"x" * 70_000, "more than 65536 bytes"),
    ],
)
def test_garbage_checkpoints_fail(fake: FakeLog, body: bytes, message: str) -> None:
    fake.routes["/log/checkpoint"] = (200, body)
    with pytest.raises(VerifyError, match=message):
        verify_log("http://fake", http=fake.client())


def test_a_checkpoint_for_another_log_fails(fake: FakeLog) -> None:
    note = sign_checkpoint(Checkpoint("other.example/log", 1, bytes(32)), fake.signer)
    fake.routes["/log/checkpoint"] = (200, note.encode())
    with pytest.raises(VerifyError, match=r"for the log .other.example/log., expected"):
        verify_log("http://fake", http=fake.client())


def test_garbage_tiles_and_rollbacks_fail(fake: FakeLog, tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    fake.checkpoint(Checkpoint(fake.signer.name, 3, bytes(32)))
    verify_log("http://fake", state_path=state, http=fake.client())
    fake.checkpoint(Checkpoint(fake.signer.name, 5, bytes(32)))
    fake.routes["/log/tile/0/000.p/5"] = (200, b"short")
    with pytest.raises(VerifyError, match="HISTORY REWRITTEN"):
        verify_log("http://fake", state_path=state, http=fake.client())
    fake.routes["/log/tile/0/000.p/5"] = (500, b"oops")
    with pytest.raises(VerifyError, match="answered 500"):
        verify_log("http://fake", state_path=state, http=fake.client())
    fake.checkpoint(Checkpoint(fake.signer.name, 2, bytes(32)))
    with pytest.raises(VerifyError, match="ROLLBACK"):
        verify_log("http://fake", state_path=state, http=fake.client())
    assert json.loads(state.read_text())["size"] == 3


def test_a_broken_state_file_is_never_overwritten(fake: FakeLog, tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    state.write_text("{not json")
    with pytest.raises(VerifyError, match="unreadable"):
        verify_log("http://fake", state_path=state, http=fake.client())
    assert state.read_text() == "{not json"


def test_a_receipt_is_checked_against_the_current_log(
    client: TestClient, world: World, sequence: Callable[[], int], tmp_path: Path
) -> None:
    from porchlight.authz import Role

    owner = world.person(Role.RESIDENT)
    client.patch(
        f"/api/v1/households/{owner.household_id}/settings",
        json={"retention_days": 3},
        headers=owner.headers,
    )
    sequence()
    _fill(world, sequence, 4)
    receipt = client.get("/api/v1/my-record", headers=owner.headers).json()["items"][0]
    outcome = verify_log(SERVER, receipt=receipt, http=client)
    assert outcome.receipt_event is not None
    assert outcome.receipt_event["household_id"] == owner.household_id
    with pytest.raises(VerifyError, match="receipt does not verify"):
        verify_log(SERVER, receipt=receipt | {"salt": "00" * 32}, http=client)
