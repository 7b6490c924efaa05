"""Typed results of Nmbrs calls. Money is always Decimal."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Environment:
    domain: str
    subdomain: str


@dataclass(frozen=True)
class Debtor:
    id: int
    number: str
    name: str


@dataclass(frozen=True)
class Company:
    id: int
    number: int
    name: str


@dataclass(frozen=True)
class Run:
    id: int
    number: int
    year: int
    period_start: int
    period_end: int
    description: str
    run_at: datetime | None
    is_locked: bool


@dataclass(frozen=True)
class RunEmployee:
    employee_id: int
    employee_number: int


@dataclass(frozen=True)
class JournalLine:
    account: str
    description: str
    cost_center: str | None
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class Journal:
    date: date | None
    lines: tuple[JournalLine, ...]

    @property
    def total_debit(self) -> Decimal:
        """Sum of the debit side."""
        return sum((line.debit for line in self.lines), Decimal("0"))

    @property
    def total_credit(self) -> Decimal:
        """Sum of the credit side."""
        return sum((line.credit for line in self.lines), Decimal("0"))

    @property
    def is_balanced(self) -> bool:
        """True when debit and credit are equal to the cent."""
        return self.total_debit == self.total_credit


@dataclass(frozen=True)
class PaySlip:
    employee_id: int
    pdf: bytes


@dataclass(frozen=True)
class WageTaxDeclaration:
    id: int
    serial_number: int
    payment_reference: str
    total: Decimal
    period: int
    year: int
    status: str
    sent_at: datetime | None
    period_start: date | None
    period_end: date | None


@dataclass(frozen=True)
class WageTaxDocument:
    """The XML of one declaration, with the few figures we could read from it (shape inferred)."""

    declaration_id: int
    xml: str
    period_start: date | None
    period_end: date | None
    total: Decimal | None


@dataclass(frozen=True)
class AnnualStatement:
    employee_id: int
    year: int
    pdf: bytes


@dataclass(frozen=True)
class EmployeeType:
    """A value for List_GetByCompany's `EmployeeType` (from EmployeeType_GetList)."""

    id: int
    description: str


@dataclass(frozen=True)
class Employee:
    id: int
    number: int
    name: str
    first_name: str
    last_name: str
    street: str
    house_number: str
    postal_code: str
    city: str
    iban: str
    bsn: str


@dataclass(frozen=True)
class WorkCost:
    period: int
    year: int
    fiscal_wage: Decimal
    work_cost_payroll: Decimal
    work_cost_financial: Decimal
    available_space: Decimal
    base: Decimal
    to_pay: Decimal
    estimated: Decimal | None
    paid: Decimal
