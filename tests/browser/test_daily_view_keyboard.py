"""Keyboard only, in Dutch: from the dashboard to a failed import's task, and on to the place
where it is fixed (issue 15)."""

import pytest

from portal.extensions import db
from portal.models import (
    Administration,
    Domain,
    ImportRun,
    ImportStatus,
    NmbrsSettings,
    Portal,
    PortalRole,
    User,
)
from portal.services.importer import IMPORT_FAILED, about_administration
from portal.services.tasks import raise_task
from portal.stored_text import N_, text
from tests.browser._server import (
    browser_app,
    chromium_page,
    focused,
    serve,
    sign_in_with_keyboard,
    tab_to,
)
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD, hashed

pytestmark = pytest.mark.browser

ADMIN = "beheer@vandijk.nl"
TITLE = "Geen Nmbrs-bedrijf gevonden voor Bakkerij De Vries B.V."


@pytest.fixture
def site(tmp_path):
    """A portal administrator who chose Dutch, a connected link, a failed automatic import."""
    app = browser_app(tmp_path)
    with app.app_context():
        portal = Portal(name="Van Dijk & Partners", nmbrs_enabled=True)
        domain = Domain(portal=portal, name="bakkerij-de-vries")
        administration = Administration(domain=domain, name="Bakkerij De Vries B.V.",
                                        relation_code="1", payroll_contract=True)
        admin = User(portal=portal, email=ADMIN, portal_role=PortalRole.ADMIN,
                     password_hash=hashed(), locale="nl")
        db.session.add_all([portal, domain, administration, admin])
        db.session.flush()
        db.session.add(NmbrsSettings(portal_id=portal.id, scope="portal",
                                     username="salaris@vandijk.nl", token="secret",
                                     connected_by_id=admin.id))
        # As the import job stores them: message ids with parameters, no language yet.
        advice = text(N_('No Nmbrs debtor is named like domain "%(domain)s". Rename the debtor '
                         "in Nmbrs or the domain, or choose the Nmbrs company on the "
                         "administration's page."), domain=domain.name)
        run = ImportRun(administration_id=administration.id, kind="automatic",
                        status=ImportStatus.FAILED, error_texts=[advice],
                        error="No Nmbrs debtor is named like it.")
        db.session.add(run)
        db.session.flush()
        task = raise_task(administration, cause="company.not-found",
                          title=text(IMPORT_FAILED),
                          message=about_administration(administration, advice),
                          import_run_id=run.id)
        db.session.commit()
        ids = {"task": task.id, "administration": administration.id, "run": run.id}
    with serve(app) as base_url:
        yield app, base_url, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_from_the_dashboard_to_the_failed_imports_task_and_the_fix_in_dutch(site):
    from playwright.sync_api import expect

    _app, base_url, ids = site
    with chromium_page() as page:
        page.goto(f"{base_url}/")
        sign_in_with_keyboard(page, ADMIN, PASSWORD)
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.get_by_role("heading", name="Automatische imports")).to_be_visible()
        expect(page.locator("#dashboard-last-round")).to_contain_text("mislukt: 1")
        expect(page.locator(f"#round-{ids['administration']}")).to_contain_text(
            'Geen Nmbrs-debiteur heeft een naam zoals domein "bakkerij-de-vries".')

        # The open tasks, by cause: to the list of that cause.
        tab_to(page, lambda f: f["id"] == "dashboard-tasks-company-not-found")
        page.keyboard.press("Enter")
        expect(page).to_have_url(
            f"{base_url}/tasks?status=open&assigned=all&cause=company.not-found")
        expect(page.locator("#task-list-heading")).to_contain_text("1")

        # The task names the cause and the administration; open it.
        tab_to(page, lambda f: f["text"] == TITLE, limit=80)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base_url}/tasks/{ids['task']}")
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        # What the job stored, in the reader's language.
        expect(page.locator(".task-message")).to_have_text(
            'Administratie: "Bakkerij De Vries B.V.". Geen Nmbrs-debiteur heeft een naam zoals '
            'domein "bakkerij-de-vries". Hernoem de debiteur in Nmbrs of het domein, of kies het '
            "Nmbrs-bedrijf op de pagina van de administratie.")
        page.screenshot(path=str(ARTIFACTS / "daily-view-task-nl.png"), full_page=True)

        # Its one action: to the Nmbrs company chooser, where the problem is fixed.
        tab_to(page, lambda f: f["id"] == "task-action")
        assert focused(page)["text"] == "Kies het Nmbrs-bedrijf"
        page.keyboard.press("Enter")
        expect(page).to_have_url(
            f"{base_url}/administrations/{ids['administration']}/nmbrs-company")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Bakkerij De Vries B.V.")
