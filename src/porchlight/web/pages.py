"""Helpers shared by the page routes of every feature."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from porchlight.errors import Conflict, InvalidInput, PorchlightError
from porchlight.web.context import context
from porchlight.web.deps import PageUser

# Errors a person can fix in the form; refusals (403/404) are not among them.
FORM_ERRORS = (ValidationError, InvalidInput, Conflict, ValueError)


def render(
    request: Request, template: str, visitor: PageUser, status: int = 200, **values: Any
) -> Response:
    """Render a page with the visitor, their CSRF token and any flash message."""
    values.setdefault("error", None)
    values.setdefault("notice", request.query_params.get("notice"))
    return context(request).templates.TemplateResponse(
        request,
        template,
        {"visitor": visitor, "csrf": visitor.csrf, **values},
        status_code=status,
    )


def redirect(url: str) -> RedirectResponse:
    """After a successful form post, go to a page with GET (post/redirect/get)."""
    return RedirectResponse(url, status_code=303)


def error_message(exc: Exception, hint: str = "a value is not in the expected form") -> str:
    """A readable sentence for a form error, naming the fields at fault."""
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "form"
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            parts.append(f"{field.replace('_', ' ')}: {msg}")
        return "; ".join(parts)
    if isinstance(exc, PorchlightError):
        fields = ", ".join(".".join(str(p) for p in e.loc[1:]) for e in exc.errors)
        return f"{fields.replace('_', ' ')}: {exc.detail}" if fields else exc.detail
    if isinstance(exc, ValueError):
        return hint
    raise exc
