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
from sqlalchemy.exc import IntegrityError

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
from portal.models._common import utcnow
from portal.nmbrs.errors import NmbrsError
from portal.services import company_links, document_changes, document_store
from portal.services.import_overview import CHANGED_IN_NMBRS, EMPLOYEES_CREATED, EMPLOYEES_UPDATED
from portal.services.import_progress import Progress
from portal.services.periods import (
    last_day_of_period,
    month_of_period,
    previous_month,
)
from portal.stored_text import N_, day, english, money, period, text


@dataclass(frozen=True)
class Problem:
    """Something the portal administrator must fix; becomes a task.

    `title` and `message` are stored texts (portal/stored_text.py), shown in the reader's
    language; link labels are English message ids marked with N_."""

    cause: str
    title: dict
    message: dict
    links: tuple[tuple[str, str], ...] = ()


class ImportStopped(Exception):
    """The administration's import cannot continue; `problem` says why and what to do."""

    def __init__(self, problem: Problem):
        super().__init__(english(problem.message))
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
        self._earlier_attempts = Counter(self._import_record().summary if import_run_id else {})

    # -- what the import record counts -----------------------------------------------------

    def _import_record(self):
        from portal.models import ImportRun

        return db.session.get(ImportRun, self.import_run_id)

    def total_summary(self) -> dict:
        """What every attempt of this import did (a killed attempt's committed work counts)."""
        return dict(self._earlier_attempts + self.result.summary)

    def _commit(self) -> None:
        """Commit the documents together with the import record's count of them."""
        if self.import_run_id is not None:
            self._import_record().summary = self.total_summary()
        db.session.commit()

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
        try:
            with db.session.begin_nested():  # another import may link it at the same moment
                link = company_links.link_company(self.administration, match.company)
        except IntegrityError:
            link = company_links.company_link(self.administration)
            if link is None:
                raise
        db.session.commit()
        return link

    def _no_match(self, cause: str, advice) -> Problem:
        from portal.services.links import path

        return Problem(
            cause=cause,
            title=text(IMPORT_FAILED),
            message=about_administration(self.administration, advice),
            links=((N_("Choose the Nmbrs company"),
                    path("administrations.show", administration_id=self.administration.id)
                    + "#nmbrs-company"),),
        )

    # -- runs ----------------------------------------------------------------------------

    def runs_of_year(self, year: int):
        return sorted(self.client.runs(self.company_id(), year), key=lambda r: r.number)

    def import_automatically(self, today: date, documents: set[str],
                             include_late_runs: bool) -> None:
        """The automatic import of `today`: the current month and every missed month since the
        last complete one (services/catch_up.py), re-checking this and last month's runs;
        earlier runs never imported too, if wanted. Marks the months complete when done."""
        from portal.services import catch_up

        months = catch_up.plan(catch_up.complete_through(self.administration.id), today)
        if months.skipped:
            self._too_far_behind(months.skipped)
        company_id = self.company_id()
        wanted = set(months.months)
        years = {year for year, _ in wanted | months.recheck} | (
            {today.year} if include_late_runs else set())
        for year in sorted(years):
            for run in self.runs_of_year(year):
                month = (run.year, month_of_period(run.period_end))
                if (month in wanted
                        or (month in months.recheck and self._stored_run(run.id) is not None)
                        or (include_late_runs and month < (today.year, today.month)
                            and not self.run_fully_imported(run, documents))):
                    self.import_run(company_id, run, documents,
                                    recheck=month in months.recheck | wanted)
        if TAX_ASSESSMENTS in documents:
            # A month's declaration is ready only after the month: look at last month's too.
            periods = wanted | {previous_month(today.year, today.month)}
            self.import_tax_assessments(company_id, periods)
        catch_up.mark_complete(self.administration.id, today)

    def _too_far_behind(self, skipped) -> None:
        from portal.services import catch_up

        first, last = (period(year, month) for year, month in (skipped[0], skipped[-1]))
        span = first if first == last else text(N_("%(first)s to %(last)s"), first=first,
                                                last=last)
        self._problem(
            catch_up.CAUSE, text(N_("Automatic import: months not imported.")),
            about_administration(self.administration, text(N_(
                "The automatic import could not run for a long time, so it did not catch up "
                "%(span)s: it imports at most %(months)s missed months by itself. Import the runs "
                "of %(span)s by hand (Import from Nmbrs), then complete this task."),
                span=span, months=catch_up.CATCH_UP_MONTHS)),
            ((N_("Import from Nmbrs"), self._import_path()),))

    def _import_path(self) -> str:
        from portal.services.links import path

        return path("imports.import_page", administration_id=self.administration.id)

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
                            members=members.get(run.id), recheck=True, even_final=True)
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

    def import_run(self, company_id: int, run, documents: set[str], members=None,
                   recheck: bool = False, even_final: bool = False) -> None:
        """Fetch the run's missing documents, then write them in one transaction.

        `recheck`: also ask Nmbrs again for the documents we have, to notice corrections —
        skipped for a final run (see `is_final`) unless `even_final` (a manual import).
        `members`: the run's employees when the caller already asked Nmbrs for them."""
        stored = self._stored_run(run.id)
        answered_journal = None
        if recheck and stored is not None and not even_final and locked_since_checked(stored, run):
            answered_journal, recheck = self._check_on_locking(company_id, run, stored, documents)
        else:
            recheck = recheck and stored is not None and (even_final or not is_final(stored, run))
        if not recheck and self.run_fully_imported(run, documents):
            return  # not even the run's employees: a final run's change only by a new RunAt
        journal = None
        if JOURNAL in documents:
            if not (stored and self._has_journal(stored.id)):
                journal = self._fetch_journal(company_id, run)
            elif recheck and answered_journal is None:
                answered_journal = self._fetch_journal(company_id, run)
            self.progress.advance()
        slips, answered_slips = [], []
        if PAYSLIPS in documents:
            members, slips, answered_slips = self._fetch_payslips(company_id, run, stored,
                                                                  members, recheck)
        if (journal is None and not slips and not recheck
                and (stored is None or members is None or stored.employee_count == len(members))):
            return
        try:
            stored = stored or self._add_run(run)
            if members is not None:
                stored.employee_count = len(members)
            if journal is not None:
                self._add_journal(stored, run, journal)
            for employee, stored_file in slips:
                self._add_payslip(stored, run, employee, stored_file)
            changed = False
            if answered_journal is not None:
                changed |= self._compare_journal(stored, answered_journal)
            for employee, stored_file in answered_slips:
                changed |= self._compare_payslip(stored, employee, stored_file)
            if changed:
                self._run_changed(stored)
            stored.nmbrs_run_at, stored.nmbrs_locked = _naive(run.run_at), run.is_locked
            self._commit()
        except Exception:
            db.session.rollback()
            raise

    # -- corrections in Nmbrs (services/document_changes.py) -----------------------------

    def _check_on_locking(self, company_id: int, run, stored: PayrollRun, documents: set[str]):
        """A run we last checked while open is locked now: (the journal Nmbrs sent, whether
        every document must be asked again).

        A recalculation that changes any amount changes the run's journal, so one call settles
        it when the journal is as we imported it: the run is final from now on. Without an
        imported journal every document is asked again."""
        if JOURNAL not in documents or not self._has_journal(stored.id):
            return None, True
        answered = self._fetch_journal(company_id, run)
        if answered is None or not self._journal_as_imported(stored, answered):
            return answered, True
        stored.nmbrs_locked = True
        self._commit()
        return None, False

    def _journal_as_imported(self, stored: PayrollRun, journal) -> bool:
        entry = db.session.scalar(select(JournalEntry).where(
            JournalEntry.payroll_run_id == stored.id))
        return document_changes.entry_fingerprint(entry) == document_changes.journal_fingerprint(
            document_changes.journal_rows(journal.lines))

    def _compare_journal(self, stored: PayrollRun, journal) -> bool:
        entry = db.session.scalar(select(JournalEntry).where(
            JournalEntry.payroll_run_id == stored.id))
        rows = document_changes.journal_rows(journal.lines)
        return document_changes.note_answer(
            document_changes.JOURNAL, entry, document_changes.entry_fingerprint(entry),
            document_changes.journal_fingerprint(rows), {"lines": rows}, payroll_run=stored)

    def _compare_payslip(self, stored: PayrollRun, employee: Employee, stored_file) -> bool:
        slip = db.session.scalar(select(PaySlip).where(
            PaySlip.payroll_run_id == stored.id, PaySlip.employee_id == employee.id))
        return document_changes.note_answer(
            document_changes.PAYSLIP, slip, slip.sha256, stored_file.sha256,
            {"storage_key": stored_file.key, "size": stored_file.size,
             "sha256": stored_file.sha256}, payroll_run=stored)

    def _run_changed(self, stored: PayrollRun) -> None:
        self.result.summary[CHANGED_IN_NMBRS] += 1
        when = stored.changed_in_nmbrs_at or utcnow()
        self._problem(
            document_changes.run_cause(stored),
            document_changes.run_title(self.administration, stored),
            self._where(stored, text(N_(
                "Nmbrs now sends other content for this run than we imported (first noticed "
                "%(day)s): a correction or a recalculation. The imported documents are kept as "
                "they were (they may be booked). Review the differences on the journal entries "
                "and pay slips pages, rebook where needed and accept the new version there."),
                day=day(when))),
            ((N_("Journal entries"), self._documents_path("documents.journals")),
             (N_("Pay slips"), self._documents_path("documents.payslips"))))

    def _documents_path(self, endpoint: str) -> str:
        from portal.services.links import path

        return path(endpoint, administration_id=self.administration.id)

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
                f"journal.unbalanced:{run.id}",
                text(N_("Importing the payroll journal entry failed.")),
                self._where(run, text(N_(
                    "Debit %(debit)s and credit %(credit)s differ, so the entry was not booked. "
                    "Correct the run's journal in Nmbrs and import it again."),
                    debit=money(journal.total_debit), credit=money(journal.total_credit))))
            return None
        return journal

    def _add_journal(self, stored: PayrollRun, run, journal) -> None:
        entry = JournalEntry(
            administration_id=self.administration.id, payroll_run_id=stored.id,
            booking_date=last_day_of_period(run.year, run.period_end),
            import_run_id=self.import_run_id,
            fingerprint=document_changes.journal_fingerprint(
                document_changes.journal_rows(journal.lines)),
            lines=[JournalLine(position=i, account=line.account,
                               description=line.description or "",
                               cost_center=line.cost_center or "",
                               debit=_cents(line.debit), credit=_cents(line.credit))
                   for i, line in enumerate(journal.lines, start=1)],
        )
        db.session.add(entry)
        self.result.summary[JOURNAL] += 1

    # -- pay slips -----------------------------------------------------------------------

    def _payslip_count(self, payroll_run_id: int) -> int:
        return db.session.scalar(select(func.count(PaySlip.id)).where(
            PaySlip.payroll_run_id == payroll_run_id))

    def _fetch_payslips(self, company_id: int, run, stored: PayrollRun | None, members=None,
                        recheck: bool = False):
        """Download each missing pay slip (and with `recheck` the others too) to the store.

        Returns the run's members, a (employee, stored file) pair per new pay slip and one per
        pay slip we had (asked again)."""
        have = set()
        if stored is not None:
            have = set(db.session.scalars(select(PaySlip.employee_id).where(
                PaySlip.payroll_run_id == stored.id)))
        fetched = []
        if members is None:
            members = self.client.run_employees(company_id, run.id, run.year)
        self._ask_unknown_employees(company_id, members)
        answered = []
        wanted = []
        for member in members:
            employee = self._employee(member, run)
            if employee is not None and (employee.id not in have or recheck):
                wanted.append((member, employee))
            else:
                self.progress.advance()

        def fetch(pair):
            # The period the run's documents are booked in (a run can span periods).
            return self.client.payslip(pair[0].employee_id, company_id, run.id, run.year,
                                       run.period_end)

        for (_member, employee), slip in self.client.in_order(fetch, wanted):
            if slip is not None:
                pair = (employee, document_store.save_pdf(slip.pdf))
                (answered if employee.id in have else fetched).append(pair)
            self.progress.advance()
        return members, fetched, answered

    def _add_payslip(self, stored: PayrollRun, run, employee: Employee, stored_file) -> None:
        db.session.add(PaySlip(
            administration_id=self.administration.id, payroll_run_id=stored.id,
            employee_id=employee.id, booking_date=last_day_of_period(run.year, run.period_end),
            storage_key=stored_file.key, size=stored_file.size, sha256=stored_file.sha256,
            import_run_id=self.import_run_id))
        self.result.summary[PAYSLIPS] += 1

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
                text(N_("Importing the pay slip failed.")),
                self._where(run, text(N_(
                    "Employee %(number)s is unknown in this administration and Nmbrs sent no "
                    "personal data for it — import the employees from Nmbrs, or check the "
                    "employee number."), number=str(member.employee_number))),
                ((N_("Employees"), self._admin_path() + "#employees"),))
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
            employee, created = self._insert_employee(details)
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
        self.result.summary[EMPLOYEES_CREATED if created else EMPLOYEES_UPDATED] += 1
        return employee, created

    def _insert_employee(self, details) -> tuple[Employee, bool]:
        """A new employee row; when another import inserted the same number a moment ago,
        that row (to be updated). Returns (employee, created)."""
        employee = Employee(administration_id=self.administration.id, number=details.number,
                            name=details.name)
        try:
            with db.session.begin_nested():
                db.session.add(employee)
        except IntegrityError:
            existing = db.session.scalar(select(Employee).where(
                Employee.administration_id == self.administration.id,
                Employee.number == details.number))
            if existing is None:
                raise
            return existing, False
        return employee, True

    def import_all_employees(self) -> None:
        """Create every Nmbrs employee of the company here, or update it (matched by BSN)."""
        for details in self.nmbrs_employees(self.company_id()).values():
            self.upsert_employee(details)
            db.session.flush()
        self._commit()

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
        existing = db.session.scalar(select(TaxAssessment).where(
            TaxAssessment.administration_id == self.administration.id,
            TaxAssessment.nmbrs_declaration_id == declaration.id))
        if existing is not None:
            if existing.serial_number is None:  # imported before the serial was kept
                existing.serial_number = declaration.serial_number
            self._compare_declaration(company_id, existing, declaration)
            return
        document = self.client.wage_tax_xml(declaration.id, company_id)
        end = declaration.period_end or last_day_of_period(declaration.year, declaration.period)
        start = declaration.period_start or end.replace(day=1)
        db.session.add(TaxAssessment(
            administration_id=self.administration.id, nmbrs_declaration_id=declaration.id,
            year=declaration.year, period=declaration.period,
            serial_number=declaration.serial_number,
            period_start=_as_date(start), period_end=_as_date(end), booking_date=_as_date(end),
            total=_cents(declaration.total), payment_reference=declaration.payment_reference or "",
            status=declaration.status or "", xml=document.xml if document else None,
            fingerprint=document_changes.tax_fingerprint(declaration.total,
                                                         declaration.payment_reference),
            import_run_id=self.import_run_id))
        self._commit()
        self.result.summary[TAX_ASSESSMENTS] += 1

    def _compare_declaration(self, company_id: int, assessment: TaxAssessment,
                             declaration) -> None:
        """The declaration list carries the total: only a changed one costs another call."""
        answered = document_changes.tax_fingerprint(declaration.total,
                                                    declaration.payment_reference)
        current = document_changes.assessment_fingerprint(assessment)
        pending = document_changes.pending_version(document_changes.TAX_ASSESSMENT,
                                                   assessment.id)
        if answered == current and pending is None:
            return
        xml = None
        if answered != current and (pending is None or pending.fingerprint != answered):
            document = self.client.wage_tax_xml(declaration.id, company_id)
            xml = document.xml if document else None
        elif pending is not None:
            xml = pending.xml
        changed = document_changes.note_answer(
            document_changes.TAX_ASSESSMENT, assessment, current, answered,
            {"total": str(_cents(declaration.total)),
             "payment_reference": declaration.payment_reference or "",
             "status": declaration.status or ""}, xml=xml)
        if changed:
            self.result.summary[CHANGED_IN_NMBRS] += 1
            self._problem(
                document_changes.assessment_cause(assessment),
                document_changes.assessment_title(self.administration, assessment),
                about_administration(self.administration, text(N_(
                    "Nmbrs now reports a total of %(reported)s for the payroll tax assessment of "
                    "%(period)s; we imported %(imported)s. The imported assessment is kept as it "
                    "was (it may be booked). Review it, rebook where needed and accept the new "
                    "version on the payroll tax assessments page."),
                    reported=money(_cents(declaration.total)),
                    period=period(assessment.year, assessment.period),
                    imported=money(assessment.total))),
                ((N_("Payroll tax assessments"),
                  self._documents_path("documents.tax_assessments")),))
        self._commit()

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
            self._commit()
            self.result.summary[ANNUAL_STATEMENTS] += 1
        self._commit()

    # -- helpers -------------------------------------------------------------------------

    def _where(self, run, what: dict) -> dict:
        """'Administration: "X". Run: "May 2026". <what>' (a run of Nmbrs or a stored one)."""
        return text(N_('Administration: "%(administration)s". Run: "%(run)s". %(what)s'),
                    administration=self.administration.name,
                    run=period(run.year, run.period_end), what=what)

    def _admin_path(self) -> str:
        from portal.services.links import path

        return path("administrations.show", administration_id=self.administration.id)

    def _problem(self, cause, title, message, links=()) -> None:
        self.result.problems.append(Problem(cause, title, message, tuple(links)))


def is_final(stored: PayrollRun, run) -> bool:
    """Whether the automatic import may skip re-checking a run we have: Nmbrs reports it
    locked (RunInfo.IsLocked), with the same RunAt as when we last checked it, or newly locked
    (then `Importer._check_on_locking` decides). A manual import re-checks final runs too."""
    return bool(run.is_locked and stored.nmbrs_run_at is not None
                and stored.nmbrs_run_at == _naive(run.run_at))


def locked_since_checked(stored: PayrollRun, run) -> bool:
    """A final run we last checked while it was open. Its RunAt tells nothing here: that a
    recalculation gives a new RunAt is inferred for SOAP, and REST's `createdAt` (read as RunAt)
    may be when the run was made, so the run was perhaps corrected before it was locked."""
    return is_final(stored, run) and not stored.nmbrs_locked


def _naive(value):
    return value.replace(tzinfo=None) if value is not None and value.tzinfo else value


def _cents(amount) -> Decimal:
    return Decimal(amount or 0).quantize(Decimal("0.01"))


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


IMPORT_FAILED = N_("Importing payroll documents failed.")


def about_administration(administration, what) -> dict:
    """'Administration: "X". <what>': the first words of an import task's message."""
    return text(N_('Administration: "%(administration)s". %(what)s'),
                administration=administration.name, what=what)


def nmbrs_problem(error: NmbrsError, administration) -> Problem:
    """A task for an Nmbrs error that stopped an import."""
    from portal.services.links import path
    from portal.services.nmbrs_rest_access import consent_link

    # A problem of the domain's REST consent is fixed where the consent is (Reconnect): its
    # cause is of the "nmbrs.consent" family, whose action is there too (task_causes).
    consent = consent_link(error, administration.domain)
    links = (consent or (N_("Nmbrs settings"), path("nmbrs_settings.index")),)
    family = "nmbrs.consent." if consent else "nmbrs."
    return Problem(
        cause=f"{family}{type(error).__name__}",
        title=text(IMPORT_FAILED),
        message=about_administration(administration, error.text),
        links=links,
    )


