"""The client against the running sandbox, for every operation, and the sandbox's strictness."""

from datetime import date
from decimal import Decimal

import pytest
import requests

from portal import demo_data
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.errors import InvalidCredentials, NmbrsUnavailable, UnknownCompany
from portal.nmbrs.sandbox.testing import running_sandbox
from portal.nmbrs.soap import NmbrsCredentials, SoapTransport, build_envelope

YEAR = date.today().year
MONTH = date.today().month
BAKKERIJ = "Bakkerij De Vries B.V."


def sandbox_client(base_url: str, token: str = demo_data.SANDBOX_TOKEN, **options) -> NmbrsClient:
    options.setdefault("backoff", 0.001)
    options.setdefault("timeout", 5.0)
    credentials = NmbrsCredentials(demo_data.SANDBOX_USERNAME, token)
    return NmbrsClient(SoapTransport(base_url, credentials, **options))


def stats(base_url: str) -> dict:
    return requests.get(base_url.replace("/soap/v3", "/_sandbox/stats"), timeout=5).json()


@pytest.fixture(scope="module")
def sandbox_url():
    with running_sandbox() as base_url:
        yield base_url


@pytest.fixture(scope="module")
def client(sandbox_url):
    client = sandbox_client(sandbox_url)
    client.verify()
    return client


@pytest.fixture(scope="module")
def companies(client):
    return {company.name: company for company in client.companies()}


def payroll_administrations():
    return [admin for domain in demo_data.DOMAINS for admin in domain.administrations
            if admin.payroll]


def nmbrs_companies():
    return [admin for domain in demo_data.DOMAINS for admin in domain.administrations
            if admin.has_nmbrs_company]


def test_verify_yields_the_demo_subdomain(sandbox_url):
    client = sandbox_client(sandbox_url)
    assert client.verify().subdomain == demo_data.SANDBOX_SUBDOMAIN
    assert client.domain == demo_data.SANDBOX_SUBDOMAIN


def test_debtors_are_named_as_people_write_them(client):
    assert [d.name for d in client.debtors()] == [
        "Bakkerij de Vries B.V.", "Installatiebedrijf Jansen B.V.", "Tandartspraktijk Smit",
        "Hoveniers Mulder V.O.F."]


def test_companies_are_the_administrations_with_an_nmbrs_company(client, companies):
    expected = {(a.name, a.nmbrs_company_number) for a in nmbrs_companies()}
    assert {(c.name, c.number) for c in companies.values()} == expected
    debtor = next(d for d in client.debtors() if d.name == "Bakkerij de Vries B.V.")
    assert [c.name for c in client.companies(debtor.id)] == [BAKKERIJ]
    # One company's number differs from its administration's relation code.
    assert companies["Hoveniersbedrijf Mulder V.O.F."].number == 12


def test_one_run_per_month_and_a_13th_period_only_for_the_bakery(client, companies):
    for name, company in companies.items():
        runs = client.runs(company.id, YEAR)
        regular = [r for r in runs if r.period_start <= 12]
        assert [r.period_start for r in regular] == list(range(1, MONTH + 1))
        assert regular[0].description == f"Januari {YEAR}"
        thirteenth = [r for r in runs if r.period_start == 13]
        assert len(thirteenth) == (1 if name == BAKKERIJ else 0)
        if thirteenth:
            assert thirteenth[0].run_at.month == 12


def test_every_journal_balances_to_the_cent(client, companies):
    for company in companies.values():
        for run in client.runs(company.id, YEAR):
            journal = client.journal(company.id, run.id, YEAR)
            assert journal.lines and journal.is_balanced
            assert all(isinstance(line.debit, Decimal) for line in journal.lines)


def test_run_employees_and_payslips(client, companies):
    company = companies[BAKKERIJ]
    run = client.runs(company.id, YEAR)[0]
    members = client.run_employees(company.id, run.id, YEAR)
    assert [m.employee_number for m in members] == [1, 2, 3]
    slips = [client.payslip(m.employee_id, company.id, run.id, YEAR) for m in members]
    assert [s.employee_id for s in slips] == [m.employee_id for m in members]
    assert all(s.pdf.startswith(b"%PDF-1.4") for s in slips)
    assert b"Jan de Vries" in slips[0].pdf
    single = client.payslip(members[1].employee_id, company.id, run.id, YEAR)
    assert b"Fatima El Amrani" in single.pdf


def test_wage_tax_declarations_exist_only_for_ended_months(client, companies):
    company = companies[BAKKERIJ]
    declarations = client.wage_tax_declarations(company.id, YEAR)
    assert [d.period for d in declarations] == list(range(1, MONTH))
    for declaration in declarations[:2]:
        document = client.wage_tax_xml(declaration.id, company.id)
        assert document.total == declaration.total
        assert document.period_start == declaration.period_start


def test_annual_statement(client, companies):
    employee = client.employees(companies[BAKKERIJ].id)[0]
    statement = client.annual_statement(employee.id, YEAR)
    assert statement.pdf.startswith(b"%PDF-1.4")


def test_employees_of_every_type_match_the_demo_data(client, companies):
    for admin in nmbrs_companies():
        employees = client.employees(companies[admin.name].id)
        got = sorted((e.number, e.name, e.first_name, e.last_name, e.street, e.house_number,
                      e.postal_code, e.city, e.iban, e.bsn) for e in employees)
        want = sorted((e.number, e.name, e.first_name, e.last_name, e.street, e.house_number,
                       e.postal_code, e.city, e.iban, e.bsn) for e in admin.employees)
        assert got == want


def test_employee_types_and_employees_of_one_type(client, companies):
    types = client.employee_types()
    assert [(t.id, t.description) for t in types] == list(demo_data.EMPLOYEE_TYPES)
    smit = companies["Tandartspraktijk Smit"].id
    assert {e.number for e in client.employees(smit)} == {100, 101, 102, 103, 104}
    from portal.nmbrs import employees as employee_calls

    by_type = {t.id: [number for _id, number, _name in
                      employee_calls.list_employees(client.transport, smit, t.id)]
               for t in types}
    assert by_type == {1: [100, 101, 102], 2: [104], 3: [103], 4: []}


def test_runs_pay_only_who_was_employed(client, companies):
    smit = companies["Tandartspraktijk Smit"].id
    paid = {run.period_start: sorted(m.employee_number
                                     for m in client.run_employees(smit, run.id, YEAR))
            for run in client.runs(smit, YEAR)}
    assert paid[1] == [100, 101]
    if MONTH >= 4:
        assert paid[4] == [100, 101, 102, 103, 104]  # Daan's last month, Sem's first
    if MONTH >= 5:
        assert paid[5] == [100, 101, 103, 104]


def test_work_costs_fiscal_wage_is_the_sum_of_gross(client, companies):
    admin = payroll_administrations()[0]
    costs = client.work_costs(companies[admin.name].id, YEAR)
    gross = sum(Decimal(e.monthly_gross) for e in admin.employees)
    assert [c.period for c in costs] == list(range(1, MONTH + 1))
    assert all(c.fiscal_wage == gross for c in costs)


def test_unknown_company_gives_2004(client):
    with pytest.raises(UnknownCompany) as caught:
        client.runs(999999, YEAR)
    assert caught.value.code == 2004


def test_wrong_token_is_invalid_credentials(sandbox_url):
    with pytest.raises(InvalidCredentials):
        sandbox_client(sandbox_url, token="wrong").verify()


def test_fail_auth_option_always_answers_1001():
    with running_sandbox(bad_credentials=True) as base_url:
        with pytest.raises(InvalidCredentials):
            sandbox_client(base_url).verify()
        assert stats(base_url)["total_calls"] == 1  # never retried


def test_http_503_option_fails_every_call_and_the_client_retries():
    with running_sandbox(http_503=1.0) as base_url:
        with pytest.raises(NmbrsUnavailable):
            sandbox_client(base_url, max_attempts=3).debtors()
        assert stats(base_url)["total_calls"] == 3


def test_half_the_calls_503_and_retries_absorb_them():
    with running_sandbox(http_503=0.5) as base_url:
        client = sandbox_client(base_url, max_attempts=3)
        for _ in range(4):
            assert client.debtors()


def test_slow_answers_hit_the_client_timeout():
    with running_sandbox(slow=0.5) as base_url:
        with pytest.raises(NmbrsUnavailable):
            sandbox_client(base_url, timeout=0.05, max_attempts=1).debtors()


def test_stats_count_calls(sandbox_url):
    before = stats(sandbox_url)["total_calls"]
    sandbox_client(sandbox_url).debtors()
    after = stats(sandbox_url)
    assert after["total_calls"] == before + 1
    assert after["max_calls_per_second"] >= 1


# --- strictness of the sandbox -------------------------------------------------------------

NS = "https://api.nmbrs.nl/soap/v3/CompanyService"
NS_EMPLOYEE = "https://api.nmbrs.nl/soap/v3/EmployeeService"
RUN_GET_LIST = f'"{NS}/Run_GetList"'


def post(base_url, body, action=f'"{NS}/Run_GetList"', content_type="text/xml; charset=utf-8"):
    headers = {"Content-Type": content_type}
    if action is not None:
        headers["SOAPAction"] = action
    return requests.post(f"{base_url}/CompanyService.asmx", data=body, headers=headers,
                         timeout=5)


def envelope(params=(("CompanyId", 54701), ("Year", YEAR)), operation="Run_GetList"):
    credentials = NmbrsCredentials(demo_data.SANDBOX_USERNAME, demo_data.SANDBOX_TOKEN,
                                   demo_data.SANDBOX_SUBDOMAIN)
    return build_envelope("CompanyService", operation, list(params), credentials).decode()


def test_a_correct_request_is_answered(sandbox_url):
    response = post(sandbox_url, envelope())
    assert response.status_code == 200
    assert "<Run_GetListResult>" in response.text


@pytest.mark.parametrize("body, action, expected", [
    (envelope(), None, "valid action parameter"),
    (envelope(), f'"{NS}/List_GetAll"', "SOAPAction"),
    (envelope((("CompanyID", 54701), ("Year", YEAR))), RUN_GET_LIST, "Expected parameters"),
    (envelope((("Year", YEAR), ("CompanyId", 54701))), RUN_GET_LIST, "Expected parameters"),
    (envelope((("CompanyId", "abc"), ("Year", YEAR))), f'"{NS}/Run_GetList"', "correct format"),
    (envelope().replace("<Username>demo@vandijk-partners.nl</Username>", "")
     .replace("</Token>", "</Token><Username>demo@vandijk-partners.nl</Username>"),
     f'"{NS}/Run_GetList"', "in that order"),
    (envelope().replace(f'AuthHeaderWithDomain xmlns="{NS}"',
                        f'AuthHeaderWithDomain xmlns="{NS_EMPLOYEE}"'),
     f'"{NS}/Run_GetList"', "AuthHeaderWithDomain"),
    (envelope().replace("AuthHeaderWithDomain", "AuthHeader"), f'"{NS}/Run_GetList"',
     "AuthHeaderWithDomain"),
    (envelope().replace('<Run_GetList xmlns="https://api.nmbrs.nl/soap/v3/CompanyService">',
                        "<Run_GetList>"), f'"{NS}/Run_GetList"', "namespace"),
    ('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', f'"{NS}/Run_GetList"', "error in XML"),
])
def test_malformed_requests_get_a_client_fault(sandbox_url, body, action, expected):
    response = post(sandbox_url, body, action=action)
    assert response.status_code == 500
    assert "<faultcode>soap:Client</faultcode>" in response.text
    assert expected in response.text


def test_wrong_domain_is_1001(sandbox_url):
    response = post(sandbox_url, envelope().replace(
        f"<Domain>{demo_data.SANDBOX_SUBDOMAIN}</Domain>", "<Domain>other</Domain>"))
    assert response.status_code == 500
    assert "---&gt; 1001: Invalid Authentication" in response.text


def test_only_post_with_text_xml(sandbox_url):
    assert requests.get(f"{sandbox_url}/CompanyService.asmx", timeout=5).status_code == 405
    assert post(sandbox_url, envelope(), content_type="application/json").status_code == 415
    assert requests.post(f"{sandbox_url}/NoService.asmx", timeout=5).status_code == 404


def test_cli_is_registered_on_a_flask_app():
    from click.testing import CliRunner
    from flask import Flask

    from portal.nmbrs.sandbox.cli import register_cli, sandbox_command

    app = Flask(__name__)
    register_cli(app)
    assert app.cli.get_command(None, "nmbrs-sandbox") is sandbox_command
    result = CliRunner().invoke(sandbox_command, ["--help"])
    assert result.exit_code == 0 and "--fail-503" in result.output


NS_DEBTOR = "https://api.nmbrs.nl/soap/v3/DebtorService"


def debtor_envelope(operation: str, header: str) -> str:
    credentials = NmbrsCredentials(demo_data.SANDBOX_USERNAME, demo_data.SANDBOX_TOKEN,
                                   demo_data.SANDBOX_SUBDOMAIN)
    return build_envelope("DebtorService", operation, [], credentials, header=header).decode()


def post_debtor_service(base_url, body, operation):
    return requests.post(f"{base_url}/DebtorService.asmx", data=body, timeout=5, headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NS_DEBTOR}/{operation}"'})


def test_environment_get_takes_the_plain_auth_header_only(sandbox_url):
    """Reference §3.1: a reference-conforming Nmbrs rejects AuthHeaderWithDomain here."""
    wrong = post_debtor_service(sandbox_url, debtor_envelope("Environment_Get",
                                                             "AuthHeaderWithDomain"),
                                "Environment_Get")
    assert wrong.status_code == 500
    assert "<faultcode>soap:Client</faultcode>" in wrong.text and "AuthHeader" in wrong.text
    right = post_debtor_service(sandbox_url, debtor_envelope("Environment_Get", "AuthHeader"),
                                "Environment_Get")
    assert right.status_code == 200 and "<SubDomain>" in right.text


def test_other_debtor_calls_need_the_header_with_domain(sandbox_url):
    response = post_debtor_service(sandbox_url, debtor_envelope("List_GetAll", "AuthHeader"),
                                   "List_GetAll")
    assert response.status_code == 500 and "AuthHeaderWithDomain" in response.text


def test_a_moved_subdomain_is_found_again_after_a_1001(sandbox_url):
    """Only a 1001 makes the client ask Environment_Get again; then the call is repeated."""
    told = []
    client = NmbrsClient(SoapTransport(sandbox_url, NmbrsCredentials(
        demo_data.SANDBOX_USERNAME, demo_data.SANDBOX_TOKEN, "oude-omgeving"), backoff=0.001))
    client.transport.on_new_domain = told.append
    before = stats(sandbox_url)["total_calls"]
    assert client.debtors()
    assert stats(sandbox_url)["total_calls"] == before + 3  # refused, Environment_Get, again
    assert client.domain == demo_data.SANDBOX_SUBDOMAIN and told == [demo_data.SANDBOX_SUBDOMAIN]
    client.debtors()
    assert stats(sandbox_url)["total_calls"] == before + 4  # no further Environment_Get


def test_wrong_credentials_are_not_repeated_after_the_environment_check(sandbox_url):
    client = NmbrsClient(SoapTransport(sandbox_url, NmbrsCredentials(
        demo_data.SANDBOX_USERNAME, "wrong-token", demo_data.SANDBOX_SUBDOMAIN), backoff=0.001))
    before = stats(sandbox_url)["total_calls"]
    with pytest.raises(InvalidCredentials):
        client.debtors()
    assert stats(sandbox_url)["total_calls"] == before + 2
