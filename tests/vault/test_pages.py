"""The clips pages in the browser's place: list, play with seeking, delete, access log."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from porchlight.authz import Role
from tests.conftest import World
from tests.vault.conftest import upload
from tests.web.test_pages import _csrf, sign_in


def test_owner_lists_plays_and_deletes_clips(
    client: TestClient, world: World, mp4: Path, jpeg: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4, jpeg)
    sign_in(client, owner)
    listing = client.get("/clips")
    assert f'href="/clips/{clip["id"]}"' in listing.text
    assert f'src="/clips/{clip["id"]}/thumbnail"' in listing.text
    player = client.get(f"/clips/{clip['id']}")
    assert f'<video id="player" controls preload="metadata" src="/clips/{clip["id"]}/media"' in (
        player.text
    )
    seek = client.get(f"/clips/{clip['id']}/media", headers={"Range": "bytes=20-39"})
    assert seek.status_code == 206
    assert seek.content == mp4.read_bytes()[20:40]
    log = client.get("/access-log")
    assert "owner playback in the browser" in log.text
    assert ">you<" in log.text
    gone = client.post(
        f"/clips/{clip['id']}/delete",
        data={"csrf_token": _csrf(player.text)},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert client.get(f"/clips/{clip['id']}").status_code == 404


def test_zone_editor_draws_over_the_latest_still(
    client: TestClient, world: World, mp4: Path, jpeg: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    sign_in(client, owner)
    before = client.get(f"/cameras/{owner.camera_id}").text
    assert "No still frame yet" in before
    clip = upload(client, owner, mp4, jpeg)
    after = client.get(f"/cameras/{owner.camera_id}").text
    assert f'<image href="/clips/{clip["id"]}/thumbnail"' in after


def test_neighbour_cannot_open_the_player(client: TestClient, world: World, mp4: Path) -> None:
    owner, neighbour = world.person(Role.RESIDENT), world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4)
    sign_in(client, neighbour)
    assert client.get(f"/clips/{clip['id']}").status_code == 404
    assert client.get(f"/clips/{clip['id']}/media").status_code == 404
    assert clip["id"] not in client.get("/clips").text
