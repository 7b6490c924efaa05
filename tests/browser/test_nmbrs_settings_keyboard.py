"""Nmbrs settings with the keyboard alone, in headless Chromium (issue 4, item 5).

Connect (after a failed submit) → edit → different settings for one administration →
disconnect, with Tab, arrow keys, Space, Enter and Escape only. Screenshots of every state go to
test-artifacts/nmbrs-settings/. Self-contained: its own app on a file SQLite database, served by
werkzeug in a thread, with the call to Nmbrs replaced.
"""

import shutil
import threading
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, add_user, make_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "nmbrs-settings"
TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0KEYB"

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def server(tmp_path, monkeypatch):
    """The app on a file SQLite database, served on a free port; Nmbrs answers "kantoor"."""
    from werkzeug.serving import make_server

    from portal.extensions import db
    from portal.models import Administration, Domain, Portal, PortalRole
    from portal.services import nmbrs_link

    monkeypatch.setattr(nmbrs_link, "verify_credentials", lambda username, token: "kantoor")
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'browser.sqlite3'}",
                   HTMX_VENDORED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        db.create_all()
        portal = Portal(name="Van Dijk & Partners", nmbrs_enabled=True)
        domain = Domain(portal=portal, name="bakkerij-de-vries")
        administration = Administration(domain=domain, name="Bakkerij De Vries B.V.",
                                        relation_code="1", payroll_contract=True)
        db.session.add_all([portal, domain, administration])
        add_user(portal, "admin@example.nl", PortalRole.ADMIN)
        db.session.commit()
        ids = {"domain": domain.id, "administration": administration.id}
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", ids
    finally:
        http.shutdown()
        thread.join(5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def page(shared_browser):
    """A page that counts htmx settles and fails the test on any JavaScript error."""
    context = shared_browser.new_context(viewport={"width": 1280, "height": 900})
    # Counts htmx settles, so each step waits for the swap it caused (no sleeps).
    context.add_init_script(
        "window.__settles = 0; document.addEventListener('htmx:afterSettle',"
        " () => { window.__settles += 1; });")
    page = context.new_page()
    page.set_default_timeout(5000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def tab_to(page, selector, limit=80, backwards=False):
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def wait_focus(page, selector):
    page.wait_for_function(
        "(s) => !!document.activeElement && document.activeElement.matches(s)", arg=selector)


def press(page, key):
    """Press a key that makes an htmx request, and wait until its swap has settled."""
    before = page.evaluate("() => window.__settles")
    page.keyboard.press(key)
    page.wait_for_function("(n) => window.__settles > n", arg=before)


def ready(page):
    """Wait until the page's scripts run (a person is never faster than a deferred script)."""
    page.wait_for_function("() => document.readyState === 'complete' && !!window.htmx"
                           " && !!window.nmbrsSettingsLoaded")


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_connect_edit_override_disconnect_with_the_keyboard(server, page):
    base, ids = server
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    expect = sync_api.expect

    # Sign in (typing only).
    page.goto(f"{base}/login?next=/settings/nmbrs")
    wait_focus(page, "#email")
    page.keyboard.type("admin@example.nl")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Nmbrs settings")).to_be_visible()
    ready(page)
    shot(page, "01-not-connected")

    # Connect opens the form; Escape closes it and returns the focus to the button.
    tab_to(page, "#connect-button")
    press(page, "Enter")
    wait_focus(page, "#username")
    press(page, "Escape")
    wait_focus(page, "#connect-button")
    expect(page.locator("#connection-form")).to_have_count(0)

    # A failed submit (no token) puts the focus on the first invalid field, announced.
    press(page, "Enter")
    wait_focus(page, "#username")
    page.keyboard.type("salaris@vandijk.nl")
    press(page, "Enter")
    wait_focus(page, "#token")
    token = page.locator("#token")
    expect(token).to_have_attribute("aria-invalid", "true")
    expect(token).to_have_attribute("aria-describedby", "token-help token-error")
    expect(page.locator("#token-error")).to_have_text("Enter the API token.")
    shot(page, "02-connect-invalid")
    page.keyboard.type(TOKEN)
    press(page, "Enter")
    expect(page.get_by_text("Connected to Nmbrs.")).to_be_visible()
    expect(page.get_by_text("•••• " + TOKEN[-4:])).to_be_visible()
    wait_focus(page, "#edit-button")
    assert TOKEN[:8] not in page.content()
    shot(page, "03-connected")

    # Edit: turning journals off clears "all"; the first day becomes 5; the token stays.
    press(page, "Enter")
    wait_focus(page, "#username")
    tab_to(page, "#import_journals")
    page.keyboard.press("Space")
    expect(page.locator("#import_all")).not_to_be_checked()
    tab_to(page, "#first_day")
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    shot(page, "04-edit-form")
    press(page, "Enter")
    expect(page.get_by_text("Nmbrs settings saved.")).to_be_visible()
    expect(page.get_by_text("5 to 31 of the month")).to_be_visible()
    expect(page.get_by_text("payroll journals: Off")).to_be_visible()
    expect(page.get_by_text("•••• " + TOKEN[-4:])).to_be_visible()
    shot(page, "05-edited")

    # Different settings for one administration: via the domain's row.
    tab_to(page, f'a[href="/settings/nmbrs/domains/{ids["domain"]}"]')
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Nmbrs settings for bakkerij-de-vries")).to_be_visible()
    opener = f'#administration-settings-{ids["administration"]}'
    tab_to(page, opener)
    press(page, "Enter")
    wait_focus(page, "#administration-credentials_mode-0")
    press(page, "Escape")  # closes the row form, focus back on its button
    wait_focus(page, opener)
    press(page, "Enter")
    wait_focus(page, "#administration-credentials_mode-0")
    tab_to(page, "#administration-days_mode-0")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#administration-days_mode-1")).to_be_checked()
    tab_to(page, "#administration-first_day")
    page.keyboard.press("Control+A")
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    shot(page, "06-administration-form")
    press(page, "Enter")
    row = page.locator(f'#administration-{ids["administration"]}')
    expect(row).to_contain_text("10–12")
    expect(row).to_contain_text("(administration)")
    wait_focus(page, opener)
    shot(page, "07-administration-saved")

    # Back to the portal's settings, and disconnect through the dialog.
    tab_to(page, 'main a[href="/settings/nmbrs"]', backwards=True)
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Link with Nmbrs")).to_be_visible()
    tab_to(page, "#disconnect-button")
    press(page, "Enter")
    dialog = page.locator("dialog#disconnect-dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.querySelector('dialog').matches(':modal')")
    wait_focus(page, "dialog [data-cancel]")
    for _ in range(5):  # the focus stays inside the dialog
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => document.querySelector('dialog').contains(document.activeElement)")
    shot(page, "08-disconnect-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    wait_focus(page, "#disconnect-button")

    press(page, "Enter")
    wait_focus(page, "dialog [data-cancel]")
    page.keyboard.press("Shift+Tab")
    wait_focus(page, "dialog button.danger")
    press(page, "Enter")
    expect(page.get_by_text("Disconnected from Nmbrs.")).to_be_visible()
    wait_focus(page, "#connect-button")
    shot(page, "09-disconnected")

    names = sorted(path.name for path in ARTIFACTS.glob("*.png"))
    assert len(names) == 9, names
