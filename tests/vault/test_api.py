"""The vault through its API: upload, play with seeking, export for `age`, delete, log."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from porchlight.authz import Role
from porchlight.client import ClientError, encrypt_part
from porchlight.crypto import decrypt_stream, parse_recipient
from porchlight.vault.models import Clip, VaultObject, WrappedKey
from tests.conftest import Person, World
from tests.vault.conftest import api, upload


def test_upload_then_play_the_same_bytes(
    client: TestClient, world: World, mp4: Path, jpeg: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4, jpeg)
    assert clip["labels"] == ["person"]
    assert clip["has_thumbnail"] is True
    listed = client.get("/api/v1/clips", headers=owner.headers).json()["items"]
    assert [c["id"] for c in listed] == [clip["id"]]
    media = client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers)
    assert media.status_code == 200
    assert media.headers["accept-ranges"] == "bytes"
    assert media.content == mp4.read_bytes()
    thumb = client.get(f"/api/v1/clips/{clip['id']}/thumbnail", headers=owner.headers)
    assert thumb.content == jpeg.read_bytes()


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=100-70000", 100, 70000),
        ("bytes=-10", None, None),
        ("bytes=65530-", 65530, None),
    ],
)
def test_range_requests_let_a_player_seek(
    client: TestClient,
    world: World,
    tmp_path: Path,
    header: str,
    start: int | None,
    end: int | None,
) -> None:
    owner = world.person(Role.RESIDENT)
    big = tmp_path / "big.mp4"
    # An MP4 header followed by enough bytes to span several 64 KiB chunks.
    big.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 800)
    clip = upload(client, owner, big)
    data = big.read_bytes()
    response = client.get(
        f"/api/v1/clips/{clip['id']}/media", headers=owner.headers | {"Range": header}
    )
    assert response.status_code == 206
    expected = data[-10:] if start is None else data[start : None if end is None else end + 1]
    assert response.content == expected
    first = len(data) - 10 if start is None else start
    assert response.headers["content-range"] == (
        f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    )
    beyond = client.get(
        f"/api/v1/clips/{clip['id']}/media",
        headers=owner.headers | {"Range": f"bytes={len(data) + 5}-"},
    )
    assert beyond.status_code == 416


def test_export_opens_with_the_age_tool(
    client: TestClient, world: World, mp4: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4)
    age_file, key_file = api(client, owner).export_clip(clip["id"], tmp_path / "out")
    if shutil.which("age"):
        plain = subprocess.run(
            ["age", "-d", "-i", str(key_file), str(age_file)],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    else:  # pragma: no cover - CI installs age; this keeps the check meaningful without it
        from porchlight.crypto import decrypt_bytes, parse_identities

        plain = decrypt_bytes(age_file.read_bytes(), parse_identities(key_file.read_text()))
    assert plain == mp4.read_bytes()


def test_owner_sees_every_access(
    client: TestClient, world: World, mp4: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4)
    client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers)
    api(client, owner).export_clip(clip["id"], tmp_path)
    log = client.get("/api/v1/access-log", headers=owner.headers).json()["items"]
    assert [e["action"] for e in log] == ["view", "export"]
    assert all(e["clip_id"] == clip["id"] for e in log)
    assert log[0]["actor"] == "a member of the household"
    assert log[0]["purpose"] == "owner playback"


def test_other_households_cannot_see_or_upload(client: TestClient, world: World, mp4: Path) -> None:
    owner, neighbour = world.person(Role.RESIDENT), world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4)
    for path in ("", "/media", "/key", "/ciphertext", "/thumbnail"):
        assert (
            client.get(f"/api/v1/clips/{clip['id']}{path}", headers=neighbour.headers).status_code
            == 404
        )
    assert (
        client.delete(f"/api/v1/clips/{clip['id']}", headers=neighbour.headers).status_code == 404
    )
    with pytest.raises(ClientError) as refused:
        upload(
            client,
            Person(neighbour.user, neighbour.email, neighbour.token, camera_id=owner.camera_id),
            mp4,
        )
    assert refused.value.status == 404
    assert client.get("/api/v1/access-log", headers=owner.headers).json()["items"] == []


def _start(
    client: TestClient,
    owner: Person,
    part_path: Path,
    holders: dict,
    tmp_path: Path,
    key: str = "k1",
) -> tuple[dict, Path, int]:
    part = encrypt_part(part_path, holders, tmp_path)
    start = datetime.now(UTC) - timedelta(minutes=1)
    body = {
        "camera_id": owner.camera_id,
        "idempotency_key": key,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=3)).isoformat(),
        "media": part.announce(),
    }
    made = client.post("/api/v1/uploads", json=body, headers=owner.headers)
    assert made.status_code == 201, made.text
    return made.json(), part.path, part.size


def _holders(client: TestClient, owner: Person) -> dict:
    info = client.get(
        f"/api/v1/households/{owner.household_id}/vault", headers=owner.headers
    ).json()
    assert info["mode"] == "standard"
    return {"vault": parse_recipient(info["vault_recipient"])}


def test_upload_resumes_from_where_it_stopped(
    client: TestClient, world: World, mp4: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    upload_, path, size = _start(client, owner, mp4, _holders(client, owner), tmp_path)
    data = path.read_bytes()
    half = size // 2
    url = f"/api/v1/uploads/{upload_['id']}/media"
    assert (
        client.put(url, content=data[:half], headers=owner.headers | {"Upload-Offset": "0"}).json()[
            "parts"
        ]["media"]["received"]
        == half
    )
    early = client.post(f"/api/v1/uploads/{upload_['id']}/complete", headers=owner.headers)
    assert early.status_code == 409
    assert "incomplete" in early.json()["detail"]
    wrong = client.put(url, content=data[half:], headers=owner.headers | {"Upload-Offset": "3"})
    assert wrong.status_code == 409
    assert str(half) in wrong.json()["detail"]
    state = client.get(f"/api/v1/uploads/{upload_['id']}", headers=owner.headers).json()
    offset = state["parts"]["media"]["received"]
    client.put(url, content=data[offset:], headers=owner.headers | {"Upload-Offset": str(offset)})
    done = client.post(f"/api/v1/uploads/{upload_['id']}/complete", headers=owner.headers)
    assert done.status_code == 201
    again = client.post(f"/api/v1/uploads/{upload_['id']}/complete", headers=owner.headers)
    assert again.json()["id"] == done.json()["id"]  # completing twice is harmless


def test_same_idempotency_key_makes_one_clip(client: TestClient, world: World, mp4: Path) -> None:
    owner = world.person(Role.RESIDENT)
    first = upload(client, owner, mp4, key="same")
    second = upload(client, owner, mp4, key="same")
    assert first["id"] == second["id"]
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Clip)) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is a text file, not a video" * 10, "not an MP4"),
    ],
)
def test_non_mp4_is_refused_and_nothing_is_stored(
    client: TestClient, world: World, tmp_path: Path, content: bytes, message: str
) -> None:
    owner = world.person(Role.RESIDENT)
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(content)
    with pytest.raises(ClientError) as refused:
        upload(client, owner, fake)
    assert refused.value.status == 422
    assert message in refused.value.detail
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(VaultObject)) == 0
    assert not list(client.app.state.web.vault.blobs.list("households/"))  # type: ignore[attr-defined]


def test_damaged_ciphertext_is_refused(
    client: TestClient, world: World, mp4: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    part = encrypt_part(mp4, _holders(client, owner), tmp_path)
    data = bytearray(part.path.read_bytes())
    data[-40] ^= 0xFF  # inside the last sealed chunk
    start = datetime.now(UTC) - timedelta(minutes=1)
    body = {
        "camera_id": owner.camera_id,
        "idempotency_key": "bad",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=3)).isoformat(),
        "media": {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "keys": part.keys},
    }
    made = client.post("/api/v1/uploads", json=body, headers=owner.headers).json()
    client.put(
        f"/api/v1/uploads/{made['id']}/media",
        content=bytes(data),
        headers=owner.headers | {"Upload-Offset": "0"},
    )
    done = client.post(f"/api/v1/uploads/{made['id']}/complete", headers=owner.headers)
    assert done.status_code == 422
    assert "damaged" in done.json()["detail"]


def test_key_not_wrapped_to_the_vault_is_refused(
    client: TestClient, world: World, mp4: Path, tmp_path: Path
) -> None:
    from porchlight.crypto import generate_identity

    owner = world.person(Role.RESIDENT)
    stranger = generate_identity().recipient
    part = encrypt_part(mp4, {"vault": stranger}, tmp_path)
    start = datetime.now(UTC)
    body = {
        "camera_id": owner.camera_id,
        "idempotency_key": "x",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=1)).isoformat(),
        "media": part.announce(),
    }
    refused = client.post("/api/v1/uploads", json=body, headers=owner.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "media.keys"


def test_upload_limits(client: TestClient, world: World, mp4: Path, tmp_path: Path) -> None:
    owner = world.person(Role.RESIDENT)
    part = encrypt_part(mp4, _holders(client, owner), tmp_path)
    start = datetime.now(UTC)
    body = {
        "camera_id": owner.camera_id,
        "idempotency_key": "long",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=5)).isoformat(),
        "media": part.announce(),
    }
    too_long = client.post("/api/v1/uploads", json=body, headers=owner.headers)
    assert too_long.status_code == 422
    body["ended_at"] = (start + timedelta(seconds=5)).isoformat()
    body["media"] = part.announce() | {"size": 10 * 1024**3}
    too_big = client.post("/api/v1/uploads", json=body, headers=owner.headers)
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"


def test_delete_destroys_keys_and_blobs(client: TestClient, world: World, mp4: Path) -> None:
    owner = world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4)
    blobs = client.app.state.web.vault.blobs  # type: ignore[attr-defined]
    assert list(blobs.list("households/"))
    assert client.delete(f"/api/v1/clips/{clip['id']}", headers=owner.headers).status_code == 204
    assert client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers).status_code == 404
    assert list(blobs.list("households/")) == []
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(WrappedKey)) == 0
    log = client.get("/api/v1/access-log", headers=owner.headers).json()["items"]
    assert [e["action"] for e in log] == ["delete"]


def test_end_to_end_mode_server_cannot_open(
    client: TestClient, world: World, mp4: Path, tmp_path: Path
) -> None:
    from porchlight.crypto import encrypt_with_passphrase, generate_identity

    owner = world.person(Role.RESIDENT)
    household_key = generate_identity()
    backup = encrypt_with_passphrase(
        household_key.encode().encode(), "a recovery phrase", work_factor=10
    )
    made = client.post(
        f"/api/v1/households/{owner.household_id}/keys",
        headers=owner.headers,
        json={
            "recipient": str(household_key.recipient),
            "recovery": base64.b64encode(backup).decode(),
        },
    )
    assert made.status_code == 201
    info = client.get(
        f"/api/v1/households/{owner.household_id}/vault", headers=owner.headers
    ).json()
    assert info["mode"] == "e2e"
    assert info["vault_recipient"] is None
    clip = upload(client, owner, mp4)
    assert clip["e2e"] is True
    refused = client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers)
    assert refused.status_code == 409
    assert "end-to-end" in refused.json()["detail"]
    with pytest.raises(ClientError, match="end-to-end"):
        api(client, owner).export_clip(clip["id"], tmp_path / "nokey")
    age_file, key_file = api(client, owner).export_clip(
        clip["id"], tmp_path / "e2e", identity=household_key
    )
    from porchlight.crypto import decrypt_bytes, parse_identities

    assert (
        decrypt_bytes(age_file.read_bytes(), parse_identities(key_file.read_text()))
        == mp4.read_bytes()
    )
    # A key wrapped to the vault is refused from now on.
    vault_recipient = client.app.state.web.vault.recipient  # type: ignore[attr-defined]
    part = encrypt_part(mp4, {"vault": vault_recipient}, tmp_path)
    start = datetime.now(UTC)
    body = {
        "camera_id": owner.camera_id,
        "idempotency_key": "sneak",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=1)).isoformat(),
        "media": part.announce(),
    }
    assert client.post("/api/v1/uploads", json=body, headers=owner.headers).status_code == 422
    recovered = client.get(
        f"/api/v1/households/{owner.household_id}/keys/recovery", headers=owner.headers
    ).json()
    assert recovered["recipient"] == str(household_key.recipient)


def test_ciphertext_download_is_the_stored_age_file(
    client: TestClient, world: World, mp4: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4)
    raw = client.get(f"/api/v1/clips/{clip['id']}/ciphertext", headers=owner.headers).content
    assert raw.startswith(b"age-encryption.org/v1\n")
    assert mp4.read_bytes()[:64] not in raw
    key = client.get(f"/api/v1/clips/{clip['id']}/key", headers=owner.headers).json()
    from io import BytesIO

    from porchlight.crypto import parse_identity

    out = BytesIO()
    decrypt_stream(BytesIO(raw), out, parse_identity(key["identity"]))
    assert out.getvalue() == mp4.read_bytes()
