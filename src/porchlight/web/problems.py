"""Errors as RFC 9457 problem details (``application/problem+json``).

API routes answer every error with a problem body naming the fields at fault;
page routes answer with a readable HTML page instead.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from porchlight.errors import PorchlightError
from porchlight.web.context import WebContext
from porchlight.web.middleware import BodyTooLarge

PROBLEM_TYPE_BASE = "https://porchlight.example/problems/"
log = logging.getLogger("porchlight")


def wants_html(request: Request) -> bool:
    """Page routes (anything outside the API and the log) answer errors as HTML."""
    path = request.url.path
    if path.startswith(("/api/", "/log/", "/healthz", "/openapi.json")):
        return False
    return "text/html" in request.headers.get("accept", "") or request.method == "POST"


def problem(
    request: Request,
    status: int,
    kind: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a problem response (JSON for the API, HTML for pages)."""
    if wants_html(request):
        ctx: WebContext = request.app.state.web
        return ctx.templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": status,
                "title": title,
                "detail": detail,
                "errors": errors or [],
                # Error pages do not look the visitor up again: they show the signed-out menu.
                "visitor": {"user": None, "actor": None},
                "csrf": "",
            },
            status_code=status,
            headers=headers,
        )
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(
        body, status_code=status, headers=headers, media_type="application/problem+json"
    )


def _field(loc: list[Any] | tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


async def _porchlight_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PorchlightError)
    errors = [{"loc": list(e.loc), "field": _field(e.loc), "msg": e.msg} for e in exc.errors]
    return problem(request, exc.status, exc.kind, exc.title, exc.detail, errors, exc.headers)


def _validation_messages(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            msg = "Unknown field."
        elif err.get("type") == "json_invalid":
            msg = "The body is not valid JSON."
        out.append({"loc": loc, "field": _field(loc), "msg": msg})
    return out


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_messages(exc)
    if any(e["msg"] == "The body is not valid JSON." for e in errors):
        return problem(
            request,
            400,
            "malformed-json",
            "Malformed JSON",
            "The request body is not valid JSON.",
            errors,
        )
    names = ", ".join(sorted({e["field"] for e in errors}))
    return problem(
        request,
        422,
        "invalid-input",
        "Invalid input",
        f"Some fields are not valid: {names}.",
        errors,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, BodyTooLarge):
        # FastAPI reports any failure to read a JSON body as a 400, including the body
        # limit tripping on a streamed body without a Content-Length: it is a 413.
        limit = request.app.state.web.max_body_bytes
        return problem(
            request,
            413,
            "request-too-large",
            "Request too large",
            f"The request body is larger than {limit} bytes.",
        )
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
    title = titles.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem(
        request,
        exc.status_code,
        title.lower().replace(" ", "-"),
        title,
        detail,
        headers=getattr(exc, "headers", None),
    )


async def _integrity_error(request: Request, exc: Exception) -> Response:
    # Two requests raced past a service's duplicate check; the database's own unique
    # rule caught the second one.  Nothing was saved.
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc)
    return problem(
        request,
        409,
        "conflict",
        "Conflict",
        "This conflicts with something saved at the same moment; nothing was saved. "
        "Reload and try again.",
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        request,
        500,
        "internal-error",
        "Internal error",
        "Something went wrong on our side; nothing was saved.",
    )


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app``."""
    app.add_exception_handler(PorchlightError, _porchlight_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unexpected)
