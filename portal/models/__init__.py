"""The data model, one module per aggregate."""

from portal.models.accounts import DomainMembership, DomainRole, PortalRole, User
from portal.models.audit import AuditEntry
from portal.models.nmbrs_link import NmbrsSettings
from portal.models.structure import Administration, Domain, Employee, Portal

__all__ = [
    "Administration",
    "AuditEntry",
    "Domain",
    "DomainMembership",
    "DomainRole",
    "Employee",
    "NmbrsSettings",
    "Portal",
    "PortalRole",
    "User",
]
