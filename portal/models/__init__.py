"""The data model, one module per aggregate."""

from portal.models.accounts import DomainMembership, DomainRole, PortalRole, User
from portal.models.audit import AuditEntry
from portal.models.structure import Administration, Domain, Employee, Portal
from portal.models.tasks import Task, TaskStatus

__all__ = [
    "Administration",
    "AuditEntry",
    "Domain",
    "DomainMembership",
    "DomainRole",
    "Employee",
    "Portal",
    "PortalRole",
    "Task",
    "TaskStatus",
    "User",
]
