"""EmployeeService/SalaryDocuments_GetAnnualStatementPDF: one employee's annual statement."""

from portal.nmbrs.payslips import decode_pdf
from portal.nmbrs.soap import SoapTransport
from portal.nmbrs.types import AnnualStatement


def get_annual_statement(transport: SoapTransport, employee_id: int,
                         year: int) -> AnnualStatement | None:
    """The jaaropgaaf PDF, or None when Nmbrs has none for that year."""
    result = transport.call("EmployeeService", "SalaryDocuments_GetAnnualStatementPDF",
                            [("EmployeeID", employee_id), ("intYear", year)])
    pdf = decode_pdf(result.find("PDF")) if result is not None else None
    return AnnualStatement(employee_id=employee_id, year=year, pdf=pdf) if pdf else None
