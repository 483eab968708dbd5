"""A client for Porchlight's HTTP API, used by the CLI and the camera agent.

It encrypts on the client: a clip leaves the owner's machine only as an age file
encrypted to a key of its own, with that key wrapped to the vault (standard mode)
or to the household's own key (end-to-end mode).
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from porchlight.crypto import (
    Identity,
    Recipient,
    decrypt_bytes,
    encrypt_bytes,
    encrypt_stream,
    generate_identity,
    parse_identity,
    parse_recipient,
)

UPLOAD_CHUNK = 8 * 1024 * 1024


class ClientError(Exception):
    """The server refused a request; ``detail`` is its problem body's explanation."""

    def __init__(self, status: int, detail: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.body = body or {}


@dataclass
class EncryptedPart:
    """A file encrypted for upload, and its key wrapped to each holder."""

    path: Path
    size: int
    sha256: str
    keys: list[dict[str, str]]

    def announce(self) -> dict[str, Any]:
        return {"size": self.size, "sha256": self.sha256, "keys": self.keys}


class _HashingWriter:
    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: memoryview) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.target.write(data)


def encrypt_part(plaintext: Path, holders: dict[str, Recipient], workdir: Path) -> EncryptedPart:
    """Encrypt a file to a fresh key of its own and wrap that key to each holder."""
    identity = generate_identity()
    out = Path(tempfile.mkstemp(dir=workdir, suffix=".age")[1])
    with plaintext.open("rb") as src, out.open("wb") as raw:
        sink = _HashingWriter(raw)
        encrypt_stream(src, sink, identity.recipient)
    keys = [
        {
            "holder": holder,
            "recipient": str(recipient),
            "wrapped": base64.b64encode(
                encrypt_bytes(identity.encode().encode(), recipient)
            ).decode(),
        }
        for holder, recipient in holders.items()
    ]
    return EncryptedPart(out, sink.size, sink.digest.hexdigest(), keys)


class PorchlightClient:
    """Talks to one server with one API token (or any ``httpx.Client`` set up for it)."""

    def __init__(
        self,
        server: str = "",
        token: str = "",
        *,
        http: httpx.Client | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.http = http or httpx.Client(base_url=server.rstrip("/"), timeout=timeout)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        try:
            response = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(0, f"cannot reach the server: {exc}") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = str(body.get("detail", response.text))
            except ValueError:
                body, detail = {}, response.text[:200]
            raise ClientError(response.status_code, detail, body)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the API and return the decoded JSON answer."""
        return self._call(method, path, **kwargs).json()

    def household_for_camera(self, camera_id: str) -> str:
        return str(self.json("GET", f"/api/v1/cameras/{camera_id}")["household_id"])

    def holders(self, household_id: str) -> dict[str, Recipient]:
        """Who a new clip's keys must be wrapped to, as the server says for this household."""
        info = self.json("GET", f"/api/v1/households/{household_id}/vault")
        if info["mode"] == "e2e":
            if not info["household_recipients"]:
                raise ClientError(409, "end-to-end mode is on but no household key is registered")
            return {"household": parse_recipient(info["household_recipients"][-1])}
        return {"vault": parse_recipient(info["vault_recipient"])}

    def encrypt_clip(
        self, camera_id: str, media: Path, thumbnail: Path | None, workdir: Path
    ) -> dict[str, EncryptedPart]:
        """Encrypt a clip (and thumbnail) for the camera's household, as the server asks."""
        holders = self.holders(self.household_for_camera(camera_id))
        parts = {"media": encrypt_part(media, holders, workdir)}
        if thumbnail is not None:
            parts["thumbnail"] = encrypt_part(thumbnail, holders, workdir)
        return parts

    def upload_parts(
        self,
        camera_id: str,
        parts: dict[str, EncryptedPart],
        *,
        started_at: datetime,
        ended_at: datetime,
        labels: list[str],
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Upload already encrypted parts, resuming where an earlier attempt stopped.

        The idempotency key makes a repeat harmless: the server answers with the clip
        the first attempt made, so an event is stored exactly once.
        """
        body = {
            "camera_id": camera_id,
            "idempotency_key": idempotency_key,
            "started_at": started_at.isoformat(),
            "ended_at": ended_at.isoformat(),
            "labels": labels,
            **{n: p.announce() for n, p in parts.items()},
        }
        upload = self.json("POST", "/api/v1/uploads", json=body)
        if upload["status"] == "complete":
            return dict(self.json("GET", f"/api/v1/clips/{upload['clip_id']}"))
        for name, part in parts.items():
            self._send(upload["id"], name, part, int(upload["parts"][name]["received"]))
        return dict(self.json("POST", f"/api/v1/uploads/{upload['id']}/complete"))

    def upload_clip(
        self,
        camera_id: str,
        media: Path,
        *,
        started_at: datetime,
        ended_at: datetime,
        labels: list[str],
        idempotency_key: str,
        thumbnail: Path | None = None,
        workdir: Path | None = None,
    ) -> dict[str, Any]:
        """Encrypt and upload a clip, resuming where an earlier attempt stopped."""
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            parts = self.encrypt_clip(camera_id, media, thumbnail, Path(tmp))
            return self.upload_parts(
                camera_id,
                parts,
                started_at=started_at,
                ended_at=ended_at,
                labels=labels,
                idempotency_key=idempotency_key,
            )

    def _send(self, upload_id: str, name: str, part: EncryptedPart, offset: int) -> None:
        with part.path.open("rb") as f:
            f.seek(offset)
            while offset < part.size:
                chunk = f.read(UPLOAD_CHUNK)
                self._call(
                    "PUT",
                    f"/api/v1/uploads/{upload_id}/{name}",
                    content=chunk,
                    headers={
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/octet-stream",
                    },
                )
                offset += len(chunk)

    def export_clip(
        self, clip_id: str, out_dir: Path, identity: Identity | None = None
    ) -> tuple[Path, Path]:
        """Write ``clip.age`` and ``clip.key`` so that ``age -d -i clip.key clip.age`` works."""
        out_dir.mkdir(parents=True, exist_ok=True)
        key = self.json("GET", f"/api/v1/clips/{clip_id}/key")
        if key["identity"]:
            clip_identity = parse_identity(key["identity"])
        elif key["wrapped"] and identity is not None:
            wrapped = base64.b64decode(key["wrapped"])
            clip_identity = parse_identity(decrypt_bytes(wrapped, identity).decode().strip())
        else:
            raise ClientError(
                409,
                "this clip is end-to-end encrypted: give your household key file with --identity",
            )
        age_path, key_path = out_dir / "clip.age", out_dir / "clip.key"
        with self.http.stream(
            "GET", f"/api/v1/clips/{clip_id}/ciphertext", headers=self.headers
        ) as response:
            if response.status_code >= 400:
                raise ClientError(response.status_code, response.read().decode()[:200])
            with age_path.open("wb") as f:
                for chunk in response.iter_bytes():
                    f.write(chunk)
        key_path.write_text(f"# clip {clip_id}\n{clip_identity.encode()}\n")
        key_path.chmod(0o600)
        return age_path, key_path
