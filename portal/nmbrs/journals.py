"""CompanyService/Journals_GetByRunCompany_v2: the journal entry of a run.

The call is verified; the inner journal XML is inferred (nmbrs-api.md §5.1, Twinfield-like
`transaction/header/date` + `lines/line/{dim1,dim2,value,debitcredit,description}`). Its parsing
lives only in `parse_journal_xml` so that it is easy to correct once a real answer is seen.
"""

from datetime import date, datetime
from decimal import Decimal
from xml.etree.ElementTree import Element

from portal.nmbrs.errors import UnexpectedAnswer
from portal.nmbrs.parsing import text, to_decimal
from portal.nmbrs.soap import SoapTransport, parse_embedded_xml, strip_namespaces
from portal.nmbrs.types import Journal, JournalLine

ZERO = Decimal("0.00")


def get_journal(transport: SoapTransport, company_id: int, run_id: int,
                year: int) -> Journal | None:
    """The run's journal, or None when Nmbrs has none for it."""
    result = transport.call("CompanyService", "Journals_GetByRunCompany_v2",
                            [("CompanyId", company_id), ("RunId", run_id), ("intYear", year)])
    xml_text = (result.text or "").strip() if result is not None else ""
    return parse_journal_xml(xml_text) if xml_text else None


def parse_journal_xml(xml_text: str) -> Journal:
    """Parse the (inferred) journal XML string into a Journal; all transactions are merged."""
    root = strip_namespaces(parse_embedded_xml(xml_text))
    transactions = list(root.iter("transaction"))
    if not transactions:
        raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (journal has no transaction)")
    lines = tuple(_line(line) for tx in transactions for line in tx.iterfind("lines/line"))
    return Journal(date=_journal_date(transactions[0]), lines=lines)


def _journal_date(transaction: Element) -> date | None:
    value = (transaction.findtext("header/date") or "").strip()
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise UnexpectedAnswer(
            f"{UnexpectedAnswer.default_message} (journal date {value!r})") from None


def _line(line: Element) -> JournalLine:
    amount = to_decimal(text(line, "value"), "value")
    side = text(line, "debitcredit").lower()
    if side not in ("debit", "credit"):
        raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (debitcredit {side!r})")
    return JournalLine(
        account=text(line, "dim1"),
        description=text(line, "description"),
        cost_center=text(line, "dim2") or None,
        debit=amount if side == "debit" else ZERO,
        credit=amount if side == "credit" else ZERO,
    )
