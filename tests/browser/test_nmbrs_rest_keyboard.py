"""Nmbrs REST consent with the keyboard alone, in headless Chromium (issue 11): from the
dashboard to the page, enter the API application, connect a domain on the sandbox's consent page,
see its status, move it to REST, reconnect, disconnect. Screenshots go to test-artifacts/nmbrs-rest/."""

import shutil
import threading
from pathlib import Path

import pytest

from portal import demo_data
from portal.nmbrs.sandbox.identity import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_SUBSCRIPTION_KEY,
)
from portal.nmbrs.sandbox.rest_server import running_rest_sandbox
from tests.conftest import PASSWORD, add_user, make_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "nmbrs-rest"

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def server(tmp_path):
    from werkzeug.serving import make_server

    from portal.extensions import db
    from portal.models import Domain, Portal, PortalRole

    with running_rest_sandbox() as sandbox:
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'b.sqlite3'}",
                       HTMX_VENDORED=True, RATELIMIT_STORAGE_URI="memory://",
                       NMBRS_IDENTITY_URL=sandbox.root, NMBRS_REST_URL=sandbox.root)
        with app.app_context():
            db.create_all()
            portal = Portal(name="Van Dijk & Partners", nmbrs_enabled=True)
            domain = Domain(portal=portal, name=demo_data.DOMAINS[0].name)
            db.session.add_all([portal, domain])
            add_user(portal, "admin@example.nl", PortalRole.ADMIN)
            db.session.commit()
            domain_id = domain.id
        http = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{http.server_port}", domain_id
        finally:
            http.shutdown()
            thread.join(5)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def page(shared_browser):
    context = shared_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(8000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def tab_to(page, selector, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def consent_as_debtor_1(page):
    """On the sandbox's consent page: Tab to the first debtor's button and press Enter."""
    expect = sync_api.expect
    expect(page.get_by_role("heading", name="Nmbrs sandbox")).to_be_visible()
    tab_to(page, 'button[name="debtor"][value="1"]')
    page.keyboard.press("Enter")


def sign_in_and_open_the_page(page, base):
    """Sign in, then from the dashboard to Settings › Nmbrs REST API by the keyboard."""
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'email'")
    page.keyboard.type("admin@example.nl")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    tab_to(page, 'nav a[href="/settings"]')
    page.keyboard.press("Enter")
    sync_api.expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    tab_to(page, 'main a[href="/settings/nmbrs/rest"]')
    page.keyboard.press("Enter")
    sync_api.expect(page.get_by_role("heading", name="Nmbrs REST API", exact=True)
                    ).to_be_visible()


def test_application_connect_status_reconnect_disconnect_with_the_keyboard(server, page):
    base, domain_id = server
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    expect = sync_api.expect

    page.goto(base)
    sign_in_and_open_the_page(page, base)
    expect(page.locator("#redirect-uri")).to_have_value(f"{base}/settings/nmbrs/rest/callback")
    shot(page, "01-no-application")

    # The API application, typed field by field; the secrets are never shown back.
    tab_to(page, "#client_id")
    page.keyboard.type(SANDBOX_CLIENT_ID)
    page.keyboard.press("Tab")
    page.keyboard.type(SANDBOX_CLIENT_SECRET)
    page.keyboard.press("Tab")
    page.keyboard.type(SANDBOX_SUBSCRIPTION_KEY)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Nmbrs API application saved.")).to_be_visible()
    assert SANDBOX_CLIENT_SECRET not in page.content()
    shot(page, "02-application-saved")

    # Another day: sign out, sign in, and to the page by links again. The page now lives in
    # the dashboard's document (boosted navigation), whose Content-Security-Policy must allow
    # the redirect to Nmbrs too.
    tab_to(page, "form.signout button")
    page.keyboard.press("Enter")
    sign_in_and_open_the_page(page, base)

    # Connect: Nmbrs' (the sandbox's) consent page, then back with the status.
    tab_to(page, f"#connect-{domain_id}")
    page.keyboard.press("Enter")
    consent_as_debtor_1(page)
    expect(page.get_by_text(f"{demo_data.DOMAINS[0].name} is connected to Nmbrs debtor")
           ).to_be_visible()
    row = page.locator(f"#domain-{domain_id}")
    expect(row).to_contain_text("Consented by payroll1@example.nl")
    expect(row).to_contain_text("Refresh token expires")
    expect(row).to_contain_text("company.info.read")
    shot(page, "03-connected")

    # Move to REST: what would be carried over first (nothing was imported here), then confirm.
    tab_to(page, f"#move-{domain_id}")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Move {demo_data.DOMAINS[0].name} to the REST API")
           ).to_be_visible()
    expect(page.locator("#move-to-rest")).to_contain_text("Nothing new to carry over")
    tab_to(page, "#confirm-move")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{demo_data.DOMAINS[0].name} now imports over the Nmbrs REST API")
           ).to_be_visible()
    expect(row).to_contain_text("Imports use REST since")
    shot(page, "04-moved-to-rest")

    # Reconnect: the same round trip again.
    tab_to(page, f"#reconnect-{domain_id}")
    page.keyboard.press("Enter")
    consent_as_debtor_1(page)
    expect(page.get_by_text(f"{demo_data.DOMAINS[0].name} is connected to Nmbrs debtor")
           ).to_be_visible()
    expect(row).to_contain_text("Imports use REST since")  # a new consent, still on REST
    shot(page, "05-reconnected")

    # Disconnect revokes the consent.
    tab_to(page, f"#disconnect-{domain_id}")
    page.keyboard.press("Enter")
    expect(page.get_by_text("the consent was revoked")).to_be_visible()
    expect(page.locator(f"#domain-{domain_id}")).to_contain_text("Not connected")
    shot(page, "06-disconnected")
