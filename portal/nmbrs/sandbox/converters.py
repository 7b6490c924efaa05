"""The SOAP sandbox's `Converter_*_IntToGuid` operations, answering the GUIDs the REST sandbox
uses (`guids.guid`), so the migration can be demonstrated. Served by `CombinedSandbox` in front of
the SOAP sandbox (their `Entity` parameter is a string, which the SOAP sandbox's int-only
parameter reader does not take)."""

import xml.etree.ElementTree as ET
from xml.etree.ElementTree import Element

from werkzeug.wrappers import Request, Response

from portal import demo_data
from portal.nmbrs.sandbox.data import SandboxData
from portal.nmbrs.sandbox.guids import guid
from portal.nmbrs.sandbox.handlers import SandboxFault, nmbrs_fault, unknown_company
from portal.nmbrs.sandbox.server import (
    _check_soap_action,
    _envelope_parts,
    _parse_request,
    answer_envelope,
    client_fault,
    fault_response,
)
from portal.nmbrs.soap import namespace

OPERATIONS = {
    ("CompanyService", "Converter_GetByCompany_IntToGuid"): ("Entity", "CompanyId"),
    ("DebtorService", "Converter_GetDebtors_IntToGuid"): (),
}


def handles(request: Request) -> tuple[str, str] | None:
    """(service, operation) when the request is a converter call."""
    service = request.path.rsplit("/", 1)[-1].removesuffix(".asmx")
    action = (request.headers.get("SOAPAction") or "").strip('"').rsplit("/", 1)[-1]
    return (service, action) if (service, action) in OPERATIONS else None


def answer(world: SandboxData, request: Request, service: str, operation: str) -> Response:
    try:
        result = _handle(world, request, service, operation)
    except SandboxFault as fault:
        return fault_response(fault)
    return Response(answer_envelope(service, operation, result), mimetype="text/xml",
                    content_type="text/xml; charset=utf-8")


def _handle(world: SandboxData, request: Request, service: str, operation: str):
    ns = namespace(service)
    header, body = _envelope_parts(_parse_request(request.get_data()))
    _check_soap_action(request, ns, operation)
    values = {child.tag.split("}")[-1]: (child.text or "") for child in header}
    if (values.get("Username"), values.get("Token")) != (demo_data.SANDBOX_USERNAME,
                                                        demo_data.SANDBOX_TOKEN):
        raise nmbrs_fault(1001, "Invalid Authentication")
    params = {child.tag.split("}")[-1]: (child.text or "").strip() for child in body}
    if tuple(params) != OPERATIONS[(service, operation)]:
        raise client_fault("Server was unable to read request. ---> Unexpected parameters.")
    if service == "DebtorService":
        return _mappings("Debtor", {d.id: guid("Debtor", d.id) for d in world.debtors})
    return _company_mappings(world, params)


def _company_mappings(world: SandboxData, params: dict) -> list[Element]:
    if not params["CompanyId"].isdigit():
        raise client_fault("Server was unable to read request. ---> Input string was not in a "
                           "correct format.")
    company = world.company(int(params["CompanyId"]))
    if company is None:
        raise unknown_company()
    entity = params["Entity"]
    if entity == "Company":
        ids = [company.id]
    elif entity == "Employee":
        ids = [e.id for e in company.employees]
    else:
        raise nmbrs_fault(9999, f"Entity {entity} is not supported")
    return _mappings(entity, {i: guid(entity, i) for i in ids})


def _mappings(entity: str, pairs: dict[int, str]) -> list[Element]:
    entity_element = Element("Entity")
    entity_element.text = entity
    mappings = Element("Mappings")
    for int_id, guid_id in pairs.items():
        mapping = ET.SubElement(mappings, "Mapping")
        ET.SubElement(mapping, "IdInt").text = str(int_id)
        ET.SubElement(mapping, "IdGuid").text = guid_id
    return [entity_element, mappings]
