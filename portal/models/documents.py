"""Imported payroll documents. Unique keys make every import idempotent."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
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
    # Nmbrs' RunAt and IsLocked when we last asked: is the run final? (importer.is_final)
    nmbrs_run_at: Mapped[datetime | None]
    nmbrs_locked: Mapped[bool | None]
    # Set while a document of the run has a new version in Nmbrs not accepted yet.
    changed_in_nmbrs_at: Mapped[datetime | None]

    administration: Mapped[Administration] = relationship()


class JournalEntry(db.Model):
    """The payroll journal entry of one run, booked on the last day of the run's period."""

    __tablename__ = "journal_entry"
    __table_args__ = (UniqueConstraint("administration_id", "payroll_run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    payroll_run_id: Mapped[int] = mapped_column(ForeignKey("payroll_run.id"))
    booking_date: Mapped[date]
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    # Indexed: the dashboard counts what arrived this month (issue 14).
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # sha256 of the lines (services/document_changes.py); None for entries of before.
    fingerprint: Mapped[str | None] = mapped_column(String(64))

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
    # Indexed: the dashboard counts what arrived this month (issue 14).
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

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
    # Nmbrs' serial number of the declaration in its period (a correction has another); with
    # company, year and period the key that finds it again over REST. None: imported before.
    serial_number: Mapped[int | None]
    period_start: Mapped[date]
    period_end: Mapped[date]
    booking_date: Mapped[date]  # the last day of the period it concerns
    total: Mapped[Decimal] = mapped_column(Money)
    payment_reference: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(40), default="")
    xml: Mapped[str | None] = mapped_column(Text)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    # Indexed: the dashboard counts what arrived this month (issue 14).
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # sha256 of total and payment reference; None for assessments of before.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Set while Nmbrs has a new version of it that was not accepted yet.
    changed_in_nmbrs_at: Mapped[datetime | None]


class AnnualStatement(StoredPdf, db.Model):
    __tablename__ = "annual_statement"
    __table_args__ = (UniqueConstraint("administration_id", "employee_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    year: Mapped[int]
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    # Indexed: the dashboard counts what arrived this month (issue 14).
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

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


class DocumentVersion(db.Model):
    """Another version of an imported journal entry, pay slip or payroll tax assessment.

    `pending`: what Nmbrs sends now, differing from the document (at most one per document);
    `earlier`: content the document had before a pending version was accepted (kept: it may
    have been booked). See services/document_changes.py."""

    __tablename__ = "document_version"
    __table_args__ = (
        Index("ix_document_version_document", "kind", "document_id"),
        Index("uq_document_version_pending", "kind", "document_id", unique=True,
              sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # journal | payslip | tax_assessment
    document_id: Mapped[int]
    payroll_run_id: Mapped[int | None] = mapped_column(ForeignKey("payroll_run.id"))
    state: Mapped[str] = mapped_column(String(10))  # pending | earlier
    fingerprint: Mapped[str] = mapped_column(String(64))
    # journal: {"lines": [[account, description, cost centre, debit, credit], ...]};
    # pay slip: {"storage_key", "size", "sha256"}; tax: {"total", "payment_reference", "status"}
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    xml: Mapped[str | None] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
