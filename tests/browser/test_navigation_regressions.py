"""Regressions of issue 13, clicked through as a person does (only the first page is typed):

- a link in a table whose <tbody> once carried hx-target rendered the whole next page inside
  the row (boosted links inherited the target);
- Escape did not close the Disconnect dialog;
- with htmx from the CDN (the default, HTMX_VENDORED=0) and the CDN unreachable, htmx did not
  load at all: now the vendored copy of the same version is loaded instead.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal import demo_data
from portal.extensions import db
from portal.models import Administration, Domain, NmbrsSettings, Portal, PortalRole, User
from portal.nmbrs.sandbox.testing import running_sandbox
from tests.browser._server import chromium_page, focused, serve, sign_in_with_keyboard
from tests.conftest import PASSWORD, hashed, make_app

pytestmark = pytest.mark.browser

EMAIL = "admin@vandijk.example"
CDN = "https://cdn.jsdelivr.net/**"
VENDORED = Path(__file__).resolve().parents[2] / "static/vendor/htmx-2.0.11.min.js"


def _seed() -> None:
    portal = Portal(name=demo_data.PORTAL_NAME, nmbrs_enabled=True)
    domain = Domain(portal=portal, name="bakkerij-de-vries")
    administration = Administration(domain=domain, name="Bakkerij De Vries B.V.",
                                    relation_code="1", payroll_contract=True)
    user = User(portal=portal, email=EMAIL, portal_role=PortalRole.ADMIN,
                password_hash=hashed())
    db.session.add_all([portal, domain, administration, user])
    db.session.flush()
    db.session.add(NmbrsSettings(
        portal_id=portal.id, scope=NmbrsSettings.scope_for(),
        username=demo_data.SANDBOX_USERNAME, token=demo_data.SANDBOX_TOKEN,
        subdomain=demo_data.SANDBOX_SUBDOMAIN, import_payslips=True, import_journals=True,
        import_tax_assessments=True, import_late_runs=False, first_day=1, last_day=31))
    db.session.commit()


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The same portal served twice: htmx vendored, and htmx from the CDN (the default)."""
    folder = tmp_path_factory.mktemp("regressions")
    database = f"sqlite:///{folder / 'portal.sqlite3'}"
    with running_sandbox() as sandbox_url:
        apps = {vendored: make_app(folder, SQLALCHEMY_DATABASE_URI=database,
                                   HTMX_VENDORED=vendored, NMBRS_SOAP_URL=sandbox_url,
                                   DOCUMENT_STORE_PATH=str(folder / "documents"),
                                   LOGIN_RATE_LIMIT="100 per minute")
                for vendored in (True, False)}
        with apps[True].app_context():
            db.create_all()
            _seed()
            db.session.remove()
        with serve(apps[True]) as vendored_url, serve(apps[False]) as cdn_url:
            yield {"vendored": vendored_url, "cdn": cdn_url}
        for app in apps.values():
            with app.app_context():
                for engine in db.engines.values():
                    engine.dispose()


class Watched:
    """A page whose console errors and htmx error events are collected."""

    def __init__(self, page):
        self.page, self.errors = page, []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.add_init_script(
            "document.addEventListener('DOMContentLoaded', () => {"
            " ['htmx:targetError', 'htmx:swapError', 'htmx:responseError', 'htmx:sendError']"
            "  .forEach(t => document.body.addEventListener(t, e => console.error(t)));"
            "});")


def _sign_in(page, base_url) -> None:
    page.goto(f"{base_url}/login")
    sign_in_with_keyboard(page, EMAIL, PASSWORD)


def _layout(page) -> dict:
    return page.evaluate(
        "() => ({headers: document.querySelectorAll('header').length,"
        " mains: document.querySelectorAll('main').length,"
        " h1: [...document.querySelectorAll('h1')].map(h => h.innerText.trim()),"
        " rowsWithMain: document.querySelectorAll('tr main, td main, tr header').length})")


def test_an_administration_link_in_the_domain_table_opens_its_page_not_a_row(sites):
    with chromium_page() as page:
        watched = Watched(page)
        _sign_in(page, sites["vendored"])
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Domains").click()
        page.get_by_role("heading", level=1, name="Domains").wait_for()
        page.get_by_role("link", name="bakkerij-de-vries", exact=True).click()
        page.get_by_role("heading", level=1, name="bakkerij-de-vries").wait_for()

        page.get_by_role("link", name="Bakkerij De Vries B.V.", exact=True).click()
        page.wait_for_url("**/administrations/*")
        page.get_by_role("heading", level=1, name="Bakkerij De Vries B.V.").wait_for()
        assert _layout(page) == {"headers": 1, "mains": 1, "h1": ["Bakkerij De Vries B.V."],
                                 "rowsWithMain": 0}

        page.get_by_role("link", name="Import from Nmbrs").click()
        page.get_by_role("heading", level=1, name="Import from Nmbrs").wait_for()
        assert page.url.endswith("/import")
        assert _layout(page)["h1"] == ["Import from Nmbrs"]
        assert watched.errors == []


def test_the_edit_row_still_opens_and_cancels_in_place(sites):
    """The row's own controls carry the target the <tbody> used to hand down."""
    with chromium_page() as page:
        watched = Watched(page)
        _sign_in(page, sites["vendored"])
        page.get_by_role("link", name="Domains").first.click()
        page.get_by_role("link", name="bakkerij-de-vries", exact=True).click()
        page.get_by_role("link", name="Edit Bakkerij De Vries B.V.").click()
        page.locator("tr.editing form").wait_for()
        assert focused(page)["id"] == "name"  # the row's first field
        page.keyboard.press("Escape")
        expect(page.locator("tr.editing")).to_have_count(0)
        expect(page.get_by_role("link", name="Edit Bakkerij De Vries B.V.")).to_be_focused()
        assert _layout(page)["h1"] == ["bakkerij-de-vries"]
        assert watched.errors == []


def _open_nmbrs_settings(page, base_url) -> None:
    _sign_in(page, base_url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("heading", level=1, name="Settings").wait_for()
    page.get_by_role("link", name="Nmbrs").first.click()
    page.get_by_role("heading", level=1, name="Nmbrs settings").wait_for()


def test_escape_closes_the_disconnect_dialog_and_returns_the_focus(sites):
    with chromium_page() as page:
        watched = Watched(page)
        _open_nmbrs_settings(page, sites["vendored"])
        page.get_by_role("link", name="Disconnect").focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="Disconnect from Nmbrs?")
        dialog.wait_for()
        assert focused(page)["text"] == "Cancel"

        page.keyboard.press("Escape")
        dialog.wait_for(state="detached")
        assert focused(page) == {"tag": "A", "id": "disconnect-button", "text": "Disconnect"}
        expect(page.get_by_text("Disconnect from Nmbrs?")).to_have_count(0)
        assert watched.errors == []


def test_escape_on_the_disconnect_page_goes_back_to_the_settings(sites):
    """The confirmation as a page (a link opened in a new tab, or no htmx): Escape = Cancel."""
    with chromium_page() as page:
        _sign_in(page, sites["vendored"])
        page.goto(f"{sites['vendored']}/settings/nmbrs/disconnect")
        page.get_by_role("heading", name="Disconnect from Nmbrs?").wait_for()
        page.get_by_role("link", name="Cancel").focus()
        page.keyboard.press("Escape")
        page.get_by_role("heading", level=1, name="Nmbrs settings").wait_for()
        assert page.url.endswith("/settings/nmbrs")


def _htmx_version(page):
    return page.evaluate("() => window.htmx && window.htmx.version")


def _requests_to(page, fragment: str) -> list:
    seen = []
    page.on("request", lambda request: fragment in request.url and seen.append(request.url))
    return seen


def _boosted_navigation_works(page) -> None:
    """A boosted click replaces the page by htmx (the page is not loaded anew)."""
    page.evaluate("() => { window.notReloaded = true; }")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Domains").click()
    page.get_by_role("heading", level=1, name="Domains").wait_for()
    assert page.evaluate("() => window.notReloaded") is True


def test_cdn_blocked_loads_the_vendored_htmx(sites):
    with chromium_page() as page:
        page.route(CDN, lambda route: route.abort("blockedbyclient"))
        vendored = _requests_to(page, "/static/vendor/htmx-2.0.11.min.js")
        _sign_in(page, sites["cdn"])
        assert _htmx_version(page) == "2.0.11"
        assert vendored, "the vendored copy was not requested"
        _boosted_navigation_works(page)


def test_cdn_serving_other_bytes_is_refused_by_sri_and_the_vendored_copy_runs(sites):
    with chromium_page() as page:
        page.route(CDN, lambda route: route.fulfill(
            status=200, content_type="application/javascript",
            headers={"Access-Control-Allow-Origin": "*"},
            body="window.htmx = {version: 'tampered'};"))
        _sign_in(page, sites["cdn"])
        assert _htmx_version(page) == "2.0.11"
        _boosted_navigation_works(page)


def test_cdn_reachable_serves_htmx_without_the_fallback(sites):
    with chromium_page() as page:
        page.route(CDN, lambda route: route.fulfill(
            status=200, content_type="application/javascript",
            headers={"Access-Control-Allow-Origin": "*"}, body=VENDORED.read_bytes()))
        vendored = _requests_to(page, "/static/vendor/")
        watched = Watched(page)
        _sign_in(page, sites["cdn"])
        assert _htmx_version(page) == "2.0.11"
        _boosted_navigation_works(page)
        assert vendored == []
        assert watched.errors == []


def test_escape_closes_the_dialog_opened_with_the_mouse_after_a_click_inside_it(sites):
    """A click on the dialog's text moves the focus off its controls; Escape still closes it."""
    with chromium_page() as page:
        _open_nmbrs_settings(page, sites["vendored"])
        page.get_by_role("link", name="Disconnect").click()
        dialog = page.get_by_role("dialog", name="Disconnect from Nmbrs?")
        dialog.wait_for()
        page.get_by_text("The stored user name and API token are deleted").click()
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached")
        assert page.get_by_role("heading", level=1, name="Nmbrs settings").is_visible()
