"""CompanyService: companies, all or per debtor."""

from xml.etree.ElementTree import Element

from portal.nmbrs.parsing import integer, items, text
from portal.nmbrs.soap import SoapTransport
from portal.nmbrs.types import Company


def list_companies(transport: SoapTransport) -> list[Company]:
    """CompanyService/List_GetAll: every company the user may see."""
    return _companies(transport.call("CompanyService", "List_GetAll"))


def list_companies_by_debtor(transport: SoapTransport, debtor_id: int) -> list[Company]:
    """CompanyService/List_GetByDebtor(DebtorId)."""
    return _companies(transport.call("CompanyService", "List_GetByDebtor",
                                     [("DebtorId", debtor_id)]))


def _companies(result: Element | None) -> list[Company]:
    # Company uses `ID` where Debtor uses `Id`.
    return [
        Company(id=integer(node, "ID"), number=integer(node, "Number"), name=text(node, "Name"))
        for node in items(result, "Company")
    ]
