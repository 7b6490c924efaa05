"""The task inbox: error notifications raised by the imports, handled by portal users."""

import enum
import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._common import utcnow
from portal.models.accounts import User
from portal.models.structure import Administration, Portal
from portal.stored_text import render


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return {"open": _l("Open"), "completed": _l("Completed")}[self.value]


class Task(db.Model):
    """One problem of one administration (or of the whole portal), however often it recurs.

    `dedupe_key` is "<administration id or 'portal'>:<cause>" and unique per portal, so two
    workers raising the same problem at once cannot create two tasks (NULL administration ids
    would not collide in a plain unique constraint).
    """

    __table_args__ = (
        UniqueConstraint("portal_id", "dedupe_key", name="uq_task_portal_id_dedupe_key"),
        # The Tasks page: my portal's tasks of one status, newest problems first.
        Index("ix_task_portal_id_status_last_seen", "portal_id", "status", "last_seen"),
        # The badge and the "assigned to me" filter.
        Index("ix_task_assignee_id_status", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    administration_id: Mapped[int | None] = mapped_column(
        ForeignKey("administration.id"), index=True
    )
    cause: Mapped[str] = mapped_column(String(200))
    dedupe_key: Mapped[str] = mapped_column(String(220))
    # The English title and message (also the text shown for rows stored before `texts`).
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    # {"title": stored text, "message": stored text} (portal/stored_text.py): shown in the
    # reader's language.
    texts: Mapped[dict | None] = mapped_column(JSON)
    # [[label, url], ...]: where the user fixes the problem.
    links: Mapped[list] = mapped_column(JSON, default=list)
    # The import run that last hit the problem (no foreign key: the runs table is another issue's).
    import_run_id: Mapped[int | None]
    status: Mapped[TaskStatus] = mapped_column(
        Enum(TaskStatus, name="task_status", native_enum=False, validate_strings=True,
             values_callable=lambda members: [m.value for m in members], length=20),
        default=TaskStatus.OPEN,
    )
    occurrences: Mapped[int] = mapped_column(default=1)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    # None = the portal administrators as a group (every Portal administrator sees it as theirs).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_at: Mapped[datetime | None]
    # None with completed_at set = completed automatically (see completed_reason).
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_reason: Mapped[str | None] = mapped_column(String(200))

    portal: Mapped[Portal] = relationship()
    administration: Mapped[Administration | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def assignee_label(self) -> str:
        return self.assignee.email if self.assignee else str(_l("Portal administrators"))

    @property
    def shown_message(self) -> str:
        """The message in the reader's language (the stored English for rows stored before)."""
        return render((self.texts or {}).get("message"), self.message)

    @property
    def shown_completed_reason(self) -> str:
        """Why it was completed, in the reader's language (a stored text as JSON, or an English
        message id)."""
        reason = self.completed_reason or ""
        if reason.startswith("{"):
            try:
                return render(json.loads(reason))
            except ValueError:
                pass
        return render(reason)

    @property
    def link_pairs(self) -> list[tuple[str, str]]:
        """The links, keeping only local paths and http(s) URLs (never javascript: and the like);
        the labels (stored as English message ids) in the reader's language."""
        return [(render(label), url) for label, url in (self.links or [])
                if (url.startswith("/") and not url.startswith("//"))
                or url.startswith(("https://", "http://"))]
