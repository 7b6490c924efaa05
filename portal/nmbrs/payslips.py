"""CompanyService/SalaryDocuments_*: pay-slip PDFs (base64 in `<PDF>`). Mind `RunID` here."""

import base64
import binascii
from xml.etree.ElementTree import Element

from portal.nmbrs.errors import UnexpectedAnswer
from portal.nmbrs.soap import SoapTransport
from portal.nmbrs.types import PaySlip


def get_employee_payslips(transport: SoapTransport, employee_id: int, company_id: int,
                          run_id: int, year: int) -> list[PaySlip]:
    """One employee's pay slip(s) in a run (…GetEmployeePayslipsPDFByRunCompany_v2)."""
    result = transport.call(
        "CompanyService", "SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2",
        [("EmployeeID", employee_id), ("CompanyId", company_id), ("RunID", run_id),
         ("intYear", year)])
    if result is None:
        return []
    pdfs = (decode_pdf(node.find("PDF")) for node in result.findall("Payslip"))
    return [PaySlip(employee_id=employee_id, pdf=pdf) for pdf in pdfs if pdf]


def decode_pdf(node: Element | None) -> bytes | None:
    """Decode a base64 `<PDF>` element; None when it is absent or empty."""
    if node is None or not (node.text or "").strip():
        return None
    try:
        return base64.b64decode("".join(node.text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (PDF is not base64)") from None
