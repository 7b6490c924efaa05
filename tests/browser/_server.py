"""Self-contained helpers for browser tests: the app on a real port, and Debian's Chromium.

Kept out of conftest.py on purpose (another branch owns tests/browser/conftest.py).
"""

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


@contextmanager
def chromium_page():
    """A fresh page in headless Debian Chromium; skips the test when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(10_000)
            yield page
        finally:
            browser.close()


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
