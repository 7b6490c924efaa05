"""`flask nmbrs-migrate-to-rest`: carry every link of a consented domain from SOAP ids to REST.

While SOAP still answers (until 1 March 2027), for each domain with a consent:
- debtor: `Converter_GetDebtors_IntToGuid` (the consent's debtor GUID must be among them);
- company of each linked administration: `Converter_GetByCompany_IntToGuid("Company")`, else
  the REST company of the debtor with the same number and name;
- employees: `Converter_GetByCompany_IntToGuid("Employee")`;
- runs by (company, year, number) and declarations by (company, year, period, serial number),
  the human keys.
The pairs go into `nmbrs_id_map`, so the next REST import finds every document already imported.
Then the domain switches to REST (`active_since`); `--dry-run` reports and changes nothing.
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import (
    Administration,
    CompanyLink,
    NmbrsConsent,
    PayrollRun,
    TaxAssessment,
)
from portal.models._common import utcnow
from portal.nmbrs import converters
from portal.nmbrs.errors import NmbrsError
from portal.services import audit, matching
from portal.services.nmbrs_id_map import IdMap, same_declaration
from portal.stored_text import N_, english, text


@dataclass(frozen=True)
class Unmapped:
    """Something imported over SOAP that could not be found over REST: what, and which one."""

    kind: str  # debtor, company, employees, run, declaration
    detail: dict  # a stored text (portal/stored_text.py): the page shows it in the reader's
    # language, the command line in English

    def __str__(self) -> str:
        return f"{self.kind} {english(self.detail)}"


@dataclass
class DomainReport:
    domain: str
    mapped: dict[str, int] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    switched: bool = False

    def count(self, entity: str, added: bool) -> None:
        if added:
            self.mapped[entity] = self.mapped.get(entity, 0) + 1

    def not_found(self, kind: str, detail: dict) -> None:
        self.unmapped.append(Unmapped(kind, detail))

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {e.lower()}(s)" for e, n in sorted(self.mapped.items())) or \
            "nothing new"
        out = [f"{self.domain}: mapped {counts}"
               + ("; now imports over REST" if self.switched else "")]
        out += [f"  could not map: {item}" for item in self.unmapped]
        return out


def consents_to_migrate(domain_name: str | None = None) -> list[NmbrsConsent]:
    query = select(NmbrsConsent).where(NmbrsConsent.refresh_token.is_not(None))
    consents = db.session.scalars(query).all()
    return [c for c in consents if domain_name in (None, c.domain.name)]


def move_domain(consent: NmbrsConsent, dry_run: bool, user=None) -> DomainReport:
    """The one way a domain moves to REST (`flask nmbrs-migrate-to-rest` and the Move to REST
    action of the Nmbrs REST API page): map its ids with SOAP and REST, then switch it.
    Raises NmbrsError when the consent cannot be used."""
    from portal.services.nmbrs_rest_access import client_for_consent

    rest = client_for_consent(consent, mapped=False)
    return migrate_domain(consent, soap_client_for, rest, dry_run, user=user)


def soap_client_for(administration: Administration):
    """The SOAP client of an administration (the converters are SOAP operations), also when its
    domain is on REST; None when SOAP is not connected (then only the human keys map, through
    REST)."""
    from portal.services import nmbrs_access

    try:
        connection = nmbrs_access.soap_connection_for(administration)
    except nmbrs_access.NotConnected:
        return None
    return nmbrs_access.client_for(administration, connection=connection)


def migrate_domain(consent: NmbrsConsent, soap_client_for, rest_client, dry_run: bool,
                   user=None) -> DomainReport:
    """Map one domain's SOAP ids to GUIDs; switch it to REST unless `dry_run`."""
    report = DomainReport(consent.domain.name)
    ids = IdMap(db.engine, consent.portal_id)
    administrations = [a for a in consent.domain.administrations if _link(a) is not None]
    with Session(db.engine) as session:
        soap = soap_client_for(administrations[0]) if administrations else None
        if soap is not None:
            _map_debtor(session, ids, consent, soap, report)
        for administration in administrations:
            _map_administration(session, ids, consent, administration, soap, rest_client, report)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    if not dry_run and not report.unmapped:
        consent.active_since = consent.active_since or utcnow()
        audit.record(consent.portal_id, "nmbrs.moved_to_rest", consent.domain,
                     {"mapped": report.mapped}, user=user)
        db.session.commit()
        report.switched = True
    return report


def _link(administration: Administration) -> CompanyLink | None:
    return db.session.scalar(select(CompanyLink).filter_by(administration_id=administration.id))


def _map_debtor(session, ids: IdMap, consent: NmbrsConsent, soap, report: DomainReport) -> None:
    try:
        pairs = converters.debtor_guids(soap.transport)
    except NmbrsError as error:
        report.not_found("debtor", text(N_("(%(message)s)"), message=error.text))
        return
    match = [int_id for int_id, guid in pairs.items() if guid == consent.debtor_guid.lower()]
    if not match:
        report.not_found("debtor", text(N_("%(debtor)s (not among the SOAP debtors)"),
                                        debtor=consent.debtor_name))
        return
    report.count("Debtor", ids.add(session, "Debtor", match[0], consent.debtor_guid, "converter"))


def _map_administration(session, ids, consent, administration, soap, rest, report) -> None:
    link = _link(administration)
    company_guid = _company_guid(soap, rest, consent, link, report)
    if company_guid is None:
        report.not_found("company", text(N_("of %(administration)s (%(company)s)"),
                                         administration=administration.name,
                                         company=str(link.company_id)))
        return
    report.count("Company", ids.add(session, "Company", link.company_id, company_guid,
                                    "converter"))
    _map_employees(session, ids, soap, link.company_id, report)
    _map_runs(session, ids, rest, administration, company_guid, report)
    _map_declarations(session, ids, soap, rest, administration, link, company_guid, report)


def _company_guid(soap, rest, consent, link: CompanyLink, report) -> str | None:
    if soap is not None:
        try:
            guid = converters.company_guids(soap.transport, "Company", link.company_id).get(
                link.company_id)
            if guid:
                return guid
        except NmbrsError:
            pass  # fall back to the human key below
    company = next((c for c in rest.companies(consent.debtor_guid)
                    if matching.same_number(link.company_number, c.number)
                    and matching.same_name(c.name, link.company_name)),
                   None)
    return company.id if company else None


def _map_employees(session, ids, soap, company_id: int, report) -> None:
    if soap is None:
        return
    try:
        pairs = converters.company_guids(soap.transport, "Employee", company_id)
    except NmbrsError as error:
        report.not_found("employees", text(N_("of company %(company)s (%(message)s)"),
                                           company=str(company_id), message=error.text))
        return
    for int_id, guid in pairs.items():
        report.count("Employee", ids.add(session, "Employee", int_id, guid, "converter"))


def _map_runs(session, ids, rest, administration, company_guid: str, report) -> None:
    stored = db.session.scalars(select(PayrollRun).filter_by(
        administration_id=administration.id)).all()
    for year in sorted({run.year for run in stored}):
        by_number = {r.number: r.id for r in rest.runs(company_guid, year)}
        for run in (r for r in stored if r.year == year):
            guid = by_number.get(run.number)
            if guid is None:
                report.not_found("run", text(N_("%(year)s/%(number)s of %(administration)s"),
                                         year=str(run.year), number=str(run.number),
                                         administration=administration.name))
                continue
            report.count("Run", ids.add(session, "Run", run.nmbrs_run_id, guid, "key"))


def _map_declarations(session, ids, soap, rest, administration, link: CompanyLink,
                      company_guid: str, report) -> None:
    """By the human key (company, year, period, serial number). An assessment imported before
    its serial number was kept gets it from SOAP's list (while SOAP answers)."""
    stored = db.session.scalars(select(TaxAssessment).filter_by(
        administration_id=administration.id)).all()
    for year in sorted({t.year for t in stored}):
        declarations = rest.wage_tax_declarations(company_guid, year)
        soap_serials = None
        for assessment in (t for t in stored if t.year == year):
            serial = assessment.serial_number
            if serial is None and soap is not None:
                if soap_serials is None:
                    soap_serials = _soap_serials(soap, link.company_id, year)
                serial = soap_serials.get(assessment.nmbrs_declaration_id)
            found = same_declaration(declarations, year, assessment.period, serial)
            if found is None:
                number = f" #{serial}" if serial is not None else ""
                report.not_found("declaration", text(
                    N_("%(year)s/%(period)s%(number)s of %(administration)s"),
                    year=str(assessment.year), period=str(assessment.period), number=number,
                    administration=administration.name))
                continue
            report.count("WageTax", ids.add(session, "WageTax", assessment.nmbrs_declaration_id,
                                            found.id, "key"))


def _soap_serials(soap, company_id: int, year: int) -> dict[int, int]:
    try:
        return {d.id: d.serial_number for d in soap.wage_tax_declarations(company_id, year)}
    except NmbrsError:
        return {}
