"""Every operation: the request on the wire and the parsing of a fixture answer."""

from datetime import date, datetime
from decimal import Decimal

import responses
from nmbrs_helpers import BASE_URL, answer, make_transport, soap_matcher

from portal.config import DEFAULTS
from portal.nmbrs.client import NmbrsClient

PDF_START = b"%PDF-1.4"


def expect(rsps, service, operation, params, **matcher_options):
    """Register the fixture answer for a call that must look exactly like this."""
    rsps.add(responses.POST, f"{BASE_URL}/{service}.asmx", body=answer(service, operation),
             status=200, content_type="text/xml; charset=utf-8",
             match=[soap_matcher(service, operation, params, **matcher_options)])


def test_verify_sends_the_plain_auth_header_and_then_uses_the_subdomain(rsps):
    client = NmbrsClient(make_transport(domain=None))
    expect(rsps, "DebtorService", "Environment_Get", [], header="AuthHeader", domain=None)
    expect(rsps, "DebtorService", "List_GetAll", [], domain="apitesting")

    env = client.verify()
    client.debtors()

    assert env.subdomain == "apitesting"
    assert env.domain == "apitesting.nmbrs.nl"
    assert client.domain == "apitesting"


def test_debtors(rsps, client):
    expect(rsps, "DebtorService", "List_GetAll", [])
    debtors = client.debtors()
    assert [(d.id, d.number, d.name) for d in debtors] == [
        (1234, "1001", "Klant BV"), (1235, "1002", "Tweede & Zn")]


def test_all_companies(rsps, client):
    expect(rsps, "CompanyService", "List_GetAll", [])
    [company] = client.companies()
    assert (company.id, company.number, company.name) == (54613, 444445, "DEMO B.V. 2")


def test_companies_of_a_debtor(rsps, client):
    expect(rsps, "CompanyService", "List_GetByDebtor", [("DebtorId", 1234)])
    companies = client.companies(1234)
    assert [(c.id, c.number, c.name) for c in companies] == [
        (54613, 1, "Bakkerij De Vries B.V."), (54614, 2, "De Vries Vastgoed B.V.")]


def test_runs(rsps, client):
    expect(rsps, "CompanyService", "Run_GetList", [("CompanyId", 54613), ("Year", 2024)])
    first, second = client.runs(54613, 2024)
    assert first.id == 987654 and first.number == 1 and first.year == 2024
    assert first.description == "Januari 2024"
    assert first.run_at == datetime(2024, 1, 24, 14, 3, 11)
    assert first.is_locked is True
    assert (second.period_start, second.period_end, second.is_locked) == (2, 3, False)


def test_run_employees(rsps, client):
    expect(rsps, "CompanyService", "Run_GetEmployeesByRunCompany",
           [("CompanyId", 54613), ("RunId", 987654), ("Year", 2024)])
    members = client.run_employees(54613, 987654, 2024)
    assert [(m.employee_id, m.employee_number) for m in members] == [(503293, 1), (503294, 2)]


def test_journal(rsps, client):
    expect(rsps, "CompanyService", "Journals_GetByRunCompany_v2",
           [("CompanyId", 54613), ("RunId", 987654), ("intYear", 2024)])
    journal = client.journal(54613, 987654, 2024)
    assert journal.date == date(2024, 1, 31)
    assert journal.total_debit == Decimal("3500.00") == journal.total_credit
    assert journal.is_balanced
    assert journal.lines[0].account == "4000" and journal.lines[0].cost_center == "02000"
    assert journal.lines[1].credit == Decimal("812.40") and journal.lines[1].cost_center is None


def test_payslip_of_one_employee(rsps, client):
    expect(rsps, "CompanyService", "SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2",
           [("EmployeeID", 503293), ("CompanyId", 54613), ("RunID", 987654), ("intYear", 2024)])
    slip = client.payslip(503293, 54613, 987654, 2024)
    assert slip.employee_id == 503293
    assert slip.pdf.startswith(PDF_START)


def test_wage_tax_declarations(rsps, client):
    expect(rsps, "CompanyService", "WageTax_GetList", [("CompanyId", 54613), ("intYear", 2024)])
    [declaration] = client.wage_tax_declarations(54613, 2024)
    assert declaration.id == 112233
    assert declaration.serial_number == 1
    assert declaration.payment_reference == "1234.5678.9012.3456"
    assert declaration.total == Decimal("4546")
    assert (declaration.period, declaration.year, declaration.status) == (1, 2024, "Verzonden")
    assert declaration.sent_at == datetime(2024, 2, 5, 14, 54, 6)
    assert (declaration.period_start, declaration.period_end) == (date(2024, 1, 1),
                                                                  date(2024, 1, 31))


def test_wage_tax_xml_sends_loonaangifte_id_before_company_id(rsps, client):
    expect(rsps, "CompanyService", "WageTax_GetXML",
           [("LoonaangifteID", 112233), ("CompanyId", 54613)])
    document = client.wage_tax_xml(112233, 54613)
    assert document.declaration_id == 112233
    assert document.period_start == date(2024, 1, 1)
    assert document.total == Decimal("4546")
    assert "<Loonaangifte" in document.xml


def test_annual_statement(rsps, client):
    expect(rsps, "EmployeeService", "SalaryDocuments_GetAnnualStatementPDF",
           [("EmployeeID", 503293), ("intYear", 2024)])
    statement = client.annual_statement(503293, 2024)
    assert (statement.employee_id, statement.year) == (503293, 2024)
    assert statement.pdf.startswith(PDF_START)


def test_employees_with_details(rsps, client):
    expect(rsps, "EmployeeService", "EmployeeType_GetList", [])
    expect(rsps, "EmployeeService", "PersonalInfo_GetAll_AllEmployeesByCompany",
           [("CompanyID", 54613)])
    expect(rsps, "EmployeeService", "Address_GetAll_AllEmployeesByCompany",
           [("CompanyID", 54613)])
    # Jan is of employee type 1, Fatima of type 2: both are listed, one call per type.
    full_list = answer("EmployeeService", "List_GetByCompany")
    jan_line, fatima_line = [line for line in full_list.splitlines() if "<Employee>" in line]
    for employee_type, leave_out in ((1, fatima_line), (2, jan_line)):
        rsps.add(responses.POST, f"{BASE_URL}/EmployeeService.asmx",
                 body=full_list.replace(leave_out, ""), status=200,
                 content_type="text/xml; charset=utf-8",
                 match=[soap_matcher("EmployeeService", "List_GetByCompany",
                                     [("CompanyId", 54613), ("EmployeeType", employee_type)])])
    for employee_id in (503293, 503294):
        expect(rsps, "EmployeeService", "BankAccount_GetListCurrent", [("EmployeeId", employee_id)])

    jan, fatima = client.employees(54613)

    assert (jan.id, jan.number, jan.name) == (503293, 1, "Jan de Vries")
    assert (jan.first_name, jan.last_name, jan.bsn) == ("Jan", "de Vries", "111222333")
    assert (jan.street, jan.house_number, jan.postal_code, jan.city) == (
        "Dorpsstraat", "12", "3512 AB", "Utrecht")
    assert jan.iban == "NL91ABNA0417164300"
    assert (fatima.last_name, fatima.house_number) == ("El Amrani", "4a")


def test_employee_types_are_asked_once_per_client(rsps, client):
    expect(rsps, "EmployeeService", "EmployeeType_GetList", [])
    assert [(t.id, t.description) for t in client.employee_types()] == [
        (1, "Werknemer"), (2, "Stagiair")]
    assert len(client.employee_types()) == 2
    assert len(rsps.calls) == 1


def test_details_only_for_the_employees_asked_for(rsps, client):
    expect(rsps, "EmployeeService", "EmployeeType_GetList", [])
    for employee_type in (1, 2):
        expect(rsps, "EmployeeService", "List_GetByCompany",
               [("CompanyId", 54613), ("EmployeeType", employee_type)])
    expect(rsps, "EmployeeService", "PersonalInfo_GetAll_AllEmployeesByCompany",
           [("CompanyID", 54613)])
    expect(rsps, "EmployeeService", "Address_GetAll_AllEmployeesByCompany",
           [("CompanyID", 54613)])
    expect(rsps, "EmployeeService", "BankAccount_GetListCurrent", [("EmployeeId", 503294)])
    [fatima] = client.employees(54613, employee_ids={503294})
    assert fatima.name == "Fatima El Amrani"
    assert sum("BankAccount" in call.request.headers["SOAPAction"] for call in rsps.calls) == 1


def test_work_costs(rsps, client):
    expect(rsps, "CompanyService", "WorkCost_GetList", [("CompanyId", 54613), ("Year", 2024)])
    [cost] = client.work_costs(54613, 2024)
    assert (cost.period, cost.year) == (1, 2024)
    assert cost.fiscal_wage == Decimal("9235.75")
    assert cost.work_cost_payroll == Decimal("120.50")
    assert cost.work_cost_financial == Decimal("80.00")
    assert cost.available_space == Decimal("177.33")
    assert cost.base == Decimal("9235.75")
    assert cost.to_pay == cost.paid == Decimal("0.00")
    assert cost.estimated is None
    assert all(isinstance(value, Decimal) for value in (cost.fiscal_wage, cost.available_space))


def test_from_config_reads_the_settings():
    client = NmbrsClient.from_config(
        {**DEFAULTS, "NMBRS_SOAP_URL": "http://x/soap/v3/", "NMBRS_TIMEOUT": "7",
         "NMBRS_RETRY_BUDGET_SECONDS": 3}, "u@x.nl", "tok", domain="d")
    assert client.transport.base_url == "http://x/soap/v3"
    assert client.transport.timeout == 7.0
    assert client.transport.retry_budget == 3.0
    assert client.transport.rate_limiter is None
    assert client.domain == "d"


def test_from_config_defaults_to_production():
    client = NmbrsClient.from_config(DEFAULTS, "u@x.nl", "tok")
    assert client.transport.base_url == "https://api.nmbrs.nl/soap/v3"
    assert client.transport.timeout == 30.0
