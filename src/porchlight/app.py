"""The composition root: builds the database, services and the ASGI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from porchlight import __version__
from porchlight.accounts import api as accounts_api
from porchlight.accounts import pages as accounts_pages
from porchlight.accounts.passwords import Passwords
from porchlight.accounts.ratelimit import (
    FailureCounter,
    Limiter,
    RedisFailureCounter,
    RedisSlidingWindowLimiter,
    SlidingWindowLimiter,
)
from porchlight.accounts.service import AccountRules, Accounts
from porchlight.blobs import open_blob_store
from porchlight.db import make_engine, make_sessionmaker
from porchlight.feed import api as feed_api
from porchlight.feed import clips as feed_clips
from porchlight.feed import pages as feed_pages
from porchlight.homes import api as homes_api
from porchlight.homes import pages as homes_pages
from porchlight.jobs import Periodic
from porchlight.requests import api as requests_api
from porchlight.requests import pages as requests_pages
from porchlight.requests.limits import RequestLimits
from porchlight.requests.service import Requests
from porchlight.settings import Settings
from porchlight.transparency import api as transparency_api
from porchlight.transparency import pages as transparency_pages
from porchlight.transparency import service as transparency
from porchlight.vault import api as vault_api
from porchlight.vault import pages as vault_pages
from porchlight.vault.common import VaultLimits
from porchlight.vault.keys import vault_identity
from porchlight.vault.service import Vault
from porchlight.video.encode import EncodeOptions
from porchlight.video.redact import RedactConfig, redact_video
from porchlight.web import problems
from porchlight.web.context import STATIC_DIR, WebContext, make_templates
from porchlight.web.deps import LoginRequired, TwoStepSetupPage
from porchlight.web.middleware import BodyLimit, SecurityHeaders

log = logging.getLogger("porchlight")


def build_vault(settings: Settings) -> Vault:
    """The footage vault: its blob store, its own key and its limits."""
    return Vault(
        open_blob_store(settings.resolved_blob_url),
        vault_identity(settings.vault_master_key.get_secret_value().encode()),
        settings.data_dir / "uploads",
        VaultLimits(
            max_clip_bytes=settings.max_clip_bytes,
            max_clip_seconds=settings.max_clip_seconds,
            household_quota_bytes=settings.household_quota_bytes,
        ),
        previous=[
            vault_identity(key.get_secret_value().encode())
            for key in (settings.vault_previous_master_key,)
            if key is not None
        ],
    )


def redact_for_sharing(source: Path, destination: Path, *, keep_audio: bool = False) -> None:
    """What owners share by default: faces and licence plates blurred, audio removed
    unless the owner keeps it."""
    redact_video(
        source, destination, config=RedactConfig(encode=EncodeOptions(keep_audio=keep_audio))
    )


def build_requests(settings: Settings, vault: Vault) -> Requests:
    """Police requests with the caps from settings; shares are redacted unless owners say."""
    return Requests(
        vault,
        RequestLimits(
            per_agency_week=settings.requests_per_agency_week,
            per_cell_week=settings.requests_per_area_week,
            jurisdiction_max_days=settings.jurisdiction_max_share_days,
            answer_days=settings.request_answer_days,
        ),
        redactor=redact_for_sharing,
    )


def build_accounts(settings: Settings) -> Accounts:
    """The accounts service with the costs and limits from settings; sign-in limits in
    Redis when several server processes must share them."""
    rules = AccountRules(
        session_hours=settings.session_hours,
        login_token_days=settings.login_token_days,
        max_failures=settings.login_max_failures,
        lockout_minutes=settings.login_lockout_minutes,
    )
    limiter: Limiter = SlidingWindowLimiter(settings.login_rate_per_minute, 60.0)
    unknown: FailureCounter | None = None
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url)
        limiter = RedisSlidingWindowLimiter(
            client, settings.login_rate_per_minute, 60.0, prefix=REDIS_PREFIX
        )
        unknown = RedisFailureCounter(
            client,
            settings.login_max_failures,
            timedelta(minutes=settings.login_lockout_minutes),
            prefix=REDIS_PREFIX,
        )
    return Accounts(
        Passwords(memory_kib=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost),
        rules,
        limiter,
        second_factor_key=settings.secret_key.get_secret_value(),
        unknown=unknown,
    )


#: Every key Porchlight writes to Redis starts with this.
REDIS_PREFIX = "porchlight:"


async def _two_step_redirect(request: Request, exc: Exception) -> Response:
    notice = "Your role needs two-step sign-in: set it up to continue."
    return RedirectResponse("/account/security?notice=" + quote(notice), status_code=303)


async def _login_redirect(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?next=" + quote(target), status_code=303)


def vault_housekeeping(
    vault: Vault, sessions: sessionmaker[Session], requests: Requests | None = None
) -> Callable[[], None]:
    """One run of the vault's periodic work: shred expired clips and shares, clean up."""

    def run() -> None:
        with sessions() as db:
            shredded = vault.sweep_expired(db)
        if requests is not None:
            with sessions() as db:
                shredded += requests.expire(db)
            # Copies left over by a restart mid-preparation.
            share_preparation(requests, vault, sessions)()
        with sessions() as db:
            cleaned = vault.clean_leftovers(db)
        if shredded or cleaned:
            log.info("retention: shredded %d clips, removed %d leftovers", shredded, cleaned)

    return run


#: How often the server looks for shared copies (police shares, feed posts' clips) that
#: still wait to be made: normally they are made right after the request that asked.
SHARE_PREPARATION_SECONDS = 60.0


def share_preparation(
    requests: Requests, vault: Vault, sessions: sessionmaker[Session]
) -> Callable[[], None]:
    """One run of the copy preparer: shares and post clips still waiting for a copy."""
    clips = feed_clips.Clips(vault=vault, redactor=requests.redactor)

    def run() -> None:
        with sessions() as db:
            made = requests.prepare_shares(db)
        with sessions() as db:
            made += feed_clips.prepare_post_clips(db, clips)
        with sessions() as db:
            feed_clips.sweep_unwanted(db, clips)
        if made:
            log.info("prepared %d shared copies", made)

    return run


def build_log(settings: Settings) -> transparency.LogPublisher:
    """The transparency log's signing key (derived from settings) and its blob store."""
    return transparency.LogPublisher(
        transparency.log_signer(settings.log_signing_key.get_secret_value(), settings.log_origin),
        open_blob_store(settings.resolved_blob_url),
    )


def log_sequencer(
    publisher: transparency.LogPublisher, sessions: sessionmaker[Session]
) -> Callable[[], None]:
    """One run of the log's periodic work: append pending events, sign, write tiles."""

    def run() -> None:
        with sessions() as db:
            transparency.sequence(db, publisher.signer, publisher.blobs)

    return run


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the web application.  Pass ``engine`` to share one with the caller (tests)."""
    engine = engine or make_engine(settings.resolved_database_url)
    vault = build_vault(settings)
    requests = build_requests(settings, vault)
    sessions = make_sessionmaker(engine)
    public_log = build_log(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        jobs = []
        if settings.jobs_interval_minutes:
            jobs.append(
                Periodic(
                    "vault-housekeeping",
                    settings.jobs_interval_minutes * 60,
                    vault_housekeeping(vault, sessions, requests),
                    # Soon after start: leftovers of a crash are cleaned at the next start.
                    first_after=10.0,
                )
            )
        if settings.jobs_interval_minutes:
            # Shares whose copy was not made right after the answer (a restart, say).
            jobs.append(
                Periodic(
                    "share-preparation",
                    SHARE_PREPARATION_SECONDS,
                    share_preparation(requests, vault, sessions),
                    first_after=5.0,
                )
            )
        if settings.log_sequence_seconds:
            jobs.append(
                Periodic(
                    "log-sequencer",
                    settings.log_sequence_seconds,
                    log_sequencer(public_log, sessions),
                )
            )
        for job in jobs:
            job.start()
        yield
        for job in jobs:
            job.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Porchlight",
        version=__version__,
        description="Neighbourhood cameras with encrypted footage, consent-based police "
        "requests and a public, verifiable record. Errors are RFC 9457 problem details.",
        # The interactive docs load scripts from a CDN, which our pages never do.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.web = WebContext(
        sessions=sessions,
        accounts=build_accounts(settings),
        vault=vault,
        requests=requests,
        templates=make_templates(),
        secret_key=settings.secret_key.get_secret_value().encode(),
        cookie_secure=settings.cookie_secure,
        session_hours=settings.session_hours,
        max_body_bytes=settings.max_body_bytes,
        environment=settings.environment,
        staff_need_two_step=settings.staff_need_two_step,
    )
    app.state.engine = engine
    app.state.transparency = public_log
    problems.install(app)
    app.add_exception_handler(LoginRequired, _login_redirect)
    app.add_exception_handler(TwoStepSetupPage, _two_step_redirect)
    # Upload parts stream to disk and are checked against their announced size instead.
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, exempt_prefixes=("/api/v1/uploads/",)
    )
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Liveness and database reachability."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # Any failure means "not healthy"; the log has the details.
            log.exception("health check failed")
            return JSONResponse({"status": "unhealthy", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "version": __version__, "database": "ok"})

    for router in (
        accounts_api.router,
        homes_api.router,
        feed_api.router,
        vault_api.router,
        accounts_pages.router,
        homes_pages.router,
        feed_pages.router,
        vault_pages.router,
        requests_api.router,
        requests_pages.router,
        transparency_api.router,
        transparency_pages.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
