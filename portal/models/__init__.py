"""The data model, one module per aggregate."""

from portal.models.accounts import DomainMembership, DomainRole, PortalRole, User, UserSession
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
from portal.models.nmbrs_link import NmbrsSettings
from portal.models.structure import Administration, Domain, Employee, Portal
from portal.models.tasks import Task, TaskStatus

__all__ = [
    "Administration",
    "AnnualStatement",
    "AuditEntry",
    "CompanyLink",
    "Domain",
    "DomainMembership",
    "DomainRole",
    "Employee",
    "ImportRun",
    "ImportStatus",
    "JournalEntry",
    "JournalLine",
    "NmbrsSettings",
    "PayrollRun",
    "PaySlip",
    "Portal",
    "PortalRole",
    "Task",
    "TaskStatus",
    "TaxAssessment",
    "User",
    "UserSession",
    "WorkCostPeriod",
]
