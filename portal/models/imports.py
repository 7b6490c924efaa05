"""Import bookkeeping: the Nmbrs company an administration is linked to, and each import run."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._common import utcnow
from portal.models.accounts import User, _enum
from portal.models.structure import Administration, Domain


class CompanyLink(db.Model):
    """The Nmbrs company of an administration: matched by name and number, or chosen by hand.

    One company belongs to at most one administration of a portal (both would import the same
    documents); `portal_id` is filled in from the administration."""

    __tablename__ = "nmbrs_company_link"
    __table_args__ = (UniqueConstraint("portal_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), unique=True)
    company_id: Mapped[int]
    company_name: Mapped[str] = mapped_column(String(200))
    company_number: Mapped[str] = mapped_column(String(20))
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    administration: Mapped[Administration] = relationship()
    chosen_by: Mapped[User | None] = relationship()

    @property
    def chosen_by_hand(self) -> bool:
        return self.chosen_by_id is not None


@event.listens_for(CompanyLink, "before_insert")
def _fill_in_portal(_mapper, connection, link: CompanyLink) -> None:
    if link.portal_id is None:
        link.portal_id = connection.scalar(
            select(Domain.portal_id).join(Administration, Administration.domain_id == Domain.id)
            .where(Administration.id == link.administration_id))


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def label(self) -> str:
        """"succeeded" / "geslaagd": the status in the reader's language."""
        from flask_babel import gettext

        return {"queued": gettext("queued"), "running": gettext("running"),
                "succeeded": gettext("succeeded"), "failed": gettext("failed")}[self.value]


ACTIVE_STATUSES = (ImportStatus.QUEUED.value, ImportStatus.RUNNING.value)


class ImportRun(db.Model):
    """One import job for one administration: what it was asked, what it did, how it ended."""

    __tablename__ = "import_run"
    __table_args__ = (
        Index("ix_import_run_administration_created", "administration_id", "created_at"),
        # At most one queued or running import per administration, whatever its kind.
        Index("uq_import_run_active", "administration_id", unique=True,
              sqlite_where=text("status IN ('queued', 'running')"),
              postgresql_where=text("status IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"))
    # automatic | manual | employees | work-costs
    kind: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[ImportStatus] = mapped_column(
        _enum(ImportStatus, "import_status"), default=ImportStatus.QUEUED)
    # What was asked: {"year": 2026, "run_ids": [...], "documents": ["journal", ...]}
    request: Mapped[dict] = mapped_column(JSON, default=dict)
    documents_total: Mapped[int] = mapped_column(default=0)
    documents_done: Mapped[int] = mapped_column(default=0)
    # What happened: {"journal": 2, "payslips": 6, "employees_created": 1, ...}, keys as in
    # services/import_overview.SUMMARY_LABELS
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)  # in English (also for rows stored before)
    # The same as stored texts (portal/stored_text.py), shown in the reader's language.
    error_texts: Mapped[list | None] = mapped_column(JSON)
    job_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the first attempt started; a re-run (killed worker, retry) keeps it.
    started_at: Mapped[datetime | None]
    # How many times a worker started the job (1 = no re-run).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    finished_at: Mapped[datetime | None]

    administration: Mapped[Administration] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def automatic(self) -> bool:
        return self.kind == "automatic"

    @property
    def shown_error(self) -> str:
        """The error in the reader's language (the stored English for rows stored before)."""
        from portal.stored_text import render

        return render(self.error_texts, self.error or "") if self.error_texts else (
            render(self.error) if self.error else "")


class AutomaticImportState(db.Model):
    """How far an administration's automatic import got: every month up to and including
    `complete_through` (its first day) is fully imported. See services/catch_up.py."""

    __tablename__ = "automatic_import_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), unique=True)
    complete_through: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MissedImport(db.Model):
    """An administration whose automatic import a portal-wide cause stopped (Nmbrs not
    reachable); deleted when its automatic import caught up. See services/outages.py."""

    __tablename__ = "missed_import"
    __table_args__ = (UniqueConstraint("administration_id", "cause"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"), index=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"))
    cause: Mapped[str] = mapped_column(String(200))
    first_missed: Mapped[date]
    last_missed: Mapped[date]

    administration: Mapped[Administration] = relationship()
