"""The sandbox's operations: build each `<Op>Result` from the sandbox data."""

import base64
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.etree.ElementTree import Element

from portal import demo_data
from portal.nmbrs.sandbox import data as sandbox_data
from portal.nmbrs.sandbox import documents
from portal.nmbrs.sandbox.data import SandboxCompany, SandboxData

XSI = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("xsi", XSI)

# What a handler returns: child elements of the Result, a string Result, or None (no Result).
ResultContent = list[Element] | str | None


class SandboxFault(Exception):
    """A SOAP fault the sandbox answers with, shaped like Nmbrs' `---> NNNN: text`."""

    def __init__(self, faultstring: str, faultcode: str = "soap:Server"):
        super().__init__(faultstring)
        self.faultstring = faultstring
        self.faultcode = faultcode


def nmbrs_fault(code: int, text: str) -> SandboxFault:
    """The ASMX wrapper around an Nmbrs error code."""
    return SandboxFault(f"Server was unable to process request. ---> {code}: {text}")


def unknown_company() -> SandboxFault:
    """Fault 2004, as Nmbrs answers for a company id it will not show."""
    return nmbrs_fault(2004, "Unauthorized access. You do not have the rights to this company; "
                             "make sure you have the correct CompanyID")


@dataclass(frozen=True)
class Operation:
    params: tuple[str, ...]
    handler: Callable[[SandboxData, dict[str, int]], ResultContent]
    header_names: tuple[str, ...] = ("AuthHeaderWithDomain",)


def node(tag: str, fields: list[tuple[str, object]]) -> Element:
    """An element with one child per (name, value); None becomes xsi:nil."""
    element = Element(tag)
    for name, value in fields:
        child = ET.SubElement(element, name)
        if value is None:
            child.set(f"{{{XSI}}}nil", "true")
        else:
            child.text = _xml_value(value)
    return element


def _xml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00"
    return str(value)


def _company(world: SandboxData, company_id: int) -> SandboxCompany:
    company = world.company(company_id)
    if company is None:
        raise unknown_company()
    return company


def environment_get(world: SandboxData, params: dict) -> ResultContent:
    """DebtorService/Environment_Get: the demo sub-domain."""
    return [
        _text("Domain", f"{demo_data.SANDBOX_SUBDOMAIN}.nmbrs.nl"),
        _text("SubDomain", demo_data.SANDBOX_SUBDOMAIN),
    ]


def _text(tag: str, value: str) -> Element:
    element = Element(tag)
    element.text = value
    return element


def debtors_list(world: SandboxData, params: dict) -> ResultContent:
    """DebtorService/List_GetAll: one debtor per demo domain."""
    return [node("Debtor", [("Id", d.id), ("Number", d.number), ("Name", d.name)])
            for d in world.debtors]


def _company_node(company: SandboxCompany) -> Element:
    return node("Company", [("ID", company.id), ("Number", company.number),
                            ("Name", company.name), ("LoonaangifteTijdvak", "Month")])


def companies_all(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/List_GetAll: every payroll company."""
    return [_company_node(c) for c in world.companies]


def companies_by_debtor(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/List_GetByDebtor: companies of one debtor (2009 if unknown)."""
    if world.debtor(params["DebtorId"]) is None:
        raise nmbrs_fault(2009, "Unauthorized access. You do not have the rights to this debtor")
    return [_company_node(c) for c in world.companies if c.debtor_id == params["DebtorId"]]


def run_list(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/Run_GetList: the company's runs of a year."""
    company = _company(world, params["CompanyId"])
    return [
        node("RunInfo", [("ID", r.id), ("Number", r.number), ("Year", r.year),
                         ("PeriodStart", r.period), ("PeriodEnd", r.period),
                         ("Description", r.description), ("RunAt", documents.run_at(world, r)),
                         ("IsLocked", documents.run_locked(world, r))])
        for r in company.runs if r.year == params["Year"]
    ]


def run_employees(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/Run_GetEmployeesByRunCompany: whoever was employed in the run's period."""
    company = _company(world, params["CompanyId"])
    run = company.run(params["RunId"], params["Year"])
    if run is None:
        return []
    return [node("EmployeeIdNumber", [("EmployeeId", e.id), ("EmployeeNumber", e.number)])
            for e in documents.paid_in(company, run)]


def journal(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/Journals_GetByRunCompany_v2: the run's journal XML string."""
    company = _company(world, params["CompanyId"])
    run = company.run(params["RunId"], params["intYear"])
    if run is None:
        return None
    return documents.journal(world, company, run)


def employee_payslips(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2."""
    company = _company(world, params["CompanyId"])
    employee = company.employee(params["EmployeeID"])
    if employee is None:
        raise nmbrs_fault(2003, "Unauthorized access. You do not have the rights to this employee")
    run = company.run(params["RunID"], params["intYear"])
    pdf = documents.payslip_pdf(world, company, employee, run) if run is not None else None
    if pdf is None:
        return []
    payslip = Element("Payslip")
    payslip.append(_text("PDF", base64.b64encode(pdf).decode("ascii")))
    return [payslip]


def wage_tax_list(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/WageTax_GetList: declarations of ended months."""
    company = _company(world, params["CompanyId"])
    if params["intYear"] != world.year:
        return []
    return [
        node("WageTax", [
            ("LoonaangifteID", d.id), ("SerialNumber", 1),
            ("PaymentReference", d.payment_reference),
            ("TotalGeneral", documents.declaration_total(world, d)),
            ("Period", d.period), ("Year", d.year), ("Status", "Verzonden"),
            ("SentAt", d.sent_at), ("TijdvakStart", d.period_start),
            ("TijdvakEnd", d.period_end), ("CorrectionTijdvakStart", None),
            ("CorrectionTijdvakEnd", None)])
        for d in sandbox_data.declarations(company, world.today)
    ]


def wage_tax_xml(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/WageTax_GetXML: a small loonaangifte-like XML string."""
    company = _company(world, params["CompanyId"])
    declaration = next((d for d in sandbox_data.declarations(company, world.today)
                        if d.id == params["LoonaangifteID"]), None)
    if declaration is None:
        raise nmbrs_fault(2046, "Not Found")
    return documents.declaration_xml(world, declaration)


def work_cost_list(world: SandboxData, params: dict) -> ResultContent:
    """CompanyService/WorkCost_GetList: WKR figures per period."""
    company = _company(world, params["CompanyId"])
    if params["Year"] != world.year:
        return []
    zero = Decimal("0.00")
    return [
        node("WorkCost", [
            ("Period", w.period), ("Year", w.year), ("WorkCostPayroll", zero),
            ("WorkCostFinancial", zero), ("FiscalWage", w.fiscal_wage),
            ("WorkCostAvailableSpace", w.available_space), ("WorkCostBase", w.fiscal_wage),
            ("WorkCostToPay", zero), ("WorkCostEstimated", None), ("WorkCostPaid", zero)])
        for w in sandbox_data.work_costs(company, world.today)
    ]


def annual_statement(world: SandboxData, params: dict) -> ResultContent:
    """EmployeeService/SalaryDocuments_GetAnnualStatementPDF (current year only)."""
    found = world.employee(params["EmployeeID"])
    if found is None:
        raise nmbrs_fault(2003, "Unauthorized access. You do not have the rights to this employee")
    if params["intYear"] != world.year:
        return None
    company, employee = found
    pdf = documents.annual_statement_pdf(world, company, employee)
    return [_text("PDF", base64.b64encode(pdf).decode("ascii"))]


def employee_types(world: SandboxData, params: dict) -> ResultContent:
    """EmployeeService/EmployeeType_GetList: the values List_GetByCompany's EmployeeType takes."""
    return [node("EmployeeType", [("Id", type_id), ("Description", description)])
            for type_id, description in demo_data.EMPLOYEE_TYPES]


def employees_by_company(world: SandboxData, params: dict) -> ResultContent:
    """EmployeeService/List_GetByCompany: the company's employees of one EmployeeType."""
    company = _company(world, params["CompanyId"])
    return [node("Employee", [("Id", e.id), ("Number", e.number),
                              ("DisplayName", e.display_name)])
            for e in company.employees if e.employee_type == params["EmployeeType"]]


def personal_info(world: SandboxData, params: dict) -> ResultContent:
    """EmployeeService/PersonalInfo_GetAll_AllEmployeesByCompany."""
    company = _company(world, params["CompanyID"])
    items = []
    for e in company.employees:
        info = node("PersonalInfo_V2", [
            ("Id", e.id * 10), ("DisplayName", e.display_name), ("EmployeeNumber", e.number),
            ("BSN", e.bsn), ("FirstName", e.first_name), ("Initials", e.first_name[:1] + "."),
            ("Prefix", e.prefix), ("LastName", e.last_name), ("StartPeriod", 1),
            ("StartYear", world.year)])
        item = node("PersonalInfoItem", [("EmployeeId", e.id)])
        ET.SubElement(item, "EmployeePersonalInfos").append(info)
        items.append(item)
    return items


def addresses(world: SandboxData, params: dict) -> ResultContent:
    """EmployeeService/Address_GetAll_AllEmployeesByCompany."""
    company = _company(world, params["CompanyID"])
    items = []
    for e in company.employees:
        address = node("EmployeeAddress_V2", [
            ("Id", e.id * 10 + 1), ("StartPeriod", 1), ("StartYear", world.year),
            ("Street", e.street), ("HouseNumber", e.house_number),
            ("HouseNumberAddition", e.house_addition), ("PostalCode", e.postal_code),
            ("City", e.city), ("CountryISOCode", "NL"), ("Type", "HomeAddress")])
        item = node("EmployeeAddressItem", [("EmployeeId", e.id)])
        ET.SubElement(item, "EmployeeAddresses").append(address)
        items.append(item)
    return items


def bank_accounts(world: SandboxData, params: dict) -> ResultContent:
    """EmployeeService/BankAccount_GetListCurrent."""
    found = world.employee(params["EmployeeId"])
    if found is None:
        raise nmbrs_fault(2003, "Unauthorized access. You do not have the rights to this employee")
    _, e = found
    holder = " ".join(part for part in (f"{e.first_name[:1]}.", e.prefix, e.last_name) if part)
    return [node("BankAccount", [("Id", 1), ("Number", ""), ("Description", ""),
                                 ("IBAN", e.iban), ("BIC", ""), ("City", e.city),
                                 ("Name", holder), ("Type", "Standaard")])]


# Parameter names and order as in nmbrs-api.md (mind RunId/RunID, intYear, CompanyID).
OPERATIONS: dict[str, dict[str, Operation]] = {
    "DebtorService": {
        # Before the sub-domain is known: the plain AuthHeader only (nmbrs-api.md §3.1).
        "Environment_Get": Operation((), environment_get, ("AuthHeader",)),
        "List_GetAll": Operation((), debtors_list),
    },
    "CompanyService": {
        "List_GetAll": Operation((), companies_all),
        "List_GetByDebtor": Operation(("DebtorId",), companies_by_debtor),
        "Run_GetList": Operation(("CompanyId", "Year"), run_list),
        "Run_GetEmployeesByRunCompany": Operation(("CompanyId", "RunId", "Year"), run_employees),
        "Journals_GetByRunCompany_v2": Operation(("CompanyId", "RunId", "intYear"), journal),
        "SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2":
            Operation(("EmployeeID", "CompanyId", "RunID", "intYear"), employee_payslips),
        "WageTax_GetList": Operation(("CompanyId", "intYear"), wage_tax_list),
        "WageTax_GetXML": Operation(("LoonaangifteID", "CompanyId"), wage_tax_xml),
        "WorkCost_GetList": Operation(("CompanyId", "Year"), work_cost_list),
    },
    "EmployeeService": {
        "SalaryDocuments_GetAnnualStatementPDF": Operation(("EmployeeID", "intYear"),
                                                           annual_statement),
        "EmployeeType_GetList": Operation((), employee_types),
        "List_GetByCompany": Operation(("CompanyId", "EmployeeType"), employees_by_company),
        "PersonalInfo_GetAll_AllEmployeesByCompany": Operation(("CompanyID",), personal_info),
        "Address_GetAll_AllEmployeesByCompany": Operation(("CompanyID",), addresses),
        "BankAccount_GetListCurrent": Operation(("EmployeeId",), bank_accounts),
    },
}
