"""The REST client's reads: every endpoint, mapped to the same typed results as SOAP."""

from decimal import Decimal
from pathlib import Path

import pytest
from responses import matchers

from portal.nmbrs.rest.transport import DocumentNotReady
from tests.nmbrs_rest.bodies import API, basic, company, debtor, gid, page, run

FIXTURES = Path(__file__).parent.parent / "nmbrs" / "fixtures"
COMPANY = gid("company-a")
RUN = gid("run-1")
EMPLOYEE = gid("employee-1")


def add_document(api, task_path, task_name, content: bytes, pending: int = 0, params=None):
    """A document endpoint answering a taskId, then `pending` times 202, then 200 bytes."""
    task = gid(task_name)
    match = [matchers.query_param_matcher(params)] if params is not None else []
    api.get(f"{API}{task_path}", json={"taskId": task}, match=match)
    for _ in range(pending):
        api.get(f"{API}/api/documents/{task}", json="Document is being processed", status=202)
    api.get(f"{API}/api/documents/{task}", body=content, status=200,
            content_type="application/octet-stream")
    return task


def test_debtors_and_companies_of_a_debtor(api, rest):
    api.get(f"{API}/api/debtors", json=page([debtor()]))
    api.get(f"{API}/api/debtors/{gid('debtor-a')}/companies",
            json=page([company(number="0012", title="Jansen BV")]))

    [found] = rest.debtors()
    [found_company] = rest.companies(found.id)

    assert (found.id, found.number, found.name) == (gid("debtor-a"), "2210", "Bakkerij Jansen")
    assert (found_company.id, found_company.number, found_company.name) == (COMPANY, 12, "Jansen BV")


def test_companies_without_a_debtor_walk_every_debtor_never_api_companies(api, rest):
    api.get(f"{API}/api/debtors", json=page([debtor("d1"), debtor("d2", number="7")]))
    api.get(f"{API}/api/debtors/{gid('d1')}/companies", json=page([company("c1")]))
    api.get(f"{API}/api/debtors/{gid('d2')}/companies", json=page([company("c2", number="2")]))

    assert [c.id for c in rest.companies()] == [gid("c1"), gid("c2")]
    assert all("/api/companies" not in call.request.url for call in api.calls)


def test_pagination_is_followed_over_three_pages_with_the_largest_page_size(api, rest):
    for number in (1, 2, 3):
        api.get(f"{API}/api/companies/{COMPANY}/runs",
                match=[matchers.query_param_matcher(
                    {"year": "2026", "pageNumber": str(number), "pageSize": "100"})],
                json=page([run(f"run-{number}", number=number)], number=number, total_pages=3))

    runs = rest.runs(COMPANY, 2026)

    assert [r.number for r in runs] == [1, 2, 3]
    assert len(api.calls) == 3


def test_runs_and_run_employees(api, rest):
    api.get(f"{API}/api/companies/{COMPANY}/runs",
            json=page([run("run-1", number=4, start=3, end=4, locked=False)]))
    api.get(f"{API}/api/companies/{COMPANY}/runs/{RUN}/employees",
            json=page([{"employeeId": EMPLOYEE, "employeeNumber": 17}]))

    [found] = rest.runs(COMPANY, 2026)
    [member] = rest.run_employees(COMPANY, RUN, 2026)

    assert (found.id, found.number, found.period_start, found.period_end) == (RUN, 4, 3, 4)
    assert found.is_locked is False and found.run_at.year == 2026
    assert (member.employee_id, member.employee_number) == (EMPLOYEE, 17)


def test_journal_document_is_polled_until_ready_and_parsed(api, rest, clock, limiter):
    xml = (FIXTURES / "journal.xml").read_text("utf-8").replace('encoding="utf-16"', "")
    add_document(api, f"/api/companies/{COMPANY}/runs/{RUN}/journals", "task-j",
                 xml.encode("utf-16"), pending=3, params={"year": "2026"})

    journal = rest.journal(COMPANY, RUN, 2026)

    assert journal.is_balanced and journal.total_debit == Decimal("3500.00")
    assert clock.sleeps == [1.0, 2.0, 4.0]  # backoff between the 202s
    assert limiter.grants == 5  # the task call and every poll pass the shared rate limit


def test_document_wait_is_bounded_in_time(api, rest, clock):
    task = gid("task-slow")
    api.get(f"{API}/api/employees/{EMPLOYEE}/annualstatement", json={"taskId": task})
    api.get(f"{API}/api/documents/{task}", json="Document is being processed", status=202)

    with pytest.raises(DocumentNotReady) as caught:
        rest.annual_statement(EMPLOYEE, 2025)

    assert caught.value.transient
    assert sum(clock.sleeps) <= 60  # document_timeout of the fixture
    assert max(clock.sleeps) == 10.0  # polls back off to 10 s, no faster
    polls = [c for c in api.calls if "/api/documents/" in c.request.url]
    assert 6 <= len(polls) <= 10


def test_pay_slip_per_employee_per_period_of_the_run(api, rest):
    api.get(f"{API}/api/companies/{COMPANY}/runs", json=page([run(start=2, end=3)]))
    add_document(api, f"/api/employees/{EMPLOYEE}/payslipperperiod", "slip-2", b"%PDF-2",
                 params={"period": "2", "year": "2026"})
    add_document(api, f"/api/employees/{EMPLOYEE}/payslipperperiod", "slip-3", b"%PDF-3",
                 params={"period": "3", "year": "2026"})

    second = rest.payslip(EMPLOYEE, COMPANY, RUN, 2026, period=2)
    third = rest.payslip(EMPLOYEE, COMPANY, RUN, 2026, period=3)
    booked = rest.payslip(EMPLOYEE, COMPANY, RUN, 2026)  # the period it is booked in: the last
    outside = rest.payslip(EMPLOYEE, COMPANY, RUN, 2026, period=4)

    assert second.pdf == b"%PDF-2" and second.employee_id == EMPLOYEE
    assert third.pdf == b"%PDF-3" and booked.pdf == b"%PDF-3"
    assert outside is None  # the run does not span period 4: nothing asked
    assert [c.request.params.get("period") for c in api.calls
            if "payslipperperiod" in c.request.url] == ["2", "3", "3"]


def test_wage_taxes_and_their_xml(api, rest):
    declaration = gid("wt-1")
    api.get(f"{API}/api/companies/{COMPANY}/wagetaxes", json=page([{
        "wageTaxId": declaration, "serialNumber": 1, "totalGeneral": 4546,
        "paymentReference": "1111.2223.3630.1010", "period": 1, "year": 2026,
        "status": "Verzonden", "sentAt": "2026-02-10T09:00:00Z", "periodStart": "2026-01-01",
        "periodEnd": "2026-01-31", "correctionPeriodStart": None, "correctionPeriodEnd": None}]))
    xml = (FIXTURES / "wage_tax.xml").read_text("utf-8").replace('encoding="utf-16"', "")
    add_document(api, f"/api/companies/{COMPANY}/wagetaxes/{declaration}/xml", "task-wt",
                 xml.encode(), pending=1)

    [found] = rest.wage_tax_declarations(COMPANY, 2026)
    document = rest.wage_tax_xml(found.id, COMPANY)

    assert (found.total, found.status, found.period_end.day) == (Decimal("4546"), "Verzonden", 31)
    assert document.declaration_id == declaration and document.total == Decimal("4546")


def test_annual_statement(api, rest):
    add_document(api, f"/api/employees/{EMPLOYEE}/annualstatement", "task-as", b"%PDF-as",
                 params={"year": "2025"})

    statement = rest.annual_statement(EMPLOYEE, 2025)

    assert (statement.employee_id, statement.year, statement.pdf) == (EMPLOYEE, 2025, b"%PDF-as")


def test_employees_combine_the_current_row_of_every_history(api, rest):
    base = f"{API}/api/companies/{COMPANY}/employees"
    api.get(base, json=page([{"employeeId": EMPLOYEE, "employeeBasicInfo": basic(17)}]))
    api.get(f"{base}/personalinfo", json=page([{"employeeId": EMPLOYEE, "info": [
        {"basicInfo": basic(17, last="Jansen"), "period": {"year": 2025, "period": 1},
         "createdAt": "2025-01-01T00:00:00Z"},
        {"basicInfo": basic(17, last="Vries", prefix="de"), "period": {"year": 2026, "period": 2},
         "createdAt": "2026-02-01T00:00:00Z"}]}]))
    api.get(f"{base}/privateInfos", json=page([{"employeeId": EMPLOYEE, "privateInfos": [
        {"BSN": "111222333", "createdAt": "2025-01-01T00:00:00Z"},
        {"BSN": "123456782", "createdAt": "2026-01-01T00:00:00Z"}]}]))
    api.get(f"{base}/addresses", json=page([{"employeeId": EMPLOYEE, "addresses": [
        _address("postAddress", "Postbus", "2026-03-01T00:00:00Z"),
        _address("homeAddress", "Oude straat", "2025-01-01T00:00:00Z"),
        _address("homeAddress", "Kerkstraat", "2026-01-01T00:00:00Z")]}]))
    api.get(f"{base}/bankaccounts", json=page([{"employeeId": EMPLOYEE, "bankAccounts": [
        _account("NL02ABNA0123456789", "bankAccount2", "2026-05-01T00:00:00Z"),
        _account("NL91ABNA0417164300", "standard", "2026-01-01T00:00:00Z")]}]))

    [person] = rest.employees(COMPANY)

    assert (person.id, person.number, person.name) == (EMPLOYEE, 17, "Anna de Vries")
    assert (person.last_name, person.street, person.house_number) == ("de Vries", "Kerkstraat", "12a")
    assert (person.bsn, person.iban) == ("123456782", "NL91ABNA0417164300")


def _info(number):
    return [{"basicInfo": basic(number), "period": {"year": 2026, "period": 1},
             "createdAt": "2026-01-01T00:00:00Z"}]


def _bsn():
    return [{"BSN": "123456782", "createdAt": "2026-01-01T00:00:00Z"}]


def test_employee_details_take_four_lists_personal_info_names_them(api, rest):
    base = f"{API}/api/companies/{COMPANY}/employees"
    api.get(base, json=page([{"employeeId": EMPLOYEE, "employeeBasicInfo": basic(17)}]))
    api.get(f"{base}/personalinfo", json=page([{"employeeId": EMPLOYEE, "info": _info(17)}]))
    api.get(f"{base}/privateInfos", json=page([{"employeeId": EMPLOYEE, "privateInfos": _bsn()}]))
    for suffix in ("addresses", "bankaccounts"):
        api.get(f"{base}/{suffix}", json=page([]))

    [person] = rest.employees(COMPANY)

    assert (person.id, person.number, person.bsn) == (EMPLOYEE, 17, "123456782")
    assert len(api.calls) == 4  # the plain employee list adds nothing to personal info


def test_a_new_hire_of_a_large_company_is_read_by_employee_id(api, rest):
    base = f"{API}/api/companies/{COMPANY}/employees"
    everyone = [EMPLOYEE] + [gid(f"colleague-{n}") for n in range(249)]
    for number in (1, 2, 3):  # the BSN list has no employee filter: 250 employees, 3 pages
        api.get(f"{base}/privateInfos", json=page(
            [{"employeeId": e, "privateInfos": _bsn()}
             for e in everyone[(number - 1) * 100:number * 100]], number, total_pages=3))
    only = [matchers.query_param_matcher({"employeeId": EMPLOYEE, "pageNumber": "1",
                                          "pageSize": "100"})]
    api.get(f"{base}/personalinfo", match=only,
            json=page([{"employeeId": EMPLOYEE, "info": _info(17)}]))
    for suffix in ("addresses", "bankaccounts"):
        api.get(f"{base}/{suffix}", match=only, json=page([]))

    [person] = rest.employees(COMPANY, employee_ids=[EMPLOYEE])

    assert (person.id, person.number, person.bsn) == (EMPLOYEE, 17, "123456782")
    # 3 pages of BSNs and one call per other list, instead of 5 lists of 3 pages each.
    assert len(api.calls) == 3 + 3


def _address(kind, street, created):
    return {"addressId": gid(street), "isDefault": None, "type": kind, "street": street,
            "houseNumber": "12", "houseNumberAddition": "a", "postalCode": "1234 AB",
            "city": "Utrecht", "countryISOCode": "NL", "period": {"year": 2026, "period": 1},
            "createdAt": created}


def _account(iban, kind, created):
    return {"bankAccountId": gid(iban), "number": "", "description": "", "IBAN": iban,
            "city": "", "name": "", "bankAccountType": kind, "createdAt": created}


def test_work_costs_are_decimal(api, rest):
    api.get(f"{API}/api/companies/{COMPANY}/workcost", json=page([{
        "period": {"year": 2026, "period": 1}, "workCostPayroll": 100.1, "workCostFinancial": 0,
        "fiscalWage": 250000.55, "workCostAvailable": 4625.01, "workCostBase": 250000.55,
        "workCostToPay": 0, "workCostEstimated": 3.3, "workCostPaid": 0.1}]))

    [cost] = rest.work_costs(COMPANY, 2026)

    assert cost.fiscal_wage == Decimal("250000.55") and cost.available_space == Decimal("4625.01")
    assert cost.paid == Decimal("0.1") and cost.estimated == Decimal("3.3")


def test_user_info_names_the_consenting_debtor(api, rest):
    api.get(f"{API}/api/user/info", json=page([{
        "name": "Anna", "email": "anna@jansen.nl", "language": "nl",
        "debtorId": gid("debtor-a"), "userId": gid("user-a")}]))

    info = rest.user_info()

    assert (info.debtor_id, info.email) == (gid("debtor-a"), "anna@jansen.nl")


def test_every_request_carries_bearer_token_and_subscription_key(api, rest):
    api.get(f"{API}/api/debtors", json=page([]))

    rest.debtors()

    headers = api.calls[0].request.headers
    assert headers["Authorization"] == "Bearer access-1"
    assert headers["X-Subscription-Key"] == "sub-key-1"
    assert "sub-key-1" not in repr(rest)
