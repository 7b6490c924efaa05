"""Stable GUIDs for the sandbox's SOAP int ids, so a SOAP import can be migrated to REST.

`guid("Company", 54701)` is the same on every start and machine (uuid5), and is what the SOAP
sandbox's converters (`Converter_*_IntToGuid`) answer for that int id.
"""

import uuid

NAMESPACE = uuid.UUID("6f1c2d0e-4b8a-5c3e-9a71-2f5d8e0b4c19")


def guid(entity: str, int_id: int) -> str:
    """The REST id of a SOAP entity ("Debtor", "Company", "Employee", "Run", "WageTax", ...)."""
    return str(uuid.uuid5(NAMESPACE, f"{entity}:{int_id}"))
