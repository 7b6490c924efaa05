"""EmployeeService: employees of a company with name, BSN, address and current bank account.

`List_GetByCompany` lists the employees of one `EmployeeType`; the ids of the types come from
`EmployeeType_GetList` (nmbrs-api.md §7.3: the value 1 in its example is illustrative), so a
company's employees are the union over every type.
"""

from collections.abc import Collection, Iterable
from xml.etree.ElementTree import Element

from portal.nmbrs import parallel
from portal.nmbrs.parsing import integer, items, optional_integer, text
from portal.nmbrs.soap import SoapTransport
from portal.nmbrs.types import Employee, EmployeeType


def list_employee_types(transport: SoapTransport) -> list[EmployeeType]:
    """EmployeeService/EmployeeType_GetList: the values `EmployeeType` may take."""
    result = transport.call("EmployeeService", "EmployeeType_GetList")
    return [EmployeeType(id=integer(node, "Id"), description=text(node, "Description"))
            for node in items(result, "EmployeeType")]


def list_employees(transport: SoapTransport, company_id: int,
                   employee_type: int) -> list[tuple[int, int, str]]:
    """EmployeeService/List_GetByCompany(CompanyId, EmployeeType) as (id, number, display name)."""
    result = transport.call("EmployeeService", "List_GetByCompany",
                            [("CompanyId", company_id), ("EmployeeType", employee_type)])
    return [(integer(node, "Id"), integer(node, "Number"), text(node, "DisplayName"))
            for node in items(result, "Employee")]


def list_employees_of_types(transport: SoapTransport, company_id: int,
                            types: Iterable[EmployeeType]) -> list[tuple[int, int, str]]:
    """The company's employees of every given type, each once, in the order Nmbrs lists them."""
    seen: dict[int, tuple[int, int, str]] = {}
    for employee_type in types:
        for row in list_employees(transport, company_id, employee_type.id):
            seen.setdefault(row[0], row)
    return list(seen.values())


def personal_info_by_employee(transport: SoapTransport, company_id: int) -> dict[int, Element]:
    """PersonalInfo_GetAll_AllEmployeesByCompany(CompanyID): newest PersonalInfo_V2 per employee."""
    result = transport.call("EmployeeService", "PersonalInfo_GetAll_AllEmployeesByCompany",
                            [("CompanyID", company_id)])
    return _latest_per_employee(result, "PersonalInfoItem", "EmployeePersonalInfos/PersonalInfo_V2")


def address_by_employee(transport: SoapTransport, company_id: int) -> dict[int, Element]:
    """Address_GetAll_AllEmployeesByCompany(CompanyID): the latest home address per employee."""
    result = transport.call("EmployeeService", "Address_GetAll_AllEmployeesByCompany",
                            [("CompanyID", company_id)])
    return _latest_per_employee(result, "EmployeeAddressItem",
                                "EmployeeAddresses/EmployeeAddress_V2", prefer_type="HomeAddress")


def current_iban(transport: SoapTransport, employee_id: int) -> str:
    """BankAccount_GetListCurrent(EmployeeId): the IBAN of the standard account, else the first."""
    result = transport.call("EmployeeService", "BankAccount_GetListCurrent",
                            [("EmployeeId", employee_id)])
    accounts = [node for node in items(result, "BankAccount") if text(node, "IBAN")]
    standard = [node for node in accounts if text(node, "Type") == "Standaard"]
    chosen = (standard or accounts or [None])[0]
    return text(chosen, "IBAN") if chosen is not None else ""


def employees_with_details(transport: SoapTransport, company_id: int,
                           types: Iterable[EmployeeType],
                           only: Collection[int] | None = None) -> list[Employee]:
    """Employees of every type combined with personal info, home address and IBAN.

    `only`: the Nmbrs ids of the employees wanted (all when None). Personal info and addresses
    are one call each for the whole company; the bank account is one call per wanted employee."""
    wanted = [row for row in list_employees_of_types(transport, company_id, types)
              if only is None or row[0] in only]
    if not wanted:
        return []
    infos = personal_info_by_employee(transport, company_id)
    addresses = address_by_employee(transport, company_id)
    ibans = parallel.in_order(lambda row: current_iban(transport, row[0]), wanted,
                              transport.calls_at_once)
    return [
        _employee(employee_id, number, display_name, infos.get(employee_id),
                  addresses.get(employee_id), iban)
        for (employee_id, number, display_name), iban in ibans
    ]


def _employee(employee_id: int, number: int, display_name: str, info: Element | None,
              address: Element | None, iban: str) -> Employee:
    info = info if info is not None else Element("empty")
    address = address if address is not None else Element("empty")
    last_name = " ".join(part for part in (text(info, "Prefix"), text(info, "LastName")) if part)
    house_number = text(address, "HouseNumber") + text(address, "HouseNumberAddition")
    return Employee(
        id=employee_id,
        number=number,
        name=display_name or text(info, "DisplayName"),
        first_name=text(info, "FirstName"),
        last_name=last_name,
        street=text(address, "Street"),
        house_number=house_number,
        postal_code=text(address, "PostalCode"),
        city=text(address, "City"),
        iban=iban,
        bsn=text(info, "BSN"),
    )


def _latest_per_employee(result: Element | None, item_name: str, version_path: str,
                         prefer_type: str | None = None) -> dict[int, Element]:
    latest = {}
    for item in items(result, item_name):
        versions = item.findall(version_path)
        if prefer_type:
            versions = [v for v in versions if text(v, "Type") == prefer_type] or versions
        if versions:
            latest[integer(item, "EmployeeId")] = max(versions, key=_validity)
    return latest


def _validity(version: Element) -> tuple[int, int]:
    # Entries are time-versioned; the newest StartYear/StartPeriod wins.
    year = optional_integer(version, "StartYear") or 0
    return year, optional_integer(version, "StartPeriod") or 0
