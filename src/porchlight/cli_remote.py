"""``porchlight clip …`` and ``porchlight keys …``: commands that talk to a server.

They run on the owner's machine with an API token; keys made here never leave it
(except as a recovery backup encrypted with a passphrase only the owner knows).
"""

from __future__ import annotations

import base64
import getpass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from porchlight.client import ClientError, PorchlightClient
from porchlight.crypto import (
    DecryptionError,
    decrypt_with_passphrase,
    encrypt_with_passphrase,
    generate_identity,
    parse_identity,
    read_identity_file,
    write_identity_file,
)

clip_app = typer.Typer(help="Upload, list and export clips on a server.", no_args_is_help=True)
keys_app = typer.Typer(help="End-to-end encryption keys for your household.", no_args_is_help=True)
# soft_wrap: ids and paths are printed whole, whatever the terminal's width.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Server = Annotated[str, typer.Option(envvar="PORCHLIGHT_SERVER", help="Server URL.")]
Token = Annotated[str, typer.Option(envvar="PORCHLIGHT_TOKEN", help="API token.")]


def _client(server: str, token: str) -> PorchlightClient:
    if not server or not token:
        err.print(
            "[bold red]error:[/] give --server and --token "
            "(or PORCHLIGHT_SERVER and PORCHLIGHT_TOKEN)"
        )
        raise typer.Exit(2)
    return PorchlightClient(server, token)


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc.detail if isinstance(exc, ClientError) else exc}")
    return typer.Exit(2)


@clip_app.command("upload")
def clip_upload(
    media: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An MP4 file.")],
    camera: Annotated[str, typer.Option(help="Camera id.")],
    start: Annotated[datetime, typer.Option(help="When the event started (ISO 8601, UTC).")],
    end: Annotated[datetime, typer.Option(help="When it ended.")],
    server: Server = "",
    token: Token = "",
    label: Annotated[list[str] | None, typer.Option(help="What was seen; repeatable.")] = None,
    thumbnail: Annotated[Path | None, typer.Option(exists=True, help="A JPEG still.")] = None,
) -> None:
    """Encrypt a clip on this machine and upload it (resumes an interrupted upload)."""
    from datetime import UTC

    client = _client(server, token)
    started = start if start.tzinfo else start.replace(tzinfo=UTC)
    ended = end if end.tzinfo else end.replace(tzinfo=UTC)
    key = f"{camera}:{started.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}:{media.stat().st_size}"
    try:
        clip = client.upload_clip(
            camera,
            media,
            started_at=started,
            ended_at=ended,
            labels=label or [],
            idempotency_key=key,
            thumbnail=thumbnail,
        )
    except ClientError as exc:
        raise _fail(exc) from None
    out.print(f"uploaded clip {clip['id']} ({clip['size']} encrypted bytes)")


@clip_app.command("list")
def clip_list(server: Server = "", token: Token = "") -> None:
    """List your households' clips."""
    client = _client(server, token)
    table = Table("camera", "started", "seconds", "labels", "mode")
    table.add_column("id", no_wrap=True, overflow="fold", min_width=32)
    cursor = None
    try:
        while True:
            page = client.json("GET", "/api/v1/clips", params={"cursor": cursor} if cursor else {})
            for c in page["items"]:
                table.add_row(
                    c["camera_id"] or "",
                    c["started_at"],
                    f"{c['duration_seconds']:.0f}",
                    ",".join(c["labels"]),
                    "e2e" if c["e2e"] else "standard",
                    c["id"],
                )
            cursor = page["next_cursor"]
            if not cursor:
                break
    except ClientError as exc:
        raise _fail(exc) from None
    out.print(table)


@clip_app.command("export")
def clip_export(
    clip_id: Annotated[str, typer.Argument(help="The clip's id.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")],
    server: Server = "",
    token: Token = "",
    identity: Annotated[
        Path | None, typer.Option(help="Your household key file (end-to-end mode).")
    ] = None,
) -> None:
    """Write clip.age and clip.key: `age -d -i clip.key clip.age > clip.mp4` opens it."""
    client = _client(server, token)
    try:
        household = read_identity_file(identity)[0] if identity else None
        with Progress(transient=True) as progress:
            progress.add_task("downloading", total=None)
            age_path, key_path = client.export_clip(clip_id, out_dir, household)
    except (ClientError, DecryptionError, ValueError, OSError) as exc:
        raise _fail(exc) from None
    out.print(
        f"wrote {age_path} and {key_path}\nopen it with: age -d -i {key_path} {age_path} > clip.mp4"
    )


@keys_app.command("init")
def keys_init(
    household: Annotated[str, typer.Option(help="Household id.")],
    key_file: Annotated[Path, typer.Option(help="Where to write your private key.")] = Path(
        "porchlight-household.key"
    ),
    server: Server = "",
    token: Token = "",
    passphrase: Annotated[
        str | None, typer.Option(help="Recovery passphrase (prompted for when not given).")
    ] = None,
) -> None:
    """Create your household's key here, back it up under a passphrase, turn on end-to-end mode.

    From then on new clips are encrypted to a key only you hold: the server cannot play
    them, nor can anyone who asks it to.
    """
    client = _client(server, token)
    if key_file.exists():
        err.print(f"[bold red]error:[/] {key_file} exists; refusing to overwrite a key")
        raise typer.Exit(2)
    phrase = passphrase or getpass.getpass("Recovery passphrase (12+ characters): ")
    if len(phrase) < 12:
        err.print("[bold red]error:[/] the recovery passphrase needs at least 12 characters")
        raise typer.Exit(2)
    identity = generate_identity()
    backup = encrypt_with_passphrase(identity.encode().encode(), phrase)
    write_identity_file(key_file, [identity], comment=f"porchlight household {household}")
    try:
        client.json(
            "POST",
            f"/api/v1/households/{household}/keys",
            json={
                "recipient": str(identity.recipient),
                "recovery": base64.b64encode(backup).decode(),
            },
        )
    except ClientError as exc:
        key_file.unlink()
        raise _fail(exc) from None
    out.print(
        f"end-to-end mode is on; your key is in {key_file} (keep it safe).\n"
        "The server stores only its public half and a backup it cannot open.\n"
        "End-to-end mode means clips cannot be played in the browser, shared with the\n"
        "neighbourhood or with agencies by the server: only from your own devices."
    )


@keys_app.command("recover")
def keys_recover(
    household: Annotated[str, typer.Option(help="Household id.")],
    key_file: Annotated[Path, typer.Option(help="Where to write the recovered key.")],
    server: Server = "",
    token: Token = "",
    passphrase: Annotated[str | None, typer.Option(help="Recovery passphrase.")] = None,
) -> None:
    """Fetch the encrypted backup of your household key and open it with your passphrase."""
    client = _client(server, token)
    try:
        found = client.json("GET", f"/api/v1/households/{household}/keys/recovery")
        phrase = passphrase or getpass.getpass("Recovery passphrase: ")
        identity = parse_identity(
            decrypt_with_passphrase(base64.b64decode(found["recovery"]), phrase).decode().strip()
        )
    except ClientError as exc:
        raise _fail(exc) from None
    except DecryptionError:
        err.print("[bold red]error:[/] wrong recovery passphrase")
        raise typer.Exit(2) from None
    write_identity_file(key_file, [identity], comment=f"porchlight household {household}")
    out.print(f"recovered the key for {found['recipient']} into {key_file}")
