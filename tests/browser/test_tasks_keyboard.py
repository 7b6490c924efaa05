"""Keyboard only: open a task, follow its link to the fix, come back and mark it completed."""

import pytest

from portal.extensions import db
from portal.models import Administration, Domain, Portal, PortalRole, User
from portal.services.tasks import raise_task
from tests.browser._server import (
    browser_app,
    chromium_page,
    focused,
    serve,
    sign_in_with_keyboard,
    tab_to,
)
from tests.conftest import PASSWORD, hashed

pytestmark = pytest.mark.browser

ADMIN = "admin@example.nl"
# Titles name the cause and the administration (issue 15), whatever the raiser stored.
UNKNOWN_EMPLOYEE_TITLE = "Unknown employee 10000 in a pay slip of Bakkerij De Vries B.V."
NO_COMPANY_TITLE = "No Nmbrs company found for Bakkerij De Vries B.V."


@pytest.fixture
def site(tmp_path):
    """A running app: one portal administrator and two open tasks of one administration."""
    app = browser_app(tmp_path)
    with app.app_context():
        portal = Portal(name="Van Dijk & Partners", nmbrs_enabled=True)
        domain = Domain(portal=portal, name="bakkerij-de-vries")
        administration = Administration(domain=domain, name="Bakkerij De Vries B.V.",
                                        relation_code="1", payroll_contract=True)
        db.session.add_all([portal, domain, administration,
                            User(portal=portal, email=ADMIN, portal_role=PortalRole.ADMIN,
                                 password_hash=hashed())])
        db.session.flush()
        raise_task(administration, cause="company.not-found",
                   title="The Nmbrs company was not found.",
                   message="Check the administration's relation code.")
        task = raise_task(
            administration, cause="payslip.unknown-employee:10000",
            title="Importing the pay slip failed.",
            message='Administration: "Bakkerij De Vries B.V." Run: "May 2026". Employee 10000 is '
                    "unknown in this administration — import the employees from Nmbrs, or "
                    "check the employee number.",
            links=[("Employees of Bakkerij De Vries B.V.",
                    f"/administrations/{administration.id}")])
        db.session.commit()
        ids = {"task": task.id, "administration": administration.id}
    with serve(app) as base_url:
        yield app, base_url, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def shift_tab_to(page, matches, limit: int = 60) -> dict:
    for _ in range(limit):
        page.keyboard.press("Shift+Tab")
        if matches(current := focused(page)):
            return current
    raise AssertionError(f"Shift+Tab never reached the element; last focus: {focused(page)}")


def badge(page):
    return page.locator("#task-badge .badge")


def test_open_a_task_follow_its_link_and_mark_it_completed(site):
    from playwright.sync_api import expect

    app, base_url, ids = site
    with chromium_page() as page:
        page.goto(f"{base_url}/tasks")
        sign_in_with_keyboard(page, ADMIN, PASSWORD)
        expect(page.get_by_role("heading", name="Tasks", exact=True)).to_be_visible()
        expect(badge(page)).to_have_text("2")

        # Open the task from the list.
        tab_to(page, lambda f: f["text"] == UNKNOWN_EMPLOYEE_TITLE)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base_url}/tasks/{ids['task']}")
        expect(page.get_by_text("Employee 10000 is unknown in this administration")).to_be_visible()

        # Follow its link to where the problem is fixed.
        tab_to(page, lambda f: f["text"] == "Employees of Bakkerij De Vries B.V.")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base_url}/administrations/{ids['administration']}")
        expect(page.get_by_role("heading", name="Bakkerij De Vries B.V.")).to_be_visible()

        # Back to the task through the navigation, and mark it completed.
        tab_to(page, lambda f: f["text"].startswith("Tasks"))
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base_url}/tasks")
        tab_to(page, lambda f: f["text"] == UNKNOWN_EMPLOYEE_TITLE)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base_url}/tasks/{ids['task']}")
        tab_to(page, lambda f: f["text"] == "Mark as completed")
        page.keyboard.press("Enter")

        expect(page.locator("#task-status")).to_have_text("Completed")
        expect(page.locator("#flashes")).to_contain_text("Task completed")
        expect(badge(page)).to_have_text("1")  # updated out of band, without a reload
        expect(page.get_by_role("button", name="Mark as completed")).to_have_count(0)
        assert focused(page)["id"] == "task-status"  # the focus lands on the new status

        # Back to the list through the navigation (Shift+Tab, it is above): it no longer holds it.
        shift_tab_to(page, lambda f: f["text"].startswith("Tasks"))
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base_url}/tasks")
        expect(page.get_by_role("link", name=NO_COMPANY_TITLE)).to_be_visible()
        expect(page.get_by_role("link", name=UNKNOWN_EMPLOYEE_TITLE)).to_have_count(0)


def test_completing_a_row_and_refreshing_keep_the_keyboard_focus(site):
    from playwright.sync_api import expect

    app, base_url, ids = site
    with chromium_page() as page:
        page.goto(f"{base_url}/tasks")
        sign_in_with_keyboard(page, ADMIN, PASSWORD)
        expect(badge(page)).to_have_text("2")

        # Complete in the row: the row and the badge change, the page is not reloaded.
        page.evaluate("window.notReloaded = true")
        tab_to(page, lambda f: f["id"] == f"task-{ids['task']}-complete")
        page.keyboard.press("Enter")
        row = page.locator(f"#task-{ids['task']}")
        expect(row.locator(f"#task-{ids['task']}-status")).to_have_text("Completed")
        expect(badge(page)).to_have_text("1")
        assert page.evaluate("window.notReloaded") is True
        expect(row.locator(f"#task-{ids['task']}-status")).to_be_focused()  # [autofocus]

        # A new problem arrives; the list refreshes (as the 30 s poll does) with the focus kept.
        tab_to(page, lambda f: f["text"] == NO_COMPANY_TITLE)
        with app.app_context():
            administration = db.session.get(Administration, ids["administration"])
            raise_task(administration, cause="payslip.unknown-employee:20000",
                       title="Employee 20000 is unknown.", message="Import the employees.")
            db.session.commit()
        # The real poll, made faster: htmx re-initialises an element whose attributes changed.
        page.evaluate("""() => { const poll = document.querySelector('#tasks-refresh');
            poll.setAttribute('hx-trigger', 'click, every 1s'); htmx.process(poll); }""")
        expect(page.get_by_role("link", name="Unknown employee 20000 in a pay slip of Bakkerij De Vries B.V.")).to_be_visible()
        expect(badge(page)).to_have_text("2")
        assert focused(page)["text"] == NO_COMPANY_TITLE
        assert page.evaluate("window.notReloaded") is True


def as_soon_as_shown(page, shown: str, target: str, method: str) -> None:
    """Once `shown` is in the page, call `method` of `target` in the very next task: as a key
    pressed the moment a swap shows new content (a MutationObserver's callback runs at the end
    of the swap's own task, a key press comes in a later one)."""
    page.evaluate("""([shown, target, method]) => new MutationObserver((records, observer) => {
        if (!document.querySelector(shown)) return;
        observer.disconnect();
        setTimeout(() => document.querySelector(target)[method]());
    }).observe(document.body, {childList: true, subtree: true})""", [shown, target, method])


def test_a_focus_moved_the_moment_a_row_changes_is_not_taken_back(site):
    """Completing a row focuses its new status; a user who moves on at once keeps the focus
    where it went (htmx's default 20 ms settle focused [autofocus] late and took it back)."""
    from playwright.sync_api import expect

    app, base_url, ids = site
    with chromium_page() as page:
        page.goto(f"{base_url}/tasks")
        sign_in_with_keyboard(page, ADMIN, PASSWORD)
        expect(badge(page)).to_have_text("2")
        other = page.get_by_role("link", name=NO_COMPANY_TITLE)
        as_soon_as_shown(page, f"#task-{ids['task']}-status[autofocus]",
                         f"#{other.get_attribute('id')}", "focus")
        tab_to(page, lambda f: f["id"] == f"task-{ids['task']}-complete")
        page.keyboard.press("Enter")
        expect(other).to_be_focused()
        expect(page.locator(".htmx-settling")).to_have_count(0)  # htmx is done with the swap
        expect(badge(page)).to_have_text("1")
        assert focused(page)["text"] == NO_COMPANY_TITLE


def test_a_link_pressed_the_moment_a_page_shows_is_followed_without_a_reload(site):
    """A boosted page's links work as soon as the page shows (htmx wired them up 20 ms after
    the swap by default: an Enter before that loaded the whole page anew)."""
    from playwright.sync_api import expect

    app, base_url, ids = site
    with chromium_page() as page:
        page.goto(f"{base_url}/tasks")
        sign_in_with_keyboard(page, ADMIN, PASSWORD)
        page.evaluate("window.notReloaded = true")
        as_soon_as_shown(page, "#task-handling",
                         f"main a[href='/administrations/{ids['administration']}']", "click")
        tab_to(page, lambda f: f["text"] == UNKNOWN_EMPLOYEE_TITLE)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base_url}/administrations/{ids['administration']}")
        expect(page.get_by_role("heading", name="Bakkerij De Vries B.V.")).to_be_visible()
        assert page.evaluate("window.notReloaded") is True


def test_paging_with_the_keyboard_moves_the_focus_to_the_new_count(site):
    from playwright.sync_api import expect

    app, base_url, ids = site
    with app.app_context():
        administration = db.session.get(Administration, ids["administration"])
        for number in range(60):
            raise_task(administration, cause=f"payslip.unknown-employee:{number}",
                       title=f"Employee {number} is unknown.", message="m")
        db.session.commit()
    with chromium_page() as page:
        page.goto(f"{base_url}/tasks")
        sign_in_with_keyboard(page, ADMIN, PASSWORD)
        tab_to(page, lambda f: f["id"] == "tasks-next", limit=400)
        page.keyboard.press("Enter")
        expect(page.locator("#task-list-heading")).to_have_text("62 tasks · page 2 of 2")
        expect(page.locator("#task-list-heading")).to_be_focused()
        expect(page).to_have_url(f"{base_url}/tasks?status=open&assigned=me&page=2")
