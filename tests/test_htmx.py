"""The page-or-fragment rule and the success rule for forms (portal/htmx.py), across views."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Administration
from tests.nmbrs_helpers import fake_nmbrs  # noqa: F401

SETTINGS = "/settings/nmbrs"


def fragment_requests(world):
    """(who, method, path, form) for answers that are fragments for htmx."""
    domain, administration = world.domain.id, world.administration.id
    row = f"/domains/{domain}/administrations/{administration}"
    return [
        ("portal-admin", "GET", f"{SETTINGS}/connection", None),
        ("portal-admin", "GET", f"{SETTINGS}/connect", None),
        ("portal-admin", "GET", f"{SETTINGS}/domains/{domain}", None),
        ("portal-admin", "POST", f"{SETTINGS}/domains/{domain}/reset", {}),
        ("portal-admin", "GET", f"{SETTINGS}/administrations/{administration}/row", None),
        ("portal-admin", "POST", f"{SETTINGS}/administrations/{administration}/reset", {}),
        ("portal-admin", "GET", row, None),
        ("portal-admin", "GET", row + "/edit", None),
        ("portal-admin", "POST", row, {"name": "Bakkerij B.V.", "relation_code": "1"}),
        ("portal-admin", "POST", f"/domains/{domain}/administrations",
         {"name": "", "relation_code": ""}),
        ("portal-admin", "POST", f"/domains/{domain}/administrations",
         {"name": "Tweede B.V.", "relation_code": "2"}),
        ("portal-admin", "GET", "/domains", None),
        ("portal-admin", "GET", "/users", None),
        ("portal-admin", "GET", f"/administrations/{administration}", None),
    ]


def test_every_fragment_answer_varies_on_the_htmx_headers(world, client_as, fake_nmbrs):
    failures = []
    for who, method, path, form in fragment_requests(world):
        client = client_as(world.users[who])
        response = (client.post(path, form, htmx=True) if method == "POST"
                    else client.get(path, htmx=True))
        text = response.get_data(as_text=True)
        if response.status_code not in (200, 422) or "<html" in text:
            failures.append(f"{method} {path}: {response.status_code}, not a fragment")
        elif not {"HX-Request", "HX-Boosted"} <= set(response.vary):
            failures.append(f"{method} {path}: Vary is {response.headers.get('Vary')!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("headers", [
    {"HX-Boosted": "true"},
    {"HX-History-Restore-Request": "true"},
])
def test_boosted_and_history_restore_requests_get_the_whole_page(world, client_as, headers):
    response = client_as(world.users["portal-admin"]).get(
        f"/domains/{world.domain.id}/administrations/{world.administration.id}/edit",
        htmx=True, headers=headers)
    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)
    assert "HX-Request" in response.vary


def test_a_cancel_fragment_without_htmx_redirects_to_its_page(world, client_as):
    response = client_as(world.users["portal-admin"]).get(
        f"/domains/{world.domain.id}/administrations/{world.administration.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/domains/{world.domain.id}")


def test_a_saved_htmx_form_answers_the_fragment_with_a_notice(world, client_as):
    response = client_as(world.users["portal-admin"]).post(
        f"/domains/{world.domain.id}/administrations",
        {"name": "Tweede B.V.", "relation_code": "2"}, htmx=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text
    assert 'role="status">Administration Tweede B.V. added.' in text
    assert "Tweede B.V." in text.split("</tbody>")[0]  # the new row is in the table
    assert db.session.scalar(select(Administration).where(Administration.relation_code == "2"))


def test_a_saved_htmx_form_whose_result_is_another_page_redirects_the_browser(world, client_as):
    client = client_as(world.users["portal-admin"])
    response = client.post("/domains", {"name": "nieuwe-klant"}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith("/domains/")
    page = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "Domain nieuwe-klant created." in page


def test_a_saved_form_without_htmx_flashes_and_answers_303(world, client_as):
    client = client_as(world.users["portal-admin"])
    response = client.post(f"/domains/{world.domain.id}/administrations/{world.administration.id}",
                           {"name": "Bakkerij Twee B.V.", "relation_code": "1"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Administration Bakkerij Twee B.V. saved." in page
