"""CompanyService/WageTax_*: wage-tax declarations (loonaangiften) and their XML.

The list is verified. The content of the declaration XML is unknown (nmbrs-api.md §7.1, most
likely the Belastingdienst loonaangifte message); `parse_wage_tax_xml` keeps the raw XML and
reads only a few optional figures by their loonaangifte names, so it is easy to correct.
"""

from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element

from portal.nmbrs.errors import UnexpectedAnswer
from portal.nmbrs.parsing import date_only, date_time, decimal, integer, items, text, to_decimal
from portal.nmbrs.soap import SoapTransport, parse_embedded_xml, strip_namespaces
from portal.nmbrs.types import WageTaxDeclaration, WageTaxDocument


def list_declarations(transport: SoapTransport, company_id: int,
                      year: int) -> list[WageTaxDeclaration]:
    """CompanyService/WageTax_GetList(CompanyId, intYear)."""
    result = transport.call("CompanyService", "WageTax_GetList",
                            [("CompanyId", company_id), ("intYear", year)])
    return [_declaration(node) for node in items(result, "WageTax")]


def _declaration(node: Element) -> WageTaxDeclaration:
    return WageTaxDeclaration(
        id=integer(node, "LoonaangifteID"),
        serial_number=integer(node, "SerialNumber"),
        payment_reference=text(node, "PaymentReference"),
        total=decimal(node, "TotalGeneral"),
        period=integer(node, "Period"),
        year=integer(node, "Year"),
        status=text(node, "Status"),
        sent_at=date_time(node, "SentAt"),
        period_start=date_only(node, "TijdvakStart"),
        period_end=date_only(node, "TijdvakEnd"),
    )


def get_declaration_xml(transport: SoapTransport, declaration_id: int,
                        company_id: int) -> WageTaxDocument | None:
    """CompanyService/WageTax_GetXML(LoonaangifteID, CompanyId), in that order."""
    result = transport.call("CompanyService", "WageTax_GetXML",
                            [("LoonaangifteID", declaration_id), ("CompanyId", company_id)])
    xml_text = (result.text or "").strip() if result is not None else ""
    return parse_wage_tax_xml(declaration_id, xml_text) if xml_text else None


def parse_wage_tax_xml(declaration_id: int, xml_text: str) -> WageTaxDocument:
    """Read the (inferred) declaration XML: period dates and total to pay, when present."""
    root = strip_namespaces(parse_embedded_xml(xml_text))
    return WageTaxDocument(
        declaration_id=declaration_id,
        xml=xml_text,
        period_start=_first_date(root, "DatAanvTv"),
        period_end=_first_date(root, "DatEindTv"),
        total=_first_amount(root, "TotTeBet"),
    )


def _first_text(root: Element, name: str) -> str:
    node = next(root.iter(name), None)
    return (node.text or "").strip() if node is not None else ""


def _first_date(root: Element, name: str) -> date | None:
    value = _first_text(root, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (bad {name})") from None


def _first_amount(root: Element, name: str) -> Decimal | None:
    value = _first_text(root, name)
    return to_decimal(value, name) if value else None
