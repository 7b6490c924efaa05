"""SOAP `Converter_*_IntToGuid`: the REST GUID of each SOAP int id (only while SOAP runs).

Verified call: `CompanyService/Converter_GetByCompany_IntToGuid(Entity, CompanyId)` answers
`{Entity, Mappings: {Mapping: [{IdInt, IdGuid}]}}`. `DebtorService/Converter_GetDebtors_IntToGuid`
exists but its signature is unknown (nmbrs-rest-api.md §5): no parameters and the same answer
shape are inferred, in `debtor_guids` and `parse_mappings` only.
"""

from xml.etree.ElementTree import Element

from portal.nmbrs.parsing import integer, text


def parse_mappings(result: Element | None) -> dict[int, str]:
    """`Mappings/Mapping` → {IdInt: IdGuid}."""
    if result is None:
        return {}
    return {integer(node, "IdInt"): text(node, "IdGuid").lower()
            for node in result.iterfind("Mappings/Mapping") if text(node, "IdGuid")}


def company_guids(transport, entity: str, company_id: int) -> dict[int, str]:
    """GUIDs of a company's `Company` or `Employee` ids (Entity as Nmbrs names it)."""
    return parse_mappings(transport.call("CompanyService", "Converter_GetByCompany_IntToGuid",
                                         [("Entity", entity), ("CompanyId", company_id)]))


def debtor_guids(transport) -> dict[int, str]:
    """GUIDs of every debtor of the login (signature inferred: no parameters)."""
    return parse_mappings(transport.call("DebtorService", "Converter_GetDebtors_IntToGuid"))
