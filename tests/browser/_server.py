"""Helpers for browser tests: the app on a real port, and pages in the session's Chromium."""

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.conftest import make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


def browser_app(tmp_path):
    """The app on a file SQLite database (shared by the server thread), tables created."""
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'browser.sqlite3'}",
                   HTMX_VENDORED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        db.create_all()
    return app


@contextmanager
def serve(app):
    """Serve `app` on 127.0.0.1 on a free port in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


SESSION_BROWSER = None  # set by tests/browser/conftest.py: shared_browser


@contextmanager
def chromium_page(timeout_ms: int = 10_000):
    """A fresh page (own context) in the session's headless Chromium."""
    if SESSION_BROWSER is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    context = SESSION_BROWSER.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        yield page
    finally:
        context.close()


def focused(page) -> dict:
    """What has the keyboard focus: tag, id and text."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName, id: e.id, text: (e.innerText || e.value || '').trim()}; }"
    )


def tab_to(page, matches, limit: int = 60) -> dict:
    """Press Tab until `matches(focused(page))` is true; fail after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)
        if matches(current):
            return current
    raise AssertionError(f"Tab never reached the element; last focus: {focused(page)}")


def sign_in_with_keyboard(page, email: str, password: str) -> None:
    """On the login page: the e-mail field has the focus; type, Tab, type, Enter."""
    page.get_by_label("E-mail").wait_for()
    assert focused(page)["id"] == "email"
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
