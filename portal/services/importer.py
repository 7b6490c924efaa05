"""Importing payroll documents from Nmbrs into one administration, exactly once.

Every document has a unique key (administration, run, type, employee or declaration), so an
import can be repeated, or follow another, without duplicating anything. The documents of one
run are fetched first and then written in one transaction: a worker killed halfway leaves no
half-imported run, and the next attempt completes it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.document_types import ANNUAL_STATEMENTS, JOURNAL, PAYSLIPS, TAX_ASSESSMENTS
from portal.extensions import db
from portal.models import (
    AnnualStatement,
    CompanyLink,
    Employee,
    JournalEntry,
    JournalLine,
    PayrollRun,
    PaySlip,
    TaxAssessment,
)
from portal.nmbrs.errors import NmbrsError
from portal.services import company_links, document_store
from portal.services.import_progress import Progress
from portal.services.periods import (
    last_day_of_period,
    month_of_period,
    period_label,
    previous_month,
)



@dataclass(frozen=True)
class Problem:
    """Something the portal administrator must fix; becomes a task."""

    cause: str
    title: str
    message: str
    links: tuple[tuple[str, str], ...] = ()


class ImportStopped(Exception):
    """The administration's import cannot continue; `problem` says why and what to do."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class ImportResult:
    summary: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)


class AdministrationImporter:
    """Imports the documents of one administration with one Nmbrs client."""

    def __init__(self, administration, client, directory=None, import_run_id=None,
                 progress: Progress | None = None):
        self.administration = administration
        self.client = client
        self.directory = directory
        self.import_run_id = import_run_id
        self.progress = progress or Progress(None)
        self.result = ImportResult()
        self._company_id: int | None = None
        self._nmbrs_details: dict = {}  # Nmbrs employees with details, by number
        self._asked_employee_ids: set[int] = set()
        self._all_employees_asked = False
        self._declarations: dict[tuple[int, int], list] = {}  # (company, year) → declarations
        self._ours = None

    # -- which company -------------------------------------------------------------------

    def company_id(self) -> int:
        """The linked Nmbrs company, matched by name and number the first time."""
        if self._company_id is None:
            link = company_links.company_link(self.administration)
            if link is None:
                link = self._match_company()
            self._company_id = link.company_id
        return self._company_id

    def _match_company(self) -> CompanyLink:
        match = company_links.match_company(self.administration, self.directory or self.client)
        if match.company is None:
            raise ImportStopped(self._no_match(match.cause, match.advice))
        link = company_links.link_company(self.administration, match.company)
        db.session.commit()
        return link

    def _no_match(self, cause: str, advice: str) -> Problem:
        from portal.services.links import path

        return Problem(
            cause=cause,
            title="Importing payroll documents failed.",
            message=f'Administration: "{self.administration.name}". {advice}',
            links=(("Choose the Nmbrs company",
                    path("administrations.show", administration_id=self.administration.id)
                    + "#nmbrs-company"),),
        )

    # -- runs ----------------------------------------------------------------------------

    def runs_of_year(self, year: int):
        return sorted(self.client.runs(self.company_id(), year), key=lambda r: r.number)

    def import_month(self, today: date, documents: set[str], include_late_runs: bool) -> None:
        """The automatic import: this month's runs (and earlier ones never imported, if wanted)."""
        company_id = self.company_id()
        for run in self.runs_of_year(today.year):
            month = month_of_period(run.period_end)
            is_current = month == today.month
            if is_current or (include_late_runs and month < today.month
                              and not self.run_fully_imported(run, documents)):
                self.import_run(company_id, run, documents)
        if TAX_ASSESSMENTS in documents:
            # A month's declaration is ready only after the month: look at last month's too.
            periods = {(today.year, today.month), previous_month(today.year, today.month)}
            self.import_tax_assessments(company_id, periods)

    def import_selected_runs(self, year: int, run_ids: set[int], documents: set[str]) -> None:
        """The manual import of chosen runs and document types."""
        company_id = self.company_id()
        runs = [run for run in self.runs_of_year(year) if run.id in run_ids]
        members = {run.id: self.client.run_employees(company_id, run.id, run.year)
                   for run in runs} if PAYSLIPS in documents else {}
        self.progress.expect(len(runs) * (JOURNAL in documents)
                             + sum(len(paid) for paid in members.values()))
        for run in runs:
            self.import_run(company_id, run, documents - {TAX_ASSESSMENTS, ANNUAL_STATEMENTS},
                            members=members.get(run.id))
            if TAX_ASSESSMENTS in documents:
                self.import_tax_assessments(
                    company_id, {(year, month_of_period(p))
                                 for p in range(run.period_start, run.period_end + 1)})
        if ANNUAL_STATEMENTS in documents:
            self.import_annual_statements(company_id, year)

    def run_fully_imported(self, run, documents: set[str]) -> bool:
        """Whether nothing of the run is missing here (asks no Nmbrs call)."""
        stored = self._stored_run(run.id)
        if stored is None:
            return False
        if JOURNAL in documents and not self._has_journal(stored.id):
            return False
        if PAYSLIPS not in documents:
            return True
        return stored.employee_count is not None and self._payslip_count(stored.id) >= (
            stored.employee_count)

    def import_run(self, company_id: int, run, documents: set[str], members=None) -> None:
        """Fetch the run's missing documents, then write them in one transaction.

        `members`: the run's employees when the caller already asked Nmbrs for them."""
        stored = self._stored_run(run.id)
        journal = None
        if JOURNAL in documents:
            if not (stored and self._has_journal(stored.id)):
                journal = self._fetch_journal(company_id, run)
            self.progress.advance()
        slips = []
        if PAYSLIPS in documents:
            members, slips = self._fetch_payslips(company_id, run, stored, members)
        if journal is None and not slips and (stored is None or members is None
                                              or stored.employee_count == len(members)):
            return
        try:
            stored = stored or self._add_run(run)
            if members is not None:
                stored.employee_count = len(members)
            if journal is not None:
                self._add_journal(stored, run, journal)
            for employee, stored_file in slips:
                self._add_payslip(stored, run, employee, stored_file)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise

    def _stored_run(self, nmbrs_run_id: int) -> PayrollRun | None:
        return db.session.scalar(select(PayrollRun).where(
            PayrollRun.administration_id == self.administration.id,
            PayrollRun.nmbrs_run_id == nmbrs_run_id))

    def _add_run(self, run) -> PayrollRun:
        stored = PayrollRun(administration_id=self.administration.id, nmbrs_run_id=run.id,
                            year=run.year, number=run.number, period_start=run.period_start,
                            period_end=run.period_end, description=run.description or "")
        db.session.add(stored)
        db.session.flush()
        return stored

    # -- journal entries -----------------------------------------------------------------

    def _has_journal(self, payroll_run_id: int) -> bool:
        return db.session.scalar(select(JournalEntry.id).where(
            JournalEntry.payroll_run_id == payroll_run_id)) is not None

    def _fetch_journal(self, company_id: int, run):
        journal = self.client.journal(company_id, run.id, run.year)
        if journal is None or not journal.lines:
            return None
        if not journal.is_balanced:
            self._problem(
                f"journal.unbalanced:{run.id}", "Importing the payroll journal entry failed.",
                f'{self._where(run)} Debit {journal.total_debit} and credit '
                f"{journal.total_credit} differ, so the entry was not booked. Correct the run's "
                "journal in Nmbrs and import it again.")
            return None
        return journal

    def _add_journal(self, stored: PayrollRun, run, journal) -> None:
        entry = JournalEntry(
            administration_id=self.administration.id, payroll_run_id=stored.id,
            booking_date=last_day_of_period(run.year, run.period_end),
            description=f"Payroll journal {period_label(run.year, run.period_end)}",
            import_run_id=self.import_run_id,
            lines=[JournalLine(position=i, account=line.account,
                               description=line.description or "",
                               cost_center=line.cost_center or "",
                               debit=_cents(line.debit), credit=_cents(line.credit))
                   for i, line in enumerate(journal.lines, start=1)],
        )
        db.session.add(entry)
        self.result.summary["journal entries"] += 1

    # -- pay slips -----------------------------------------------------------------------

    def _payslip_count(self, payroll_run_id: int) -> int:
        return db.session.scalar(select(func.count(PaySlip.id)).where(
            PaySlip.payroll_run_id == payroll_run_id))

    def _fetch_payslips(self, company_id: int, run, stored: PayrollRun | None, members=None):
        """Download each missing pay slip to the document store.

        Returns the run's members and a (employee, stored file) pair per new pay slip."""
        have = set()
        if stored is not None:
            have = set(db.session.scalars(select(PaySlip.employee_id).where(
                PaySlip.payroll_run_id == stored.id)))
        fetched = []
        if members is None:
            members = self.client.run_employees(company_id, run.id, run.year)
        self._ask_unknown_employees(company_id, members)
        for member in members:
            employee = self._employee(member, run)
            if employee is not None and employee.id not in have:
                slip = self.client.payslip(member.employee_id, company_id, run.id, run.year)
                if slip is not None:
                    fetched.append((employee, document_store.save_pdf(slip.pdf)))
            self.progress.advance()
        return members, fetched

    def _add_payslip(self, stored: PayrollRun, run, employee: Employee, stored_file) -> None:
        db.session.add(PaySlip(
            administration_id=self.administration.id, payroll_run_id=stored.id,
            employee_id=employee.id, booking_date=last_day_of_period(run.year, run.period_end),
            storage_key=stored_file.key, size=stored_file.size, sha256=stored_file.sha256,
            import_run_id=self.import_run_id))
        self.result.summary["pay slips"] += 1

    # -- employees -----------------------------------------------------------------------

    def _ask_unknown_employees(self, company_id: int, members) -> None:
        """Fetch the details (of every employee type) of the run members we do not know yet;
        nothing is asked when every member is known."""
        by_number, _by_bsn = self._our_employees()
        unknown = {m.employee_id for m in members
                   if m.employee_number not in by_number
                   and m.employee_number not in self._nmbrs_details}
        unknown -= self._asked_employee_ids
        if unknown and not self._all_employees_asked:
            self._asked_employee_ids |= unknown
            self._nmbrs_details.update(
                (e.number, e) for e in self.client.employees(company_id, employee_ids=unknown))

    def _employee(self, member, run) -> Employee | None:
        """Our employee with the run member's number, created or updated from Nmbrs if needed."""
        employee = self._our_employees()[0].get(member.employee_number)
        if employee is not None:
            return employee
        details = self._nmbrs_details.get(member.employee_number)
        if details is None:
            self._problem(
                f"payslip.unknown-employee:{member.employee_number}",
                "Importing the pay slip failed.",
                f"{self._where(run)} Employee {member.employee_number} is unknown in this "
                "administration and Nmbrs sent no personal data for it — import the employees "
                "from Nmbrs, or check the employee number.",
                (("Employees", self._admin_path() + "#employees"),))
            return None
        employee, _created = self.upsert_employee(details)
        db.session.flush()
        return employee

    def nmbrs_employees(self, company_id: int) -> dict:
        """Every Nmbrs employee of the company, of every type, with details, by number."""
        if not self._all_employees_asked:
            self._nmbrs_details.update((e.number, e) for e in self.client.employees(company_id))
            self._all_employees_asked = True
        return self._nmbrs_details

    def _our_employees(self) -> tuple[dict, dict]:
        """The administration's employees by number and by BSN, loaded (and decrypted) once."""
        if self._ours is None:
            employees = db.session.scalars(select(Employee).where(
                Employee.administration_id == self.administration.id)).all()
            self._ours = ({e.number: e for e in employees},
                          {e.bsn: e for e in employees if e.bsn})
        return self._ours

    def upsert_employee(self, details) -> tuple[Employee, bool]:
        """Create the employee, or update the one with the same number or BSN (Yuki's rule)."""
        by_number, by_bsn = self._our_employees()
        employee = by_number.get(details.number) or (details.bsn and by_bsn.get(details.bsn))
        created = not employee
        if created:
            employee = Employee(administration_id=self.administration.id)
            db.session.add(employee)
        by_number.pop(employee.number, None)
        employee.number = details.number
        employee.name = details.name
        employee.street, employee.house_number = details.street, details.house_number
        employee.postal_code, employee.city = details.postal_code, details.city
        employee.iban = details.iban or employee.iban
        employee.bsn = details.bsn or employee.bsn
        by_number[employee.number] = employee
        if employee.bsn:
            by_bsn[employee.bsn] = employee
        self.result.summary["employees created" if created else "employees updated"] += 1
        return employee, created

    def import_all_employees(self) -> None:
        """Create every Nmbrs employee of the company here, or update it (matched by BSN)."""
        for details in self.nmbrs_employees(self.company_id()).values():
            self.upsert_employee(details)
            db.session.flush()
        db.session.commit()

    # -- payroll tax assessments ---------------------------------------------------------

    def import_tax_assessments(self, company_id: int, periods: set[tuple[int, int]]) -> None:
        for year in sorted({year for year, _ in periods}):
            wanted = [d for d in self._declarations_of(company_id, year)
                      if (d.year, d.period) in periods]
            self.progress.expect_more(len(wanted))
            for declaration in wanted:
                self._import_declaration(company_id, declaration)
                self.progress.advance()

    def _declarations_of(self, company_id: int, year: int) -> list:
        """WageTax_GetList once per company and year within one import."""
        if (company_id, year) not in self._declarations:
            self._declarations[company_id, year] = self.client.wage_tax_declarations(company_id,
                                                                                     year)
        return self._declarations[company_id, year]

    def _import_declaration(self, company_id: int, declaration) -> None:
        exists = db.session.scalar(select(TaxAssessment.id).where(
            TaxAssessment.administration_id == self.administration.id,
            TaxAssessment.nmbrs_declaration_id == declaration.id))
        if exists:
            return
        document = self.client.wage_tax_xml(declaration.id, company_id)
        end = declaration.period_end or last_day_of_period(declaration.year, declaration.period)
        start = declaration.period_start or end.replace(day=1)
        db.session.add(TaxAssessment(
            administration_id=self.administration.id, nmbrs_declaration_id=declaration.id,
            year=declaration.year, period=declaration.period,
            period_start=_as_date(start), period_end=_as_date(end), booking_date=_as_date(end),
            total=_cents(declaration.total), payment_reference=declaration.payment_reference or "",
            status=declaration.status or "", xml=document.xml if document else None,
            import_run_id=self.import_run_id))
        db.session.commit()
        self.result.summary["payroll tax assessments"] += 1

    # -- annual statements ---------------------------------------------------------------

    def import_annual_statements(self, company_id: int, year: int) -> None:
        have = set(db.session.scalars(select(AnnualStatement.employee_id).where(
            AnnualStatement.administration_id == self.administration.id,
            AnnualStatement.year == year)))
        by_number, _by_bsn = self._our_employees()
        people = self.nmbrs_employees(company_id).values()
        self.progress.expect_more(len(people))
        for details in people:
            self.progress.advance()
            employee = by_number.get(details.number)
            if employee is None:
                employee, _ = self.upsert_employee(details)
                db.session.flush()
            if employee.id in have:
                continue
            statement = self.client.annual_statement(details.id, year)
            if statement is None:
                continue
            stored = document_store.save_pdf(statement.pdf)
            db.session.add(AnnualStatement(
                administration_id=self.administration.id, employee_id=employee.id, year=year,
                storage_key=stored.key, size=stored.size, sha256=stored.sha256,
                import_run_id=self.import_run_id))
            db.session.commit()
            self.result.summary["annual statements"] += 1
        db.session.commit()

    # -- helpers -------------------------------------------------------------------------

    def _where(self, run) -> str:
        return (f'Administration: "{self.administration.name}". '
                f'Run: "{period_label(run.year, run.period_end)}".')

    def _admin_path(self) -> str:
        from portal.services.links import path

        return path("administrations.show", administration_id=self.administration.id)

    def _problem(self, cause, title, message, links=()) -> None:
        self.result.problems.append(Problem(cause, title, message, tuple(links)))


def _cents(amount) -> Decimal:
    return Decimal(amount or 0).quantize(Decimal("0.01"))


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def nmbrs_problem(error: NmbrsError, administration) -> Problem:
    """A task for an Nmbrs error that stopped an import."""
    from portal.services.links import path

    links = (("Nmbrs settings", path("nmbrs_settings.index")),)
    return Problem(
        cause=f"nmbrs.{type(error).__name__}",
        title="Importing payroll documents failed.",
        message=f'Administration: "{administration.name}". {error}',
        links=links,
    )


