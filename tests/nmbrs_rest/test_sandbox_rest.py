"""The REST + OAuth sandbox: consent, rotation, single-use codes, strict API, answers that pass
the official OpenAPI spec, documents that answer 202 before 200, GUIDs derived from SOAP ids."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from portal import demo_data
from portal.config import DEFAULTS
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.rest import client as rest_client_module
from portal.nmbrs.rest.client import RestNmbrsClient
from portal.nmbrs.rest.errors import NoDataAccess, QuotaExceeded
from portal.nmbrs.rest.oauth import InvalidGrant, NmbrsOAuth, new_code_verifier
from portal.nmbrs.rest.tokens import MemoryTokens
from portal.nmbrs.rest.transport import RestTransport
from portal.nmbrs.sandbox.guids import guid
from portal.nmbrs.sandbox.identity import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_SUBSCRIPTION_KEY,
)
from portal.nmbrs.sandbox.rest_server import RestOptions, running_rest_sandbox
from tests.nmbrs_rest.openapi import validate_exchange, validate_response
from tests.nmbrs_rest.test_client_spec_coverage import CLIENT_PATHS

REDIRECT = "http://127.0.0.1:5000/nmbrs/consent/callback"


@pytest.fixture(scope="module")
def sandbox():
    with running_rest_sandbox(rest_options=RestOptions(auto_consent="1")) as running:
        yield running


def consent(sandbox, verifier=None, state="s-1") -> tuple[NmbrsOAuth, str, str]:
    """Run the browser part of the consent: (oauth, code, verifier)."""
    oauth = NmbrsOAuth(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, sandbox.root)
    verifier = verifier or new_code_verifier()
    url = oauth.authorization_url(REDIRECT, state, verifier)
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == [state]
    return oauth, query["code"][0], verifier


def rest_client(sandbox, tokens, exchanges=None) -> RestNmbrsClient:
    transport = RestTransport(sandbox.root, SANDBOX_SUBSCRIPTION_KEY, tokens,
                              sleep=lambda seconds: None)
    if exchanges is not None:
        transport.session.hooks["response"].append(lambda r, *a, **k: exchanges.append(r))
    return RestNmbrsClient(transport)


def connected(sandbox, exchanges=None) -> RestNmbrsClient:
    oauth, code, verifier = consent(sandbox)
    return rest_client(sandbox, MemoryTokens(oauth, oauth.exchange_code(code, REDIRECT, verifier)),
                       exchanges)


def test_every_answer_of_a_full_read_passes_the_official_spec(sandbox):
    exchanges = []
    client = connected(sandbox, exchanges)
    year = sandbox.app.soap.world.year

    info = client.user_info()
    [debtor] = client.debtors()
    companies = client.companies(debtor.id)
    company = companies[0]
    runs = client.runs(company.id, year)
    journal = client.journal(company.id, runs[0].id, year)
    slips = [client.payslip(m.employee_id, company.id, runs[0].id, year)
             for m in client.run_employees(company.id, runs[0].id, year)]
    people = client.employees(company.id)
    statement = client.annual_statement(people[0].id, year)
    declarations = client.wage_tax_declarations(company.id, year)
    client.work_costs(company.id, year)
    if declarations:
        assert client.wage_tax_xml(declarations[0].id, company.id).total is not None

    assert info.debtor_id == debtor.id == guid("Debtor", 1001)
    assert journal.is_balanced and slips and all(slips) and statement.pdf.startswith(b"%PDF")
    assert all(p.bsn and p.iban for p in people)
    used = {validate_exchange(r.request, r) for r in exchanges}
    assert used == CLIENT_PATHS - ({"/api/companies/{companyId}/wagetaxes/{wageTaxId}/xml"}
                                   if not declarations else set())
    assert any(r.status_code == 202 for r in exchanges)  # documents were pending first


def test_rest_guids_are_derived_from_the_soap_ids(sandbox):
    client = connected(sandbox)
    soap = NmbrsClient.from_config({**DEFAULTS, "NMBRS_SOAP_URL": sandbox.soap_url},
                                   demo_data.SANDBOX_USERNAME, demo_data.SANDBOX_TOKEN)
    soap.verify()
    [debtor] = client.debtors()
    soap_companies = {c.number: c.id for c in soap.companies(1001)}

    for company in client.companies(debtor.id):
        assert company.id == guid("Company", soap_companies[company.number])


def test_refresh_tokens_rotate_and_the_old_one_is_refused(sandbox):
    oauth, code, verifier = consent(sandbox)
    first = oauth.exchange_code(code, REDIRECT, verifier)

    second = oauth.refresh(first.refresh_token)

    assert second.refresh_token != first.refresh_token
    with pytest.raises(InvalidGrant):
        oauth.refresh(first.refresh_token)
    assert oauth.refresh(second.refresh_token).access_token


def test_a_code_is_exchanged_only_once(sandbox):
    oauth, code, verifier = consent(sandbox)
    oauth.exchange_code(code, REDIRECT, verifier)

    with pytest.raises(InvalidGrant):
        oauth.exchange_code(code, REDIRECT, verifier)


def test_a_wrong_pkce_verifier_is_refused(sandbox):
    oauth, code, _ = consent(sandbox)

    with pytest.raises(InvalidGrant):
        oauth.exchange_code(code, REDIRECT, new_code_verifier())


def test_an_expired_access_token_is_refreshed_and_the_call_replayed(sandbox):
    client = connected(sandbox)
    client.debtors()
    before = sandbox.identity.state.refreshes

    sandbox.identity.expire_access_tokens()

    assert len(client.debtors()) == 1
    assert sandbox.identity.state.refreshes == before + 1


def test_another_debtors_company_is_refused_with_40303(sandbox):
    client = connected(sandbox)
    other_company = next(c for c in sandbox.app.soap.world.companies if c.debtor_id != 1001)

    with pytest.raises(NoDataAccess) as caught:
        client.runs(guid("Company", other_company.id), sandbox.app.soap.world.year)

    assert caught.value.code == 40303


def test_error_answers_and_strict_parameters_follow_the_spec(sandbox):
    oauth, code, verifier = consent(sandbox)
    token = oauth.exchange_code(code, REDIRECT, verifier).access_token
    headers = {"Authorization": f"Bearer {token}", "X-Subscription-Key": SANDBOX_SUBSCRIPTION_KEY}

    too_big = requests.get(f"{sandbox.root}/api/debtors?pageSize=101", headers=headers, timeout=5)
    no_key = requests.get(f"{sandbox.root}/api/debtors",
                          headers={"Authorization": f"Bearer {token}"}, timeout=5)
    bad_token = requests.get(f"{sandbox.root}/api/debtors",
                             headers={**headers, "Authorization": "Bearer nope"}, timeout=5)

    assert (too_big.status_code, too_big.json()["code"]) == (400, 40033)
    assert (no_key.status_code, bad_token.json()["code"]) == (401, 40102)
    for answer in (too_big, bad_token):  # the requests are wrong on purpose; the answers not
        validate_response("GET", answer.url, answer.status_code,
                          answer.headers["Content-Type"], answer.content)


def test_the_consent_page_lists_the_demo_debtors_and_can_deny():
    with running_rest_sandbox() as sandbox:
        oauth = NmbrsOAuth(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, sandbox.root)
        url = oauth.authorization_url(REDIRECT, "s-9", new_code_verifier())
        page = requests.get(url, timeout=5)
        denied = requests.post(f"{sandbox.root}/connect/authorize",
                               data={**{k: v[0] for k, v in parse_qs(urlsplit(url).query).items()},
                                     "decision": "deny"}, allow_redirects=False, timeout=5)

    assert page.status_code == 200
    assert all(d.nmbrs_debtor_name in page.text for d in demo_data.DOMAINS)
    query = parse_qs(urlsplit(denied.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s-9"]


def test_quota_exceeded_stops_at_once():
    with running_rest_sandbox(rest_options=RestOptions(auto_consent="1",
                                                       quota_exceeded=True)) as sandbox:
        client = connected(sandbox)
        with pytest.raises(QuotaExceeded):
            client.debtors()


def test_a_few_employees_read_one_by_one_equal_the_company_wide_read(sandbox, monkeypatch):
    exchanges = []
    client = connected(sandbox, exchanges)
    [debtor] = client.debtors()
    company = client.companies(debtor.id)[0]
    everyone = client.employees(company.id)
    monkeypatch.setattr(rest_client_module, "MAX_PAGE_SIZE", 1)  # as if many pages long
    exchanges.clear()

    [one] = client.employees(company.id, employee_ids=[everyone[1].id])

    assert one == everyone[1]
    # the BSN list whole (no employee filter), the other three for this employee only
    assert [(urlsplit(r.url).path.rsplit("/", 1)[1], parse_qs(urlsplit(r.url).query)
             .get("employeeId")) for r in exchanges] == [
        ("privateInfos", None), ("personalinfo", [one.id]), ("addresses", [one.id]),
        ("bankaccounts", [one.id])]


def test_who_left_is_former_payroll_and_the_client_still_reads_them():
    """REST's employeeType is a status: a filter on `payroll` would lose who left during the year
    (their last pay slips still need their details); the client filters on no type."""
    june = date(date.today().year, 6, 15)  # Meijer left at the end of April
    with running_rest_sandbox(june, RestOptions(auto_consent="3")) as sandbox:
        client = connected(sandbox)
        [debtor] = client.debtors()
        [company] = [c for c in client.companies(debtor.id) if c.name == "Tandartspraktijk Smit"]
        token = client.transport.tokens.access_token()
        listed = requests.get(
            f"{sandbox.root}/api/companies/{company.id}/employees",
            params={"employeeType": "payroll"}, timeout=5,
            headers={"Authorization": f"Bearer {token}",
                     "X-Subscription-Key": SANDBOX_SUBSCRIPTION_KEY}).json()["data"]

        read = {e.last_name for e in client.employees(company.id)}

    assert "Meijer" not in {e["employeeBasicInfo"]["lastName"] for e in listed}
    assert "Meijer" in read
