"""The consent round trip through the real Flask routes, against the running REST sandbox:
connected, state mismatch, replayed code, wrong debtor, denied consent, and the application form."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from portal import demo_data
from portal.extensions import db
from portal.models import NmbrsApiApplication, NmbrsConsent
from portal.nmbrs.sandbox.identity import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_SUBSCRIPTION_KEY,
)
from portal.nmbrs.sandbox.rest_server import RestOptions, running_rest_sandbox
from tests.conftest import fresh_app

DEBTOR_1_DOMAIN = demo_data.DOMAINS[0].name  # debtor number "1" in the sandbox


@pytest.fixture(scope="module")
def sandbox():
    with running_rest_sandbox(rest_options=RestOptions(auto_consent="1")) as running:
        yield running


@pytest.fixture
def app(tmp_path, sandbox):
    with fresh_app(tmp_path, NMBRS_IDENTITY_URL=sandbox.root, NMBRS_REST_URL=sandbox.root) as app:
        yield app


@pytest.fixture(autouse=True)
def consent_page(sandbox):
    sandbox.identity.auto_consent = "1"
    yield
    sandbox.identity.auto_consent = "1"
    sandbox.identity.withheld_scopes = frozenset()


@pytest.fixture
def domain(world):
    world.domain.name = DEBTOR_1_DOMAIN
    db.session.add(NmbrsApiApplication(portal_id=world.portal.id, client_id=SANDBOX_CLIENT_ID,
                                       client_secret=SANDBOX_CLIENT_SECRET,
                                       subscription_key=SANDBOX_SUBSCRIPTION_KEY))
    db.session.commit()
    return world.domain


@pytest.fixture
def admin(world, client_as):
    return client_as(world.users["portal-admin"])


def go_to_nmbrs(admin, domain) -> str:
    """Click Connect with Nmbrs; let the sandbox consent; answer where it sends the browser."""
    started = admin.post(f"/settings/nmbrs/rest/domains/{domain.id}/connect")
    assert started.status_code == 303
    at_nmbrs = requests.get(started.headers["Location"], allow_redirects=False, timeout=5)
    assert at_nmbrs.status_code == 302
    back = urlsplit(at_nmbrs.headers["Location"])
    assert back.path == "/settings/nmbrs/rest/callback"
    return f"{back.path}?{back.query}"


def consents() -> list[NmbrsConsent]:
    db.session.expire_all()
    return db.session.query(NmbrsConsent).all()


def test_connect_with_nmbrs_links_the_consenting_debtor(admin, domain, world):
    callback = go_to_nmbrs(admin, domain)

    answer = admin.get(callback, follow_redirects=True)

    page = answer.get_data(as_text=True)
    [consent] = consents()
    assert answer.status_code == 200
    assert f"{DEBTOR_1_DOMAIN} is connected to Nmbrs debtor “{consent.debtor_name}”." in page
    assert consent.domain_id == domain.id and consent.debtor_number == "1"
    assert consent.consented_by_id == world.users["portal-admin"].id
    assert consent.refresh_token and consent.refresh_token_expires_at
    assert "payroll1@example.nl" in page and "Refresh token expires" in page
    assert consent.refresh_token not in page and consent.access_token not in page
    assert "Reconnect" in page and "Missing:" not in page


def test_scopes_nmbrs_did_not_grant_are_named(admin, domain, sandbox):
    sandbox.identity.withheld_scopes = frozenset({"employee.bankaccount.read"})

    answer = admin.get(go_to_nmbrs(admin, domain), follow_redirects=True)

    page = answer.get_data(as_text=True)
    assert "Nmbrs did not grant: employee.bankaccount.read" in page
    assert "Missing: employee.bankaccount.read. Reconnect and allow them." in page


def test_state_mismatch_is_refused_and_nothing_stored(admin, domain):
    callback = go_to_nmbrs(admin, domain)
    forged = callback.replace("state=", "state=forged")

    answer = admin.get(forged)

    assert answer.status_code == 400
    assert "state does not match" in answer.get_data(as_text=True)
    assert consents() == []


def test_a_replayed_callback_is_refused_and_nothing_more_stored(admin, domain):
    callback = go_to_nmbrs(admin, domain)
    admin.get(callback)
    first = consents()[0].refresh_token

    replay = admin.get(callback)

    assert replay.status_code == 400
    assert "Connect with Nmbrs again" in replay.get_data(as_text=True)
    assert consents()[0].refresh_token == first


def test_a_code_used_twice_is_refused_by_nmbrs_and_nothing_stored(admin, domain, sandbox):
    callback = go_to_nmbrs(admin, domain)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    identity = sandbox.identity
    identity.state.codes.pop(code)  # as if it had been exchanged already

    answer = admin.get(callback)

    assert answer.status_code == 400
    assert "already used or has expired" in answer.get_data(as_text=True)
    assert consents() == []


def test_consent_of_another_debtor_is_refused_and_nothing_stored(admin, domain, sandbox):
    sandbox.identity.auto_consent = "2"
    callback = go_to_nmbrs(admin, domain)

    answer = admin.get(callback)

    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert f"domain “{DEBTOR_1_DOMAIN}” belongs to debtor" in page
    assert sandbox.app.soap.world.debtors[1].name in page
    assert consents() == []


def test_denied_consent_is_explained_and_nothing_stored(admin, domain, sandbox):
    sandbox.identity.auto_consent = None
    started = admin.post(f"/settings/nmbrs/rest/domains/{domain.id}/connect")
    url = started.headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    denied = requests.post(f"{sandbox.root}/connect/authorize", data={**query, "decision": "deny"},
                           allow_redirects=False, timeout=5)
    back = urlsplit(denied.headers["Location"])

    answer = admin.get(f"{back.path}?{back.query}")

    assert answer.status_code == 400
    assert "Consent was not given in Nmbrs" in answer.get_data(as_text=True)
    assert consents() == []


def test_reconnect_replaces_the_tokens_and_disconnect_revokes(admin, domain, sandbox):
    admin.get(go_to_nmbrs(admin, domain))
    first = consents()[0].refresh_token
    admin.get(go_to_nmbrs(admin, domain))
    second = consents()[0].refresh_token

    gone = admin.post(f"/settings/nmbrs/rest/domains/{domain.id}/disconnect", follow_redirects=True)

    assert first != second
    assert "the consent was revoked" in gone.get_data(as_text=True)
    assert consents() == []
    assert second not in sandbox.identity.state.refresh  # revoked at Nmbrs


def test_api_application_is_entered_once_and_secrets_never_shown(world, client_as):
    admin = client_as(world.users["portal-admin"])

    incomplete = admin.post("/settings/nmbrs/rest/application", {"client_id": "PartnerApp_X"})
    saved = admin.post("/settings/nmbrs/rest/application",
                       {"client_id": "PartnerApp_X", "client_secret": "top*secret$1",
                        "subscription_key": "sub-key-secret"}, follow_redirects=True)
    kept = admin.post("/settings/nmbrs/rest/application", {"client_id": "PartnerApp_Y"},
                      follow_redirects=True)

    assert incomplete.status_code == 422
    assert "Enter the client secret." in incomplete.get_data(as_text=True)
    page = kept.get_data(as_text=True)
    assert saved.status_code == 200 and kept.status_code == 200
    assert "top*secret$1" not in page and "sub-key-secret" not in page
    assert "/settings/nmbrs/rest/callback" in page  # the redirect URI, ready to copy
    db.session.expire_all()
    application = db.session.query(NmbrsApiApplication).one()
    assert (application.client_id, application.client_secret) == ("PartnerApp_Y", "top*secret$1")


@pytest.mark.parametrize("role, status", [
    ("no-role", 403), ("domain-back-office", 403), ("portal-back-office", 403),
    ("portal-admin", 303)])
def test_only_portal_administrators_enter_the_application(world, client_as, role, status):
    answer = client_as(world.users[role]).post(
        "/settings/nmbrs/rest/application",
        {"client_id": "A", "client_secret": "B", "subscription_key": "C"})
    assert answer.status_code == status


@pytest.mark.parametrize("role, status", [
    ("no-role", 403), ("domain-back-office", 403), ("portal-back-office", 303),
    ("other-portal", 404)])
def test_who_may_connect_a_domain(domain, world, client_as, role, status):
    answer = client_as(world.users[role]).post(
        f"/settings/nmbrs/rest/domains/{domain.id}/connect")
    assert answer.status_code == status


def test_a_soap_connection_shows_the_countdown_to_1_march_2027(world, client_as):
    from datetime import date

    from portal.models import NmbrsSettings

    db.session.add(NmbrsSettings(portal_id=world.portal.id, scope="portal",
                                 username=demo_data.SANDBOX_USERNAME, token=demo_data.SANDBOX_TOKEN,
                                 subdomain=demo_data.SANDBOX_SUBDOMAIN))
    db.session.commit()

    page = client_as(world.users["portal-admin"]).get("/settings/nmbrs").get_data(as_text=True)

    days = (date(2027, 3, 1) - date.today()).days
    assert f"{days} days left:" in page
    assert "Nmbrs stops the SOAP API on 1 March 2027" in page
    assert 'href="/settings/nmbrs/rest"' in page


def test_days_left_counts_down_to_zero():
    from datetime import date

    from portal.views.nmbrs_rest import soap_days_left

    assert soap_days_left(date(2027, 2, 28)) == 1
    assert soap_days_left(date(2027, 3, 1)) == 0
    assert soap_days_left(date(2027, 6, 1)) == 0


def test_demo_command_enters_the_sandbox_application_once(app, world):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["nmbrs-demo-application"])
    second = runner.invoke(args=["nmbrs-demo-application"])

    assert first.exit_code == second.exit_code == 0
    assert "sandbox's API application is entered" in first.output and second.output == ""
    assert db.session.query(NmbrsApiApplication).one().client_id == SANDBOX_CLIENT_ID
