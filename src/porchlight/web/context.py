"""What the web layer needs from the composition root, built once in ``app.py``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from porchlight.accounts.service import Accounts
from porchlight.requests.service import Requests
from porchlight.vault.service import Vault

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

SESSION_COOKIE = "porchlight_session"
CSRF_COOKIE = "porchlight_csrf"


@dataclass
class WebContext:
    """Everything a route may use: sessions, services and presentation settings."""

    sessions: sessionmaker[Session]
    accounts: Accounts
    vault: Vault
    requests: Requests
    templates: Jinja2Templates
    secret_key: bytes
    cookie_secure: bool
    session_hours: int
    max_body_bytes: int
    environment: str
    # Staff must turn on two-step sign-in before anything else.
    staff_need_two_step: bool = False


def context(request: Request) -> WebContext:
    """The web context of the running app."""
    ctx: WebContext = request.app.state.web
    return ctx


def make_templates() -> Jinja2Templates:
    """Jinja2 templates with autoescaping (FastAPI's default for .html)."""
    return Jinja2Templates(directory=str(TEMPLATES_DIR))
