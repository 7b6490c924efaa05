"""What is already imported, per Nmbrs run, for the manual import screen; and import summaries."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.document_types import (
    ANNUAL_STATEMENTS,
    DOCUMENT_LABELS,
    JOURNAL,
    PAYSLIPS,
    TAX_ASSESSMENTS,
)
from portal.extensions import db
from portal.i18n import format_day, local_period_label
from portal.models import JournalEntry, PayrollRun, PaySlip, TaxAssessment, WorkCostPeriod
from portal.services.periods import month_of_period

KIND_LABELS = {
    "automatic": _l("Automatic import"),
    "manual": _l("Manual import"),
    "employees": _l("Import all employees"),
    "work-costs": _l("WKR payroll balance"),
}

# What an import counted (ImportRun.summary's keys, written by the importer): the document
# types' keys, and these.
EMPLOYEES_CREATED, EMPLOYEES_UPDATED = "employees_created", "employees_updated"
CHANGED_IN_NMBRS, WKR_PERIODS = "changed_in_nmbrs", "wkr_periods"
SUMMARY_LABELS = {
    JOURNAL: _l("Journal entries"),
    PAYSLIPS: _l("Pay slips"),
    TAX_ASSESSMENTS: _l("Payroll tax assessments"),
    ANNUAL_STATEMENTS: _l("Annual statements"),
    EMPLOYEES_CREATED: _l("Employees created"),
    EMPLOYEES_UPDATED: _l("Employees updated"),
    CHANGED_IN_NMBRS: _l("Changed in Nmbrs"),
    WKR_PERIODS: _l("WKR periods"),
}


# The statuses of a run on the import page, each with what it means (the page's legend).
STATUSES = {
    "changed": (_l("Changed in Nmbrs"),
                _l("Nmbrs sends other content for the run than was imported (a correction): "
                   "review the new version on the journal entries and pay slips pages, rebook "
                   "where needed and accept it.")),
    "imported": (_l("Imported"),
                 _l("The journal entry, a pay slip for every employee of the run and the payroll "
                    "tax assessment are here.")),
    "waiting-for-assessment": (
        _l("Imported; tax assessment not yet made in Nmbrs"),
        _l("Everything of the run is here except the payroll tax assessment: Nmbrs makes it "
           "after the period is declared. The automatic import fetches it when it exists.")),
    "partly": (_l("Partly imported"),
               _l("Some documents of the run are here; the line says which are missing.")),
    "not-imported": (_l("Not imported yet"),
                     _l("A run of the current month: the automatic import fetches it on its "
                        "import days, or import it here now.")),
    "late": (_l("Missing from an earlier month"),
             _l("A run of an earlier month that is not (fully) here. The automatic import only "
                "takes the current month: import it here.")),
}


@dataclass(frozen=True)
class RunOverview:
    id: int
    number: int
    year: int
    period_label: str
    description: str
    journal: bool
    payslips: int
    employees: int | None  # employees Nmbrs paid in the run (known once the run was imported)
    tax_assessment: bool
    late: bool  # a run of an earlier month that is not (fully) imported
    # Nmbrs sends other content than we imported, not accepted yet (document_changes)
    changed_in_nmbrs_at: datetime | None = None

    @property
    def payslips_complete(self) -> bool:
        if self.employees is None:
            return self.payslips > 0
        return self.payslips >= self.employees

    @property
    def fully_imported(self) -> bool:
        return self.journal and self.payslips_complete and self.tax_assessment

    @property
    def nothing_imported(self) -> bool:
        return not self.journal and not self.payslips and not self.tax_assessment

    @property
    def status_code(self) -> str:
        if self.changed_in_nmbrs_at is not None:
            return "changed"
        if self.fully_imported:
            return "imported"
        if self.late:
            return "late"
        if self.nothing_imported:
            return "not-imported"
        if self.journal and self.payslips_complete:
            return "waiting-for-assessment"
        return "partly"

    @property
    def status(self) -> str:
        if self.status_code == "changed":
            return str(gettext("Changed in Nmbrs on %(date)s",
                               date=format_day(self.changed_in_nmbrs_at)))
        return str(STATUSES[self.status_code][0])

    @property
    def missing(self) -> list[str]:
        """What of the run is not here, in words: ["journal entry", "2 of 3 pay slips", ...]."""
        if self.fully_imported or self.nothing_imported:
            return []
        missing = []
        if not self.journal:
            missing.append(gettext("payroll journal entry"))
        if not self.payslips_complete:
            missing.append(gettext("%(missing)s of %(total)s pay slips",
                                   missing=self.employees - self.payslips, total=self.employees)
                           if self.employees else gettext("pay slips"))
        if not self.tax_assessment:
            missing.append(gettext("payroll tax assessment (not yet made in Nmbrs)")
                           if not self.late else gettext("payroll tax assessment"))
        return missing


def run_overviews(administration_id: int, runs, today: date) -> list[RunOverview]:
    """One overview per Nmbrs run (sorted by run number) with what we hold of it."""
    nmbrs_ids = [run.id for run in runs]
    stored = {row.nmbrs_run_id: row for row in db.session.scalars(select(PayrollRun).where(
        PayrollRun.administration_id == administration_id,
        PayrollRun.nmbrs_run_id.in_(nmbrs_ids)))} if nmbrs_ids else {}
    stored_ids = [row.id for row in stored.values()]
    journals = set(db.session.scalars(select(JournalEntry.payroll_run_id).where(
        JournalEntry.payroll_run_id.in_(stored_ids)))) if stored_ids else set()
    slips = dict(db.session.execute(
        select(PaySlip.payroll_run_id, func.count(PaySlip.id))
        .where(PaySlip.payroll_run_id.in_(stored_ids))
        .group_by(PaySlip.payroll_run_id)).all()) if stored_ids else {}
    assessed = {(year, period) for year, period in db.session.execute(
        select(TaxAssessment.year, TaxAssessment.period).where(
            TaxAssessment.administration_id == administration_id))}
    overviews = []
    for run in sorted(runs, key=lambda r: r.number):
        row = stored.get(run.id)
        months = {month_of_period(p) for p in range(run.period_start, run.period_end + 1)}
        earlier = (run.year, month_of_period(run.period_end)) < (today.year, today.month)
        overview = RunOverview(
            id=run.id, number=run.number, year=run.year,
            period_label=local_period_label(run.year, run.period_end),
            description=run.description or "",
            journal=row is not None and row.id in journals,
            payslips=slips.get(row.id, 0) if row is not None else 0,
            # The run's own employees, not today's: known from the run's import.
            employees=row.employee_count if row is not None else None,
            tax_assessment=all((run.year, month) in assessed for month in months),
            late=False,
            changed_in_nmbrs_at=row.changed_in_nmbrs_at if row is not None else None,
        )
        late = earlier and not overview.fully_imported
        overviews.append(RunOverview(**{**overview.__dict__, "late": late}))
    return overviews


def work_costs(administration_id: int, year: int) -> tuple[list[WorkCostPeriod], Decimal]:
    """The WKR figures of a year per period and the year's total fiscal wage."""
    rows = list(db.session.scalars(select(WorkCostPeriod).where(
        WorkCostPeriod.administration_id == administration_id, WorkCostPeriod.year == year)
        .order_by(WorkCostPeriod.period)))
    return rows, sum((row.fiscal_wage for row in rows), Decimal("0.00"))


def summary_lines(summary: dict | None) -> list[str]:
    """"Pay slips: 2", "Journal entries: 1"... in the order the importer wrote them, in the
    reader's language."""
    return [gettext("%(what)s: %(count)s", what=SUMMARY_LABELS[what], count=count)
            for what, count in (summary or {}).items() if count and what in SUMMARY_LABELS]


def document_choices() -> list[tuple[str, str]]:
    return list(DOCUMENT_LABELS.items())
