"""Every client method's requests and the answers it understands pass the official spec."""

import pytest

from portal.nmbrs.errors import UnexpectedAnswer
from tests.nmbrs_rest.bodies import API, basic, company, debtor, gid, page, run
from tests.nmbrs_rest.openapi import validate_exchange

COMPANY, RUN, EMPLOYEE, WAGE_TAX = gid("c"), gid("run-1"), gid("e"), gid("wt")

CLIENT_PATHS = {
    "/api/debtors", "/api/user/info", "/api/debtors/{debtorId}/companies",
    "/api/companies/{companyId}/runs", "/api/companies/{companyId}/runs/{payrollRunId}/employees",
    "/api/companies/{companyId}/runs/{payrollRunId}/journals",
    "/api/employees/{employeeId}/payslipperperiod", "/api/companies/{companyId}/wagetaxes",
    "/api/companies/{companyId}/wagetaxes/{wageTaxId}/xml",
    "/api/employees/{employeeId}/annualstatement",
    "/api/companies/{companyId}/employees/personalinfo",
    "/api/companies/{companyId}/employees/privateInfos",
    "/api/companies/{companyId}/employees/addresses",
    "/api/companies/{companyId}/employees/bankaccounts", "/api/companies/{companyId}/workcost",
    "/api/documents/{taskId}",
}


def _answers(api):
    task = gid("task")
    api.get(f"{API}/api/debtors", json=page([debtor()]))
    api.get(f"{API}/api/user/info", json=page([{"name": "A", "email": "a@b.nl", "language": "nl",
                                                "debtorId": gid("debtor-a"), "userId": gid("u")}]))
    api.get(f"{API}/api/debtors/{gid('debtor-a')}/companies", json=page([company("c")]))
    api.get(f"{API}/api/companies/{COMPANY}/runs", json=page([run()]))
    api.get(f"{API}/api/companies/{COMPANY}/runs/{RUN}/employees",
            json=page([{"employeeId": EMPLOYEE, "employeeNumber": 1}]))
    for path in (f"/api/companies/{COMPANY}/runs/{RUN}/journals",
                 f"/api/employees/{EMPLOYEE}/payslipperperiod",
                 f"/api/companies/{COMPANY}/wagetaxes/{WAGE_TAX}/xml",
                 f"/api/employees/{EMPLOYEE}/annualstatement"):
        api.get(f"{API}{path}", json={"taskId": task})
    api.get(f"{API}/api/documents/{task}", json="Document is being processed", status=202)
    api.get(f"{API}/api/documents/{task}", body=b"<x/>", content_type="application/octet-stream")
    api.get(f"{API}/api/companies/{COMPANY}/wagetaxes", json=page([]))
    api.get(f"{API}/api/companies/{COMPANY}/workcost", json=page([]))
    base = f"{API}/api/companies/{COMPANY}/employees"
    api.get(f"{base}/personalinfo", json=page([{"employeeId": EMPLOYEE, "info": [
        {"basicInfo": basic(1), "period": {"year": 2026, "period": 1},
         "createdAt": "2026-01-01T00:00:00Z"}]}]))
    for suffix in ("privateInfos", "addresses", "bankaccounts"):
        api.get(f"{base}/{suffix}", json=page([]))


def test_the_client_uses_only_spec_paths_and_covers_all_it_needs(api, rest):
    _answers(api)

    rest.user_info()
    rest.companies()
    rest.run_employees(COMPANY, RUN, 2026)
    rest.payslip(EMPLOYEE, COMPANY, RUN, 2026)
    rest.annual_statement(EMPLOYEE, 2025)
    rest.wage_tax_declarations(COMPANY, 2026)
    rest.wage_tax_xml(WAGE_TAX, COMPANY)
    rest.work_costs(COMPANY, 2026)
    rest.employees(COMPANY)
    rest.employees(COMPANY, employee_ids=[EMPLOYEE])
    with pytest.raises(UnexpectedAnswer):  # "<x/>" is no journal; the requests matter here
        rest.journal(COMPANY, RUN, 2026)

    used = {validate_exchange(call.request, call.response) for call in api.calls}
    assert used == CLIENT_PATHS
