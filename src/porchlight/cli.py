"""``porchlight …``: serve, migrate, demo, and the operator's account commands."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from porchlight import demo as demo_data
from porchlight import migrate as migrations
from porchlight.accounts.schemas import AgencyIn, TokenIn, UserIn
from porchlight.accounts.service import Accounts
from porchlight.app import build_accounts, build_requests, build_vault, create_app
from porchlight.authz import ROLE_SCOPES, Role, Scope
from porchlight.cli_remote import clip_app, keys_app
from porchlight.db import make_engine, make_sessionmaker, transaction, utcnow
from porchlight.errors import PorchlightError
from porchlight.feed import clips as feed_clips
from porchlight.settings import Settings, load_settings
from porchlight.web.deps import actor_for

app = typer.Typer(
    help="Porchlight: neighbourhood cameras built to be trusted.",
    no_args_is_help=True,
    add_completion=False,
)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
agency_app = typer.Typer(help="Manage partner agencies.", no_args_is_help=True)
token_app = typer.Typer(help="Issue API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(agency_app, name="agency")
app.add_typer(token_app, name="token")
vault_app = typer.Typer(help="Server-side vault housekeeping.", no_args_is_help=True)
app.add_typer(vault_app, name="vault")
app.add_typer(clip_app, name="clip")
app.add_typer(keys_app, name="keys")

out = Console()
err = Console(stderr=True)
T = TypeVar("T")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a readable error and return the exit to raise."""
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except ValidationError as exc:
        messages = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise fail(f"invalid settings: {messages}") from None


@contextmanager
def _guard() -> Iterator[None]:
    try:
        yield
    except PorchlightError as exc:
        fields = ", ".join(".".join(str(p) for p in e.loc[1:]) for e in exc.errors)
        raise fail(f"{fields}: {exc.detail}" if fields else exc.detail) from None
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise fail(msgs) from None
    except OperationalError as exc:
        raise fail(
            f"the database cannot be reached or is not migrated ({exc.orig}); "
            "run `porchlight migrate`"
        ) from None


def _engine(settings: Settings) -> Engine:
    return make_engine(settings.resolved_database_url)


def _run(settings: Settings, work: Callable[[Any, Accounts], T]) -> T:
    engine = _engine(settings)
    accounts = build_accounts(settings)
    with _guard(), transaction(make_sessionmaker(engine)) as db:
        return work(db, accounts)


@app.command()
def migrate(revision: Annotated[str, typer.Option(help="Target revision.")] = "head") -> None:
    """Create or upgrade the database schema."""
    settings = _settings()
    with _guard():
        migrations.upgrade(_engine(settings), revision)
    out.print(f"database at revision {revision}: {settings.resolved_database_url}")


def _serve(settings: Settings) -> None:
    import uvicorn

    engine = _engine(settings)
    with _guard():
        migrations.upgrade(engine)
    out.print(
        f"Porchlight is serving on [bold]http://{settings.host}:{settings.port}[/] "
        "(Ctrl+C stops it)"
    )
    uvicorn.run(
        create_app(settings, engine),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """Migrate the database, then serve the web pages and the API."""
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    _serve(_settings(**overrides))


@app.command()
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed, then exit.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the logins as JSON.")] = False,
) -> None:
    """Seed a demo neighbourhood (safe to repeat), print its logins, and serve it."""
    import os

    environment = os.environ.get("PORCHLIGHT_ENVIRONMENT", "demo")
    settings = _settings(environment=environment)
    engine = _engine(settings)
    with _guard():
        migrations.upgrade(engine)
    created = _run(settings, demo_data.seed)
    if created:
        vault = build_vault(settings)
        with tempfile.TemporaryDirectory() as tmp:
            _run(settings, lambda db, _: demo_data.seed_clips(db, vault, Path(tmp), utcnow()))
        requests = build_requests(settings, vault)
        _run(settings, lambda db, _: demo_data.seed_requests(db, requests, utcnow()))
    accounts = demo_data.all_accounts()
    if as_json:
        rows = [{"email": a.email, "password": a.password, "role": a.role} for a in accounts]
        sys.stdout.write(json.dumps({"created": created, "accounts": rows}, indent=2) + "\n")
    else:
        _print_logins(created, accounts)
    if not no_serve:
        _serve(settings)


def _print_logins(created: bool, accounts: list[demo_data.DemoAccount]) -> None:
    out.print("Seeded the demo neighbourhood." if created else "The demo neighbourhood is ready.")
    table = Table(title="Demo logins (every password is the same)")
    for column in ("role", "email", "password"):
        table.add_column(column)
    staff = demo_data.staff_accounts()
    for account in accounts[: len(staff) + 1]:
        table.add_row(account.role, account.email, account.password)
    table.add_row("resident", f"… resident02 to resident{demo_data.HOUSEHOLDS:02d}", "")
    out.print(table)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[Role, typer.Option(help="Role.")] = Role.RESIDENT,
    agency: Annotated[str | None, typer.Option(help="Agency name (officers, supervisors).")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password.")
    ] = "",
) -> None:
    """Create an account."""
    from porchlight.accounts.service import SYSTEM

    if role is Role.PUBLIC:
        raise fail("'public' is not an account role")

    def work(db: Any, accounts: Accounts) -> str:
        agency_id = None
        if agency:
            found = accounts.find_agency(db, agency)
            if found is None:
                raise fail(f"no agency named {agency!r}; create it with `porchlight agency create`")
            agency_id = found.id
        data = UserIn(
            email=email, display_name=name, password=password, role=role, agency_id=agency_id
        )
        return accounts.create_user(db, SYSTEM, data).email

    created = _run(_settings(), work)
    out.print(f"created {role.value} account {created}")


@agency_app.command("create")
def agency_create(
    name: Annotated[str, typer.Argument(help="The agency's name.")],
    jurisdiction: Annotated[str, typer.Option(help="Where it has authority.")],
    contact: Annotated[str, typer.Option(help="Public contact (email or phone).")],
    policy_url: Annotated[str | None, typer.Option(help="Published footage policy.")] = None,
    retention_days: Annotated[int | None, typer.Option(help="Days it keeps footage.")] = None,
) -> None:
    """Register a partner agency.  Its record is public."""
    from porchlight.accounts.service import SYSTEM

    data_fields = {
        "name": name,
        "jurisdiction": jurisdiction,
        "public_contact": contact,
        "policy_url": policy_url,
        "retention_days": retention_days,
    }

    def work(db: Any, accounts: Accounts) -> str:
        return accounts.create_agency(db, SYSTEM, AgencyIn(**data_fields)).id

    agency_id = _run(_settings(), work)
    out.print(f"registered agency {name} ({agency_id})")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    scope: Annotated[list[Scope] | None, typer.Option(help="Repeat for each scope.")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires.")] = 90,
) -> None:
    """Issue an API token for an account and print it (shown only this once)."""

    def work(db: Any, accounts: Accounts) -> str:
        user = accounts.find_user(db, email)
        if user is None:
            raise fail(f"no account with email {email!r}")
        actor = actor_for(db, user, None)
        if scope and not set(scope) <= ROLE_SCOPES[actor.role]:
            raise fail(
                f"a {actor.role.value} cannot hold: "
                + ", ".join(s.value for s in set(scope) - ROLE_SCOPES[actor.role])
            )
        secret, _ = accounts.issue_token(
            db, actor, TokenIn(name=name, scopes=scope, expires_in_days=days)
        )
        return secret

    sys.stdout.write(_run(_settings(), work) + "\n")


@vault_app.command("sweep")
def vault_sweep() -> None:
    """Shred clips past their retention and shares past their expiry, make shared copies
    still waiting, and clean up leftovers."""
    settings = _settings()
    vault = build_vault(settings)
    requests = build_requests(settings, vault)
    sessions = make_sessionmaker(_engine(settings))
    with _guard():
        with sessions() as db:
            shredded = vault.sweep_expired(db)
        with sessions() as db:
            expired = requests.expire(db)
        with sessions() as db:
            prepared = requests.prepare_shares(db)
        clips = feed_clips.Clips(vault=vault, redactor=requests.redactor)
        with sessions() as db:
            prepared += feed_clips.prepare_post_clips(db, clips)
        with sessions() as db:
            cleaned = vault.clean_leftovers(db)
    out.print(
        f"shredded {shredded} expired clips and {expired} expired shares; "
        f"prepared {prepared} shared copies; removed {cleaned} leftovers"
    )


@vault_app.command("rewrap")
def vault_rewrap() -> None:
    """After rotating PORCHLIGHT_VAULT_MASTER_KEY (the old one in
    PORCHLIGHT_VAULT_PREVIOUS_MASTER_KEY): re-wrap every clip key to the new master key."""
    settings = _settings()
    vault = build_vault(settings)
    if not vault.previous:
        err.print(
            "[bold red]error:[/] set PORCHLIGHT_VAULT_PREVIOUS_MASTER_KEY to the old master "
            "key: keys wrapped to it cannot be opened without it"
        )
        raise typer.Exit(2)
    sessions = make_sessionmaker(_engine(settings))
    with _guard(), sessions() as db:
        rewrapped, unopened = vault.rewrap(db)
    out.print(f"re-wrapped {rewrapped} keys to the current master key")
    if unopened:
        err.print(
            f"[bold red]error:[/] {unopened} keys open with neither the current nor the "
            "previous master key; they are left as they are"
        )
        raise typer.Exit(1)
    out.print("every key opens with the current master key: remove the previous one")


log_app = typer.Typer(help="This server's transparency log.", no_args_is_help=True)
app.add_typer(log_app, name="log")


@app.command()
def verify(
    server: Annotated[str, typer.Option(envvar="PORCHLIGHT_SERVER", help="The server's URL.")],
    state: Annotated[
        Path, typer.Option(help="Keeps the last verified checkpoint and the pinned key.")
    ] = Path("porchlight-log.json"),
    entry: Annotated[int | None, typer.Option(help="Also prove entry N is in the log.")] = None,
    key: Annotated[
        str | None, typer.Option(help="The log's key; else fetched from /log/key and pinned.")
    ] = None,
    receipt: Annotated[
        Path | None, typer.Option(help="Also check a receipt from My record (JSON).")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Download every entry and rebuild the root.")
    ] = False,
) -> None:
    """Check the public log: signature, consistency with the last run, and inclusion."""
    from porchlight.transparency.verify import run

    code = run(
        server, state_path=state, key=key, entry=entry, receipt_path=receipt, everything=everything
    )
    raise typer.Exit(code)


@log_app.command("sequence")
def log_sequence() -> None:
    """Append pending events to the log now, sign a checkpoint and write its tiles."""
    from porchlight.app import build_log
    from porchlight.transparency import service as transparency

    settings = _settings()
    public_log = build_log(settings)
    with _guard(), make_sessionmaker(_engine(settings))() as db:
        added = transparency.sequence(db, public_log.signer, public_log.blobs)
    out.print(f"appended {added} events to the log {public_log.origin}")


@log_app.command("key")
def log_key() -> None:
    """Print the log's verifier key (publish it where verifiers will find it)."""
    from porchlight.app import build_log

    sys.stdout.write(build_log(_settings()).vkey + "\n")


def main() -> None:
    """Entry point of the ``porchlight`` console script."""
    app()


if __name__ == "__main__":
    main()
