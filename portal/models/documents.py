"""Imported payroll documents. Unique keys make every import idempotent."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._common import utcnow
from portal.models.structure import Administration, Employee

Money = Numeric(14, 2, asdecimal=True)


class PayrollRun(db.Model):
    """A Nmbrs payroll run as seen by one administration."""

    __tablename__ = "payroll_run"
    __table_args__ = (UniqueConstraint("administration_id", "nmbrs_run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    nmbrs_run_id: Mapped[int]
    year: Mapped[int]
    number: Mapped[int]
    period_start: Mapped[int]
    period_end: Mapped[int]
    description: Mapped[str] = mapped_column(String(200))
    # How many employees Nmbrs paid in the run when it was imported: are all pay slips here?
    employee_count: Mapped[int | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    administration: Mapped[Administration] = relationship()


class JournalEntry(db.Model):
    """The payroll journal entry of one run, booked on the last day of the run's period."""

    __tablename__ = "journal_entry"
    __table_args__ = (UniqueConstraint("administration_id", "payroll_run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    payroll_run_id: Mapped[int] = mapped_column(ForeignKey("payroll_run.id"))
    booking_date: Mapped[date]
    description: Mapped[str] = mapped_column(String(200))
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    payroll_run: Mapped[PayrollRun] = relationship()
    lines: Mapped[list["JournalLine"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="JournalLine.position")

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal("0.00"))


class JournalLine(db.Model):
    __tablename__ = "journal_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), index=True)
    position: Mapped[int]
    account: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200), default="")
    cost_center: Mapped[str] = mapped_column(String(40), default="")
    debit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")


class StoredPdf:
    """Columns of a document whose PDF lives in the document store (not in the database)."""

    storage_key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))


class PaySlip(StoredPdf, db.Model):
    __tablename__ = "pay_slip"
    __table_args__ = (UniqueConstraint("administration_id", "payroll_run_id", "employee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    payroll_run_id: Mapped[int] = mapped_column(ForeignKey("payroll_run.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    booking_date: Mapped[date]
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    payroll_run: Mapped[PayrollRun] = relationship()
    employee: Mapped[Employee] = relationship()


class TaxAssessment(db.Model):
    """A payroll tax assessment (loonaangifte) of one period."""

    __tablename__ = "tax_assessment"
    __table_args__ = (UniqueConstraint("administration_id", "nmbrs_declaration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    nmbrs_declaration_id: Mapped[int]
    year: Mapped[int]
    period: Mapped[int]
    period_start: Mapped[date]
    period_end: Mapped[date]
    booking_date: Mapped[date]  # the last day of the period it concerns
    total: Mapped[Decimal] = mapped_column(Money)
    payment_reference: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(40), default="")
    xml: Mapped[str | None] = mapped_column(Text)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnnualStatement(StoredPdf, db.Model):
    __tablename__ = "annual_statement"
    __table_args__ = (UniqueConstraint("administration_id", "employee_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    year: Mapped[int]
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    employee: Mapped[Employee] = relationship()


class WorkCostPeriod(db.Model):
    """The WKR payroll balance of one period (fiscal wage and the other WKR figures)."""

    __tablename__ = "work_cost_period"
    __table_args__ = (UniqueConstraint("administration_id", "year", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    year: Mapped[int]
    period: Mapped[int]
    fiscal_wage: Mapped[Decimal] = mapped_column(Money)
    work_cost_payroll: Mapped[Decimal] = mapped_column(Money)
    work_cost_financial: Mapped[Decimal] = mapped_column(Money)
    available_space: Mapped[Decimal] = mapped_column(Money)
    to_pay: Mapped[Decimal] = mapped_column(Money)
    retrieved_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
