"""The vault on an S3 blob store (a moto server on loopback): the same promises hold."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from porchlight.app import create_app
from porchlight.authz import Role
from porchlight.settings import Settings
from tests.blobs.conftest import MotoServer, moto_server  # noqa: F401 - the fixture
from tests.conftest import World
from tests.vault.conftest import api, upload


def test_upload_play_export_delete_on_s3(
    moto_server: MotoServer,  # noqa: F811
    settings: Settings,
    engine: Engine,
    world: World,
    mp4: Path,
    tmp_path: Path,
) -> None:
    prefix = f"vault-{uuid.uuid4().hex[:8]}"
    s3 = settings.model_copy(
        update={
            "blob_url": f"s3://{moto_server.bucket}/{prefix}?endpoint_url={moto_server.endpoint_url}"
        }
    )
    app = create_app(s3, engine)
    with TestClient(app, base_url="https://testserver") as client:
        owner = world.person(Role.RESIDENT)
        clip = upload(client, owner, mp4)
        stored = list(
            moto_server.client.list_objects_v2(Bucket=moto_server.bucket, Prefix=prefix).get(
                "Contents", []
            )
        )
        assert len(stored) == 1
        assert stored[0]["Key"].endswith("-media.age")
        body = moto_server.client.get_object(Bucket=moto_server.bucket, Key=stored[0]["Key"])[
            "Body"
        ].read()
        assert body.startswith(b"age-encryption.org/v1")
        assert mp4.read_bytes()[100:164] not in body
        ranged = client.get(
            f"/api/v1/clips/{clip['id']}/media", headers=owner.headers | {"Range": "bytes=10-99"}
        )
        assert ranged.status_code == 206
        assert ranged.content == mp4.read_bytes()[10:100]
        age_file, _ = api(client, owner).export_clip(clip["id"], tmp_path / "out")
        assert age_file.read_bytes() == body
        assert (
            client.delete(f"/api/v1/clips/{clip['id']}", headers=owner.headers).status_code == 204
        )
        left = moto_server.client.list_objects_v2(Bucket=moto_server.bucket, Prefix=prefix)
        assert left.get("KeyCount", 0) == 0
