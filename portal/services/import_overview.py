"""What is already imported, per Nmbrs run, for the manual import screen; and import summaries."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Employee, JournalEntry, PayrollRun, PaySlip, TaxAssessment, WorkCostPeriod
from portal.document_types import DOCUMENT_LABELS
from portal.services.periods import month_of_period, period_label

KIND_LABELS = {
    "automatic": "Automatic import",
    "manual": "Manual import",
    "employees": "Import all employees",
    "work-costs": "WKR payroll balance",
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
    employees: int
    tax_assessment: bool
    late: bool  # a run of an earlier month that is not (fully) imported

    @property
    def fully_imported(self) -> bool:
        return self.journal and self.payslips >= self.employees > 0 and self.tax_assessment

    @property
    def nothing_imported(self) -> bool:
        return not self.journal and not self.payslips and not self.tax_assessment

    @property
    def status(self) -> str:
        if self.fully_imported:
            return "Imported"
        if self.late:
            return "Not yet imported"
        return "Not imported" if self.nothing_imported else "Partly imported"


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
    employees = db.session.scalar(select(func.count(Employee.id)).where(
        Employee.administration_id == administration_id)) or 0
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
            period_label=period_label(run.year, run.period_end),
            description=run.description or "",
            journal=row is not None and row.id in journals,
            payslips=slips.get(row.id, 0) if row is not None else 0,
            employees=employees,
            tax_assessment=all((run.year, month) in assessed for month in months),
            late=False,
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
    """"Pay slips: 2", "Journal entries: 1"... in the order the importer wrote them."""
    return [f"{what[:1].upper()}{what[1:]}: {count}"
            for what, count in (summary or {}).items() if count]


def document_choices() -> list[tuple[str, str]]:
    return list(DOCUMENT_LABELS.items())
