"""A Portal administrator signs in and creates a domain and an administration by keyboard alone.

Only page.keyboard is used after the first page load: Tab/Shift+Tab, typing, Space and Enter.
The administration form is an htmx POST: the CSRF token must travel as the X-CSRFToken header
(static/js/app.js), or the user would see "The form was out of date".
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_EMAIL
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',
          text: (e.innerText || e.value || '').trim(), form: e.form ? e.form.id : ''};
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, wanted, what: str, key: str = "Tab", limit: int = 60) -> dict:
    """Press Tab (or Shift+Tab) until `wanted(focused element)` holds, as a keyboard user would."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        if wanted(element):
            return element
        seen.append(f"{element['tag']}#{element['id']}:{element['text'][:20]}")
    raise AssertionError(f"{what} cannot be reached with {key}; focus went {seen}")


def test_sign_in_create_domain_and_administration_with_the_keyboard(page: Page, live_server,
                                                                     screenshot):
    csrf_headers = []
    page.on("request", lambda r: r.method == "POST" and csrf_headers.append(
        (r.url, r.headers.get("hx-request"), r.headers.get("x-csrftoken"))))
    responses = []
    page.on("response", lambda r: r.request.method == "POST" and responses.append(
        (r.url, r.status)))

    # Sign in: the e-mail field has the focus when the page opens.
    page.goto(f"{live_server}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert focused(page)["name"] == "email"
    page.keyboard.type(ADMIN_EMAIL)
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "password"
    page.keyboard.type(PASSWORD)
    screenshot("login-filled")
    page.keyboard.press("Enter")
    expect(page.get_by_text(ADMIN_EMAIL)).to_be_visible()
    screenshot("signed-in")

    # Domains, through the main navigation.
    tab_to(page, lambda e: e["tag"] == "a" and e["text"] == "Domains", "the Domains link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Domains", level=1)).to_be_visible()
    screenshot("domains")

    # A name against the rules is refused with a clear message, and the focus returns to it.
    tab_to(page, lambda e: e["form"] == "create-domain" and e["name"] == "name",
           "the Domain name field")
    page.keyboard.type("Kapsalon Jansen")
    page.keyboard.press("Enter")
    form = page.locator("#create-domain")
    expect(form.locator(".error")).to_contain_text(re.compile("lowercase", re.I))
    expect(page.get_by_label("Domain name")).to_be_focused()
    screenshot("domain-name-refused")

    page.keyboard.press("Control+A")
    page.keyboard.type("kapsalon-jansen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="kapsalon-jansen", level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)  # a page, not a page in a page
    expect(page.get_by_role("navigation", name="Main")).to_have_count(1)
    screenshot("domain-created")

    # An administration, through the htmx form on the domain's page.
    tab_to(page, lambda e: e["form"] == "add-administration" and e["name"] == "name",
           "the administration's Name field")
    page.keyboard.type("Kapsalon Jansen B.V.")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "relation_code"
    page.keyboard.type("1")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "payroll_contract"
    page.keyboard.press("Space")
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Add administration",
           "the Add administration button")
    # Shift+Tab goes back to the checkbox, and it is still checked.
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"] == "payroll_contract"
    assert page.get_by_label("Active payroll contract").is_checked()
    page.keyboard.press("Tab")
    screenshot("administration-filled")
    page.keyboard.press("Enter")

    table = page.locator("#administrations table")
    row = table.get_by_role("row").filter(has_text="Kapsalon Jansen B.V.")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")
    expect(row.get_by_role("cell").nth(2)).to_have_text("Yes")
    expect(page.locator("#request-error")).to_be_hidden()
    expect(page.get_by_text("The form was out of date")).to_have_count(0)
    screenshot("administration-added")

    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    adds = [(hx, header) for url, hx, header in csrf_headers if url.endswith("/administrations")]
    assert adds == [("true", token)], csrf_headers
    assert [status for url, status in responses if url.endswith("/administrations")] != [400]

    # And it is really saved: a fresh load of the domain's page shows it.
    page.reload()
    expect(page.locator("#administrations").get_by_text("Kapsalon Jansen B.V.")).to_be_visible()
