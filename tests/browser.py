"""Fixtures for browser tests: the real app under uvicorn, and Debian's chromium.

The browser tests drive ``/usr/bin/chromium`` (or ``PORCHLIGHT_CHROMIUM``) through
Playwright's Python client; Playwright's own browser downloads are never used.  When
chromium is not installed the tests are skipped with a reason saying so.
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine

from porchlight.app import create_app
from porchlight.settings import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Route

CHROMIUM_ENV = "PORCHLIGHT_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS_ENV = "PORCHLIGHT_SCREENSHOTS"
SCREENSHOTS_DIR = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
LOCAL_HOST = "127.0.0.1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    """The app served over real HTTP on a local port."""

    url: str
    server: object = field(repr=False)

    def at(self, path: str) -> str:
        return self.url + path


def _wait_until_healthy(
    host: str, port: int, thread: threading.Thread, timeout: float = 15.0
) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the test server stopped before it answered /healthz")
        conn = http.client.HTTPConnection(host, port, timeout=1)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError as exc:  # Not listening yet.
            last = exc
        finally:
            conn.close()
        time.sleep(0.05)
    raise RuntimeError(f"the test server did not answer /healthz within {timeout}s: {last}")


@pytest.fixture
def live_server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    """Run ``create_app(settings, engine)`` under uvicorn in a background thread."""
    import uvicorn

    # Bind the socket here and hand it to uvicorn: the port is free and already ours.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOCAL_HOST, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, engine),
        host=LOCAL_HOST,
        port=port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="porchlight-live", daemon=True
    )
    thread.start()
    url = f"http://{LOCAL_HOST}:{port}"
    try:
        _wait_until_healthy(LOCAL_HOST, port, thread)
        yield LiveServer(url, server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def chromium_path() -> str:
    return os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    path = chromium_path()
    if not Path(path).is_file():
        if CHROMIUM_ENV in os.environ:
            reason = f"browser tests skipped: {CHROMIUM_ENV}={path} does not exist"
        else:
            reason = (
                "browser tests skipped: Debian's chromium is not installed "
                "(apt-get install chromium)"
            )
        pytest.skip(reason)
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="browser tests skipped: the playwright Python client is not installed",
    )
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless, with its background traffic turned off."""
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class PageWatch:
    """What pages did that they must not: load from elsewhere, break the CSP, throw."""

    offsite: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"request to another host: {u}" for u in self.offsite]
            + [f"content security policy violation: {v}" for v in self.csp_violations]
            + [f"script error: {e}" for e in self.errors]
        )


# The CSP stops a CDN asset before it reaches the network (and so the route below):
# report such violations to the test as well.
_REPORT_CSP_JS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__porchlightCsp(e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


def _make_page(browser: Browser, watch: PageWatch, **options: object) -> Iterator[Page]:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(5_000)

    def guard(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            watch.offsite.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)

    def report_csp(text: str) -> None:
        watch.csp_violations.append(text)

    context.expose_function("__porchlightCsp", report_csp)
    context.add_init_script(_REPORT_CSP_JS)
    page = context.new_page()
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    try:
        yield page
        page.wait_for_load_state()  # let late reports arrive before the context closes
    finally:
        context.close()
    assert not watch.problems(), f"the pages misbehaved: {watch.problems()}"


@pytest.fixture
def page(browser: Browser, watch: PageWatch, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) at desktop size, watched (see PageWatch)."""
    yield from _make_page(browser, watch, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(browser: Browser, watch: PageWatch, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context the size of a phone (390x844, touch)."""
    yield from _make_page(
        browser,
        watch,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path | None:
    """Write ``docs/screenshots/<name>.png`` only when PORCHLIGHT_SCREENSHOTS=1."""
    if os.environ.get(SCREENSHOTS_ENV) != "1":
        return None
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path
