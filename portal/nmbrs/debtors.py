"""DebtorService: the debtors (customers of the accountant) this user may see."""

from portal.nmbrs.parsing import integer, items, text
from portal.nmbrs.soap import SoapTransport
from portal.nmbrs.types import Debtor


def list_debtors(transport: SoapTransport) -> list[Debtor]:
    """DebtorService/List_GetAll."""
    result = transport.call("DebtorService", "List_GetAll")
    return [
        Debtor(id=integer(node, "Id"), number=text(node, "Number"), name=text(node, "Name"))
        for node in items(result, "Debtor")
    ]
