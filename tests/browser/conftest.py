"""Browser tests: the app served on a free port, driven by Playwright in Debian's Chromium.

Playwright's own browser downloads are not used: `executable_path` points at /usr/bin/chromium
(`apt-get install chromium`; `make test` installs it when run as root).
"""

import threading
from pathlib import Path

import flask_migrate
import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import Portal, PortalRole
from portal.services import accounts
from tests.browser import _server
from tests.conftest import PASSWORD, make_app
from tests.helpers_logging import preserved_logging

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ADMIN_EMAIL = "admin@vandijk-partners.nl"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True, scope="session")
def _require_chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}: "
                    "sudo apt-get install -y chromium")


@pytest.fixture(autouse=True, scope="session")
def shared_browser(_require_chromium):
    """One headless Chromium for the whole browser suite (one Playwright instance: a second
    sync_playwright() inside the first fails)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        _server.SESSION_BROWSER = browser
        try:
            yield browser
        finally:
            _server.SESSION_BROWSER = None
            browser.close()


@pytest.fixture
def page(shared_browser):
    """A fresh browser context and page per test."""
    context = shared_browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on a migrated SQLite file with one Portal administrator, on a free port."""
    folder = tmp_path_factory.mktemp("browser")
    app = make_app(folder, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'browser.sqlite3'}",
                   HTMX_VENDORED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        with preserved_logging():
            flask_migrate.upgrade()
        portal = Portal(name="Van Dijk & Partners Accountants", nmbrs_enabled=True)
        db.session.add(portal)
        accounts.create_user(portal, ADMIN_EMAIL, PASSWORD, PortalRole.ADMIN)
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def screenshot(page, request):
    """screenshot("state") saves test-artifacts/<test>-<n>-<state>.png (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    count = iter(range(1, 100))

    def take(state: str):
        page.screenshot(path=ARTIFACTS / f"{request.node.name}-{next(count):02d}-{state}.png",
                        full_page=True)

    return take
