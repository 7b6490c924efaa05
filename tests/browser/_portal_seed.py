"""A filled portal for the crawl: every role, every page type, real imported documents.

The demo domains of `portal.demo_data` (the sandbox knows them), a user per role, the portal
linked to the Nmbrs sandbox, one administration linked to its Nmbrs company with a finished
manual import (journals, pay slips, tax assessments, annual statements) done by the real
importer, a failed import, and open tasks.
"""

from dataclasses import dataclass
from datetime import date

from portal import demo_data
from portal.extensions import db
from portal.models import (
    Administration,
    DomainRole,
    Employee,
    ImportRun,
    ImportStatus,
    NmbrsSettings,
    Portal,
    PortalRole,
    User,
)
from portal.models._common import utcnow
from portal.services import nmbrs_access, structure, tasks
from portal.services.import_progress import Progress
from portal.services.importer import AdministrationImporter
from tests.conftest import hashed

IMPORT_YEAR = 2026
ALL_DOCUMENTS = {"journal", "payslips", "tax_assessments", "annual_statements"}


@dataclass(frozen=True)
class Login:
    role: str
    email: str


LOGINS = (
    Login("Portal administrator", "admin@vandijk-partners.nl"),
    Login("Portal back office", "backoffice@vandijk-partners.nl"),
    Login("Back office of a domain", "domain.backoffice@vandijk-partners.nl"),
    Login("HRM of a domain", "hrm@bakkerij-de-vries.nl"),
)


def seed_portal() -> Administration:
    """Fill an empty database; returns the administration that has imported documents."""
    portal = Portal(name=demo_data.PORTAL_NAME, nmbrs_enabled=True)
    db.session.add(portal)
    domains = [_domain(portal, demo) for demo in demo_data.DOMAINS]
    admin = _users(portal, domains[0])
    db.session.add(NmbrsSettings(
        portal_id=portal.id, scope=NmbrsSettings.scope_for(),
        username=demo_data.SANDBOX_USERNAME, token=demo_data.SANDBOX_TOKEN,
        subdomain=demo_data.SANDBOX_SUBDOMAIN, import_payslips=True, import_journals=True,
        import_tax_assessments=True, import_late_runs=False, first_day=1, last_day=31,
        connected_by_id=admin.id, connected_at=utcnow()))
    db.session.commit()
    imported = domains[0].administrations[0]
    _import_everything(imported, admin)
    _failed_import_and_tasks(domains[0].administrations[1], admin)
    # One import still waiting: its progress page polls (and is linked from the history).
    db.session.add(ImportRun(administration_id=imported.id, kind="employees",
                             requested_by_id=admin.id, status=ImportStatus.QUEUED, request={}))
    db.session.commit()
    return imported


def _domain(portal, demo):
    domain = structure.create_domain(portal, demo.name)
    for demo_admin in demo.administrations:
        administration = structure.add_administration(
            domain, demo_admin.name, demo_admin.relation_code, demo_admin.payroll)
        for person in demo_admin.employees:
            db.session.add(Employee(
                administration=administration, number=person.number, name=person.name,
                street=person.street, house_number=person.house_number,
                postal_code=person.postal_code, city=person.city, iban=person.iban,
                bsn=person.bsn))
    db.session.flush()
    return domain


def _users(portal, first_domain) -> User:
    roles = {
        LOGINS[0].email: (PortalRole.ADMIN, None),
        LOGINS[1].email: (PortalRole.BACK_OFFICE, None),
        LOGINS[2].email: (None, DomainRole.BACK_OFFICE),
        LOGINS[3].email: (None, DomainRole.HRM),
    }
    users = []
    for email, (portal_role, domain_role) in roles.items():
        user = User(portal=portal, email=email, portal_role=portal_role,
                    password_hash=hashed())
        db.session.add(user)
        db.session.flush()
        if domain_role:
            structure.set_member_roles(first_domain, user, {domain_role})
        users.append(user)
    return users[0]


def _import_everything(administration, user) -> None:
    """A manual import of every run of the year, by the real importer against the sandbox."""
    import_run = ImportRun(administration_id=administration.id, kind="manual",
                           requested_by_id=user.id, status=ImportStatus.RUNNING,
                           started_at=utcnow(), request={})
    db.session.add(import_run)
    db.session.commit()
    client = nmbrs_access.client_for(administration)
    importer = AdministrationImporter(administration, client, directory=client,
                                      import_run_id=import_run.id,
                                      progress=Progress(import_run.id))
    run_ids = {run.id for run in importer.runs_of_year(IMPORT_YEAR)}
    import_run.request = {"year": IMPORT_YEAR, "run_ids": sorted(run_ids),
                          "documents": sorted(ALL_DOCUMENTS)}
    importer.import_selected_runs(IMPORT_YEAR, run_ids, ALL_DOCUMENTS)
    import_run.status, import_run.finished_at = ImportStatus.SUCCEEDED, utcnow()
    import_run.summary = dict(importer.result.summary)
    db.session.commit()


def _failed_import_and_tasks(administration, user) -> None:
    failed = ImportRun(administration_id=administration.id, kind="manual",
                       requested_by_id=user.id, status=ImportStatus.FAILED,
                       started_at=utcnow(), finished_at=utcnow(),
                       request={"year": IMPORT_YEAR, "run_ids": [], "documents": ["journal"]},
                       error="Nmbrs has no company with number 2 for this debtor.")
    db.session.add(failed)
    db.session.flush()
    tasks.raise_task(administration, cause="company-not-found",
                     title="Nmbrs company not found",
                     message="Choose the Nmbrs company of this administration.",
                     import_run_id=failed.id)
    tasks.raise_task(portal=administration.domain.portal, cause="credentials-rejected",
                     title="Nmbrs rejected the API token",
                     message="Connect Nmbrs again under Settings › Nmbrs.")


def today() -> date:
    return date(IMPORT_YEAR, 6, 15)
