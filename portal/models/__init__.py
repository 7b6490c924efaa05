"""The data model, one module per aggregate."""

from portal.models.accounts import DomainMembership, DomainRole, PortalRole, User, UserSession
from portal.models.audit import AuditEntry
from portal.models.documents import (
    AnnualStatement,
    DocumentVersion,
    JournalEntry,
    JournalLine,
    PayrollRun,
    PaySlip,
    TaxAssessment,
    WorkCostPeriod,
)
from portal.models.imports import (
    AutomaticImportState,
    CompanyLink,
    ImportRun,
    ImportStatus,
    MissedImport,
)
from portal.models.nmbrs_link import NmbrsSettings
from portal.models.nmbrs_rest import NmbrsApiApplication, NmbrsConsent, NmbrsIdMap
from portal.models.structure import Administration, Domain, Employee, Portal
from portal.models.tasks import Task, TaskStatus

__all__ = [
    "Administration",
    "AnnualStatement",
    "AuditEntry",
    "AutomaticImportState",
    "CompanyLink",
    "DocumentVersion",
    "Domain",
    "DomainMembership",
    "DomainRole",
    "Employee",
    "ImportRun",
    "ImportStatus",
    "JournalEntry",
    "JournalLine",
    "MissedImport",
    "NmbrsApiApplication",
    "NmbrsConsent",
    "NmbrsIdMap",
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
