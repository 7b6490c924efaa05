"""The data model, one module per aggregate."""

from portal.models.accounts import DomainMembership, DomainRole, PortalRole, User
from portal.models.audit import AuditEntry
from portal.models.documents import (
    AnnualStatement,
    JournalEntry,
    JournalLine,
    PayrollRun,
    PaySlip,
    TaxAssessment,
    WorkCostPeriod,
)
from portal.models.imports import CompanyLink, ImportRun, ImportStatus
from portal.models.structure import Administration, Domain, Employee, Portal
from portal.models.tasks import Task, TaskStatus

__all__ = [
    "Administration",
    "AnnualStatement",
    "CompanyLink",
    "ImportRun",
    "ImportStatus",
    "JournalEntry",
    "JournalLine",
    "PayrollRun",
    "PaySlip",
    "TaxAssessment",
    "WorkCostPeriod",
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
