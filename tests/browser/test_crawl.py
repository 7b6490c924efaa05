"""Every page works as a person uses it (issue 13): for each role, a crawler starts at the
dashboard and clicks every link and every htmx link it can reach (see tests/browser/_crawler.py
for what it checks on every page), with axe-core on every page and fragment it reaches.

The portal is filled by `_portal_seed`: the demo domains, a user per role, documents imported
by the real importer from the Nmbrs sandbox, a failed and a waiting import, open tasks. htmx
comes as by default (HTMX_VENDORED=0): from the CDN with SRI, the CDN answered here by the
vendored bytes (the tests have no internet).
"""

from pathlib import Path

import pytest

from portal.extensions import db
from portal.nmbrs.sandbox.testing import running_sandbox
from tests.browser import _portal_seed
from tests.browser._crawler import Crawler
from tests.browser._server import chromium_page, serve, sign_in_with_keyboard
from tests.conftest import PASSWORD, make_app, redis_url

pytestmark = pytest.mark.browser

CDN = "https://cdn.jsdelivr.net/**"
VENDORED = Path(__file__).resolve().parents[2] / "static/vendor/htmx-2.0.11.min.js"


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crawl")
    with running_sandbox(today=_portal_seed.today()) as sandbox_url:
        app = make_app(folder, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'portal.sqlite3'}",
                       HTMX_VENDORED=False, NMBRS_SOAP_URL=sandbox_url, REDIS_URL=redis_url(12),
                       DOCUMENT_STORE_PATH=str(folder / "documents"),
                       LOGIN_RATE_LIMIT="100 per minute")
        with app.app_context():
            db.create_all()
            _portal_seed.seed_portal()
            db.session.remove()
        with serve(app) as base_url:
            yield base_url
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.mark.parametrize("login", _portal_seed.LOGINS, ids=lambda login: login.role)
def test_every_reachable_page_works_for(login, portal_url, request):
    with chromium_page(timeout_ms=15_000) as page:
        page.route(CDN, lambda route: route.fulfill(
            status=200, content_type="application/javascript",
            headers={"Access-Control-Allow-Origin": "*"}, body=VENDORED.read_bytes()))
        page.goto(f"{portal_url}/login")
        sign_in_with_keyboard(page, login.email, PASSWORD)
        crawler = Crawler(page, portal_url, login.role)
        report = crawler.crawl(start="/")

    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line(f"\ncrawl: {report.summary()}")
    assert report.problems == []
    assert len(report.pages) >= 5 and report.links_followed >= 5
