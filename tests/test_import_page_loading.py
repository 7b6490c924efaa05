"""The import page never waits on Nmbrs (issue 14): it renders from the database at once and
loads the run list in a fragment with its own short timeout and a clear message.

Nmbrs is played by `responses`: every HTTP call the app makes is recorded, none is let through."""

import re

import pytest
import requests
import responses

from portal.extensions import db
from portal.models import NmbrsSettings

SOAP_URL = "http://nmbrs.invalid/soap/v3"


@pytest.fixture
def nmbrs_http(app, world):
    """Connected portal credentials (sub-domain stored at connect) and a recording fake Nmbrs."""
    app.config["NMBRS_SOAP_URL"] = SOAP_URL
    db.session.add(NmbrsSettings(portal_id=world.portal.id, scope="portal",
                                 username="salaris@vandijk.nl", token="secret",
                                 subdomain="vandijk"))
    db.session.commit()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as fake:
        yield fake


def _import_url(world, part=""):
    return f"/administrations/{world.administration.id}/import{part}"


def test_the_import_page_answers_without_any_nmbrs_call(world, client_as, nmbrs_http):
    nmbrs_http.add(responses.POST, re.compile(r"http://nmbrs\.invalid/.*"),
                   body=requests.Timeout("Nmbrs hangs"))
    response = client_as(world.users["portal-admin"]).get(_import_url(world, "?year=2026"))
    assert response.status_code == 200
    assert len(nmbrs_http.calls) == 0
    body = response.get_data(as_text=True)
    loader = re.search(r'<div id="runs-loading"[^>]*>', body).group(0)
    runs_url = _import_url(world, "/runs?year=2026")
    assert f'hx-get="{runs_url}"' in loader and 'hx-trigger="load"' in loader
    # Without JavaScript a plain link asks for the same list.
    noscript = body[body.index("<noscript>", body.index('id="runs-loading"')):]
    assert f'<a href="{runs_url}">' in noscript.split("</noscript>")[0]
    assert "Import all employees" in body  # the rest of the page is there at once


def test_the_run_list_says_nmbrs_is_slow_after_the_page_timeout(app, world, client_as,
                                                                nmbrs_http):
    app.config["NMBRS_PAGE_TIMEOUT"] = 3
    app.config["NMBRS_TIMEOUT"] = 30  # an import's timeout; not the page's
    nmbrs_http.add(responses.POST, re.compile(r"http://nmbrs\.invalid/.*"),
                   body=requests.Timeout("Nmbrs hangs"))
    client = client_as(world.users["portal-admin"])
    response = client.get(_import_url(world, "/runs?year=2026"), htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="manual-import"' in body
    assert "no answer within 3 seconds" in body and "payroll runs of 2026" in body
    assert 'id="runs-again"' in body  # the user can ask again
    # One call, given the page's timeout, and not retried.
    assert len(nmbrs_http.calls) == 1
    assert nmbrs_http.calls[0].request.req_kwargs["timeout"] == 3


def test_no_page_view_asks_nmbrs_for_the_environment(world, client_as, nmbrs_http):
    """The sub-domain stored at connect is used; Environment_Get is never called by a page."""
    nmbrs_http.add(responses.POST, re.compile(r"http://nmbrs\.invalid/.*"), status=500,
                   body="down")
    client = client_as(world.users["portal-admin"])
    for part in ("", "/runs?year=2026"):
        client.get(_import_url(world, part), htmx=bool(part))
    client.get(f"/administrations/{world.administration.id}/nmbrs-company")
    actions = [call.request.headers.get("SOAPAction", "") for call in nmbrs_http.calls]
    assert actions and not [a for a in actions if "Environment_Get" in a]
