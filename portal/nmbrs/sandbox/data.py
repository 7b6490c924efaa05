"""Deterministic sandbox data derived from `portal.demo_data`, for the current year.

Debtors carry the names people give them ("Bakkerij de Vries B.V.", not the portal's
"bakkerij-de-vries"); companies are the administrations that have one in Nmbrs (name, and
Number = the relation code unless the demo says otherwise); employees have employee types and
are paid only in the months they were employed; one run per month up to the current month, plus
a 13th period for the company with `thirteenth_period`; balanced journals; declarations for
ended months only.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from portal import demo_data

CENT = Decimal("0.01")
WAGE_TAX_RATE = Decimal("0.30")
EMPLOYER_PREMIUM_RATE = Decimal("0.18")
WKR_FREE_SPACE_RATE = Decimal("0.0192")
THIRTEENTH_PERIOD = 13
DUTCH_MONTHS = ("Januari", "Februari", "Maart", "April", "Mei", "Juni", "Juli", "Augustus",
                "September", "Oktober", "November", "December")
_NAME_PREFIXES = ("van der", "van den", "van de", "van", "de", "den", "der", "ter", "te")


@dataclass(frozen=True)
class SandboxEmployee:
    id: int
    number: int
    first_name: str
    prefix: str
    last_name: str
    street: str
    house_number: str
    house_addition: str
    postal_code: str
    city: str
    iban: str
    bsn: str
    monthly_gross: Decimal
    employee_type: int = 1
    first_period: int = 1
    last_period: int | None = None

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.prefix, self.last_name) if part)

    def employed_in(self, period: int) -> bool:
        """Paid in this period; the 13th period pays whoever is employed at the year's end."""
        month = min(period, 12)
        return self.first_period <= month and (self.last_period is None
                                               or month <= self.last_period
                                               and period <= 12)


@dataclass(frozen=True)
class SandboxRun:
    id: int
    number: int
    year: int
    period: int
    description: str
    run_at: datetime
    is_locked: bool


@dataclass(frozen=True)
class JournalEntryLine:
    account: str
    cost_center: str
    description: str
    side: str  # "debit" or "credit"
    amount: Decimal


@dataclass(frozen=True)
class SandboxDeclaration:
    id: int
    period: int
    year: int
    total: Decimal
    payment_reference: str
    sent_at: datetime
    period_start: date
    period_end: date


@dataclass(frozen=True)
class SandboxWorkCost:
    period: int
    year: int
    fiscal_wage: Decimal
    available_space: Decimal


@dataclass(frozen=True)
class SandboxCompany:
    id: int
    number: int
    name: str
    debtor_id: int
    employees: tuple[SandboxEmployee, ...]
    runs: tuple[SandboxRun, ...]

    def run(self, run_id: int, year: int) -> SandboxRun | None:
        """The run with this id in this year, if any."""
        return next((r for r in self.runs if r.id == run_id and r.year == year), None)

    def employee(self, employee_id: int) -> SandboxEmployee | None:
        """The employee with this id, if any."""
        return next((e for e in self.employees if e.id == employee_id), None)

    def employees_in(self, period: int) -> tuple[SandboxEmployee, ...]:
        """The employees paid in a period."""
        return tuple(e for e in self.employees if e.employed_in(period))


@dataclass(frozen=True)
class SandboxDebtor:
    id: int
    number: str
    name: str


@dataclass(frozen=True)
class SandboxData:
    today: date
    debtors: tuple[SandboxDebtor, ...]
    companies: tuple[SandboxCompany, ...]
    # Corrections made in "Nmbrs" after an import (tests): how often each document changed,
    # by ("journal", run id), ("payslip", run id, employee id) or ("declaration", id).
    revisions: dict = field(default_factory=dict, compare=False)
    # A recalculated run gets a new RunAt (and is unlocked), by run id.
    recalculated: dict = field(default_factory=dict, compare=False)
    # Runs locked after the world was made, by run id: how many recalculations they had when
    # locked (locking keeps the RunAt; a later recalculation unlocks the run again).
    locked: dict = field(default_factory=dict, compare=False)

    def revision(self, *key) -> int:
        return self.revisions.get(key, 0)

    def change_journal(self, run_id: int) -> None:
        """A correction: the run is recalculated and its journal's amounts change."""
        self._change(("journal", run_id), run_id)

    def change_payslip(self, run_id: int, employee_id: int) -> None:
        """A correction of one employee's pay slip in a recalculated run."""
        self._change(("payslip", run_id, employee_id), run_id)

    def correct_keeping_run_at(self, run_id: int) -> None:
        """A correction of the run's journal that Nmbrs reports under its old RunAt: REST's
        `createdAt`, read as RunAt, may be when the run was made."""
        key = ("journal", run_id)
        self.revisions[key] = self.revisions.get(key, 0) + 1

    def lock(self, run_id: int) -> None:
        """The payroll administrator locks a run as it was last calculated."""
        self.locked[run_id] = self.recalculated.get(run_id, 0)

    def change_declaration(self, declaration_id: int) -> None:
        """A corrected payroll tax declaration: its total changes."""
        self._change(("declaration", declaration_id), None)

    def _change(self, key, run_id) -> None:
        self.revisions[key] = self.revisions.get(key, 0) + 1
        if run_id is not None:
            self.recalculated[run_id] = self.recalculated.get(run_id, 0) + 1

    @property
    def year(self) -> int:
        return self.today.year

    def company(self, company_id: int) -> SandboxCompany | None:
        """The company with this id, if any."""
        return next((c for c in self.companies if c.id == company_id), None)

    def debtor(self, debtor_id: int) -> SandboxDebtor | None:
        """The debtor with this id, if any."""
        return next((d for d in self.debtors if d.id == debtor_id), None)

    def employee(self, employee_id: int) -> tuple[SandboxCompany, SandboxEmployee] | None:
        """An employee with their company, if any."""
        for company in self.companies:
            employee = company.employee(employee_id)
            if employee:
                return company, employee
        return None


def build_sandbox_data(today: date | None = None, domains=None) -> SandboxData:
    """Build the sandbox world from the demo portal (or other `domains`) for `today`'s year."""
    today = today or date.today()
    debtors, companies = [], []
    for debtor_index, domain in enumerate(domains or demo_data.DOMAINS, start=1):
        debtor = SandboxDebtor(id=1000 + debtor_index, number=str(debtor_index),
                               name=domain.nmbrs_debtor_name)
        debtors.append(debtor)
        for admin_index, admin in enumerate(domain.administrations, start=1):
            if admin.has_nmbrs_company:
                company_id = 54600 + debtor_index * 100 + admin_index
                companies.append(_company(company_id, debtor.id, admin, today))
    return SandboxData(today=today, debtors=tuple(debtors), companies=tuple(companies))


def _company(company_id: int, debtor_id: int, admin, today: date) -> SandboxCompany:
    employees = tuple(_employee(company_id, e) for e in admin.employees)
    return SandboxCompany(id=company_id, number=admin.nmbrs_company_number, name=admin.name,
                          debtor_id=debtor_id, employees=employees,
                          runs=_runs(company_id, today, admin.thirteenth_period))


def _employee(company_id: int, demo) -> SandboxEmployee:
    prefix, last_name = _split_prefix(demo.last_name)
    number, addition = _split_house_number(demo.house_number)
    return SandboxEmployee(
        id=company_id * 1000 + demo.number, number=demo.number, first_name=demo.first_name,
        prefix=prefix, last_name=last_name, street=demo.street, house_number=number,
        house_addition=addition, postal_code=demo.postal_code, city=demo.city, iban=demo.iban,
        bsn=demo.bsn, monthly_gross=Decimal(demo.monthly_gross),
        employee_type=demo.employee_type, first_period=demo.first_period,
        last_period=demo.last_period)


def _split_prefix(last_name: str) -> tuple[str, str]:
    # Nmbrs stores "de Vries" as Prefix "de" + LastName "Vries".
    for prefix in _NAME_PREFIXES:
        if last_name.startswith(prefix + " "):
            return prefix, last_name[len(prefix) + 1:]
    return "", last_name


def _split_house_number(house_number: str) -> tuple[str, str]:
    digits = len(house_number) - len(house_number.lstrip("0123456789"))
    return house_number[:digits], house_number[digits:]


def _runs(company_id: int, today: date, thirteenth_period: bool) -> tuple[SandboxRun, ...]:
    year = today.year
    runs = [
        SandboxRun(id=company_id * 100 + month, number=month, year=year, period=month,
                   description=f"{DUTCH_MONTHS[month - 1]} {year}",
                   run_at=datetime(year, month, 24, 14, 3, 11),
                   is_locked=month < today.month)
        for month in range(1, today.month + 1)
    ]
    if thirteenth_period:
        runs.append(SandboxRun(id=company_id * 100 + THIRTEENTH_PERIOD, number=len(runs) + 1,
                               year=year, period=THIRTEENTH_PERIOD,
                               description=f"13e periode {year}",
                               run_at=datetime(year, 12, 15, 10, 0, 0), is_locked=False))
    return tuple(runs)


def wage_tax_of(gross: Decimal) -> Decimal:
    """The demo's wage tax withheld on a gross amount."""
    return (gross * WAGE_TAX_RATE).quantize(CENT, ROUND_HALF_UP)


def employer_premiums_of(gross: Decimal) -> Decimal:
    """The demo's employer premiums on a gross amount."""
    return (gross * EMPLOYER_PREMIUM_RATE).quantize(CENT, ROUND_HALF_UP)


def journal_lines(company: SandboxCompany, period: int | None = None,
                  revision: int = 0) -> list[JournalEntryLine]:
    """A balanced journal for one run: gross and premiums debit; taxes, premiums, net credit.

    `period`: pays only who was employed then; None: every employee of the company. Each
    `revision` (a correction made in Nmbrs) adds 10.00 to the gross wages and the net pay."""
    paid = company.employees if period is None else company.employees_in(period)
    gross = sum((e.monthly_gross for e in paid), Decimal("0.00"))
    gross += Decimal("10.00") * revision
    tax = sum((wage_tax_of(e.monthly_gross) for e in paid), Decimal("0.00"))
    premiums = sum((employer_premiums_of(e.monthly_gross) for e in paid), Decimal("0.00"))
    return [
        JournalEntryLine("4000", "01000", "Brutolonen", "debit", gross),
        JournalEntryLine("4100", "01000", "Werkgeverslasten", "debit", premiums),
        JournalEntryLine("1700", "", "Af te dragen loonheffing", "credit", tax),
        JournalEntryLine("1710", "", "Af te dragen premies werkgever", "credit", premiums),
        JournalEntryLine("2100", "", "Te betalen nettolonen", "credit", gross - tax),
    ]


def declarations(company: SandboxCompany, today: date) -> list[SandboxDeclaration]:
    """Monthly wage-tax declarations; a month's declaration exists only once the month ended."""
    return [_declaration(company, today.year, month, _to_pay(company, month))
            for month in range(1, today.month)]


def _to_pay(company: SandboxCompany, month: int) -> Decimal:
    lines = journal_lines(company, month)
    return sum((line.amount for line in lines if line.account in ("1700", "1710")),
               Decimal("0.00"))


def _declaration(company: SandboxCompany, year: int, month: int,
                 to_pay: Decimal) -> SandboxDeclaration:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    reference = f"{company.id:06d}{year}{month:02d}0000"[:16]
    return SandboxDeclaration(
        id=company.id * 100 + month, period=month, year=year,
        total=to_pay.quantize(Decimal("1"), ROUND_HALF_UP),
        payment_reference=".".join(reference[i:i + 4] for i in range(0, 16, 4)),
        sent_at=datetime(next_month.year, next_month.month, 5, 14, 54, 6),
        period_start=date(year, month, 1),
        period_end=date.fromordinal(next_month.toordinal() - 1))


def work_costs(company: SandboxCompany, today: date) -> list[SandboxWorkCost]:
    """WKR figures per period so far; FiscalWage is the sum of the gross wages of the period."""
    return [_work_cost(company, today.year, month) for month in range(1, today.month + 1)]


def _work_cost(company: SandboxCompany, year: int, month: int) -> SandboxWorkCost:
    gross = sum((e.monthly_gross for e in company.employees_in(month)), Decimal("0.00"))
    return SandboxWorkCost(period=month, year=year, fiscal_wage=gross,
                           available_space=(gross * WKR_FREE_SPACE_RATE).quantize(CENT,
                                                                                  ROUND_HALF_UP))
