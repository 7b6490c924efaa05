"""Every request exactly as the reference shows it (../shared/product/nmbrs-api.md).

One case per operation: the client's envelope, parsed, must equal the reference's example
request (copied verbatim below), or, where the reference only has a body or a parameter table,
the body it shows inside the header of §2.3. Compared as parsed XML: namespaces, element names,
their order, header children and values, not the bytes.
"""

from dataclasses import dataclass
from xml.etree.ElementTree import Element

import pytest
import responses
from defusedxml.ElementTree import fromstring
from nmbrs_helpers import BASE_URL, answer

from portal.nmbrs import employees
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.soap import NmbrsCredentials, SoapTransport

ENVELOPE = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">{}</soap:Envelope>'
# §2.3 with the values of the reference's examples (§3.2, §4).
HEADER_WITH_DOMAIN = """<soap:Header>
    <AuthHeaderWithDomain xmlns="https://api.nmbrs.nl/soap/v3/{service}">
      <Username>api@kantoor.nl</Username><Token>xxxxxxxx</Token><Domain>kantoor</Domain>
    </AuthHeaderWithDomain>
  </soap:Header>"""


def with_header(service: str, body: str) -> str:
    """A body from the reference inside the AuthHeaderWithDomain header it prescribes."""
    return ENVELOPE.format(HEADER_WITH_DOMAIN.format(service=service) + body)


def from_table(service: str, operation: str, params: list[tuple[str, object]]) -> str:
    """The body a parameter table describes: the operation in the service namespace with the
    parameters as children, in the table's (WSDL) order."""
    children = "".join(f"<{name}>{value}</{name}>" for name, value in params)
    body = (f'<soap:Body><{operation} xmlns="https://api.nmbrs.nl/soap/v3/{service}">'
            f"{children}</{operation}></soap:Body>")
    return with_header(service, body)


@dataclass(frozen=True)
class Case:
    service: str
    operation: str
    reference: str  # the request as the reference shows it
    call: object  # client → the call that sends it
    domain: str | None = "kantoor"  # the client's known sub-domain


CASES = [
    # §3.1, verbatim: the plain AuthHeader, no Domain (it is what this call finds).
    Case("DebtorService", "Environment_Get", """
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
    <AuthHeader xmlns="https://api.nmbrs.nl/soap/v3/DebtorService">
      <Username>api@kantoor.nl</Username><Token>xxxxxxxx</Token>
    </AuthHeader>
  </soap:Header>
  <soap:Body><Environment_Get xmlns="https://api.nmbrs.nl/soap/v3/DebtorService"/></soap:Body>
</soap:Envelope>""", lambda c: c.verify(), domain=None),
    # §3.2, verbatim.
    Case("DebtorService", "List_GetAll", """
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
    <AuthHeaderWithDomain xmlns="https://api.nmbrs.nl/soap/v3/DebtorService">
      <Username>api@kantoor.nl</Username><Token>xxxxxxxx</Token><Domain>kantoor</Domain>
    </AuthHeaderWithDomain>
  </soap:Header>
  <soap:Body><List_GetAll xmlns="https://api.nmbrs.nl/soap/v3/DebtorService"/></soap:Body>
</soap:Envelope>""", lambda c: c.debtors()),
    # §3.3 table: List_GetAll takes no parameters.
    Case("CompanyService", "List_GetAll", from_table("CompanyService", "List_GetAll", []),
         lambda c: c.companies()),
    # §3.3 example body.
    Case("CompanyService", "List_GetByDebtor", with_header("CompanyService", """
<soap:Body><List_GetByDebtor xmlns="https://api.nmbrs.nl/soap/v3/CompanyService"><DebtorId>1234</DebtorId></List_GetByDebtor></soap:Body>
"""), lambda c: c.companies(1234)),
    # §4, verbatim.
    Case("CompanyService", "Run_GetList", """
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
    <AuthHeaderWithDomain xmlns="https://api.nmbrs.nl/soap/v3/CompanyService">
      <Username>api@kantoor.nl</Username><Token>xxxxxxxx</Token><Domain>kantoor</Domain>
    </AuthHeaderWithDomain>
  </soap:Header>
  <soap:Body>
    <Run_GetList xmlns="https://api.nmbrs.nl/soap/v3/CompanyService">
      <CompanyId>54613</CompanyId><Year>2024</Year>
    </Run_GetList>
  </soap:Body>
</soap:Envelope>""", lambda c: c.runs(54613, 2024)),
    # §4 table: CompanyId, RunId, Year.
    Case("CompanyService", "Run_GetEmployeesByRunCompany",
         from_table("CompanyService", "Run_GetEmployeesByRunCompany",
                    [("CompanyId", 54613), ("RunId", 987654), ("Year", 2024)]),
         lambda c: c.run_employees(54613, 987654, 2024)),
    # §5.1 example body.
    Case("CompanyService", "Journals_GetByRunCompany_v2", with_header("CompanyService", """
<soap:Body>
  <Journals_GetByRunCompany_v2 xmlns="https://api.nmbrs.nl/soap/v3/CompanyService">
    <CompanyId>54613</CompanyId><RunId>987654</RunId><intYear>2024</intYear>
  </Journals_GetByRunCompany_v2>
</soap:Body>"""), lambda c: c.journal(54613, 987654, 2024)),
    # §6.1 example body.
    Case("CompanyService", "SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2",
         with_header("CompanyService", """
<soap:Body>
  <SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2 xmlns="https://api.nmbrs.nl/soap/v3/CompanyService">
    <EmployeeID>503293</EmployeeID><CompanyId>54613</CompanyId><RunID>987654</RunID><intYear>2024</intYear>
  </SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2>
</soap:Body>"""), lambda c: c.payslip(503293, 54613, 987654, 2024)),
    # §7.1 example bodies.
    Case("CompanyService", "WageTax_GetList", with_header("CompanyService", """
<soap:Body>
  <WageTax_GetList xmlns="https://api.nmbrs.nl/soap/v3/CompanyService"><CompanyId>54613</CompanyId><intYear>2024</intYear></WageTax_GetList>
</soap:Body>"""), lambda c: c.wage_tax_declarations(54613, 2024)),
    Case("CompanyService", "WageTax_GetXML", with_header("CompanyService", """
<soap:Body>
  <WageTax_GetXML xmlns="https://api.nmbrs.nl/soap/v3/CompanyService"><LoonaangifteID>112233</LoonaangifteID><CompanyId>54613</CompanyId></WageTax_GetXML>
</soap:Body>"""), lambda c: c.wage_tax_xml(112233, 54613)),
    # §7.4 table: CompanyId, Year.
    Case("CompanyService", "WorkCost_GetList",
         from_table("CompanyService", "WorkCost_GetList", [("CompanyId", 54613), ("Year", 2024)]),
         lambda c: c.work_costs(54613, 2024)),
    # §7.2 example body.
    Case("EmployeeService", "SalaryDocuments_GetAnnualStatementPDF",
         with_header("EmployeeService", """
<soap:Body>
  <SalaryDocuments_GetAnnualStatementPDF xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService">
    <EmployeeID>503293</EmployeeID><intYear>2024</intYear>
  </SalaryDocuments_GetAnnualStatementPDF>
</soap:Body>"""), lambda c: c.annual_statement(503293, 2024)),
    # §7.3 table: EmployeeType_GetList takes no parameters.
    Case("EmployeeService", "EmployeeType_GetList",
         from_table("EmployeeService", "EmployeeType_GetList", []),
         lambda c: c.employee_types()),
    # §7.3 example bodies.
    Case("EmployeeService", "List_GetByCompany", with_header("EmployeeService", """
<soap:Body>
  <List_GetByCompany xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService"><CompanyId>54613</CompanyId><EmployeeType>1</EmployeeType></List_GetByCompany>
</soap:Body>"""), lambda c: employees.list_employees(c.transport, 54613, 1)),
    Case("EmployeeService", "BankAccount_GetListCurrent", with_header("EmployeeService", """
<soap:Body>
  <BankAccount_GetListCurrent xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService"><EmployeeId>503293</EmployeeId></BankAccount_GetListCurrent>
</soap:Body>"""), lambda c: employees.current_iban(c.transport, 503293)),
    # §7.3 table: CompanyID with a capital ID.
    Case("EmployeeService", "PersonalInfo_GetAll_AllEmployeesByCompany",
         from_table("EmployeeService", "PersonalInfo_GetAll_AllEmployeesByCompany",
                    [("CompanyID", 54613)]),
         lambda c: employees.personal_info_by_employee(c.transport, 54613)),
    Case("EmployeeService", "Address_GetAll_AllEmployeesByCompany",
         from_table("EmployeeService", "Address_GetAll_AllEmployeesByCompany",
                    [("CompanyID", 54613)]),
         lambda c: employees.address_by_employee(c.transport, 54613)),
]


def canonical(element: Element) -> tuple:
    """Tag (with its namespace), stripped text and children, in order; whitespace and the
    namespace prefixes chosen do not count."""
    return (element.tag, (element.text or "").strip(),
            tuple(canonical(child) for child in element))


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.service}.{case.operation}")
def test_the_request_is_the_references(case):
    sent = []
    transport = SoapTransport(BASE_URL, NmbrsCredentials("api@kantoor.nl", "xxxxxxxx",
                                                         case.domain), timeout=5.0)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, f"{BASE_URL}/{case.service}.asmx",
                          callback=lambda request: (200, {"Content-Type": "text/xml; charset=utf-8"},
                                                    _answer(case, sent, request)))
        case.call(NmbrsClient(transport))

    [request] = sent
    assert canonical(fromstring(request.body, forbid_dtd=True)) == canonical(
        fromstring(case.reference.strip(), forbid_dtd=True))
    namespace = f"https://api.nmbrs.nl/soap/v3/{case.service}"
    assert request.headers["SOAPAction"] == f'"{namespace}/{case.operation}"'
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"


def _answer(case: Case, sent: list, request) -> str:
    sent.append(request)
    return answer(case.service, case.operation)


def test_every_operation_of_the_client_is_in_the_table():
    """A new operation needs its reference case here."""
    from portal.nmbrs.sandbox.handlers import OPERATIONS

    covered = {(case.service, case.operation) for case in CASES}
    used = {(service, operation) for service, operations in OPERATIONS.items()
            for operation in operations}
    assert used == covered
