"""The Nmbrs link settings of the portal, and the different settings of domains and administrations.

One table, one row per scope: the portal's row holds the link (credentials and defaults); a
domain's or an administration's row holds only what differs. Every setting column is nullable:
NULL means "as the parent" (administration → domain → portal). The effective values are computed
in one place, `portal.services.effective_settings`.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedText
from portal.extensions import db
from portal.models._common import utcnow
from portal.models.accounts import User

PORTAL_SCOPE = "portal"


class NmbrsSettings(db.Model):
    __tablename__ = "nmbrs_settings"
    __table_args__ = (
        # "portal", "domain:<id>" or "administration:<id>": one row per scope (a unique index
        # over nullable columns would let NULLs repeat).
        UniqueConstraint("portal_id", "scope"),
        CheckConstraint("domain_id IS NULL OR administration_id IS NULL", name="one_scope"),
        CheckConstraint("first_day IS NULL OR (first_day BETWEEN 1 AND 31)", name="first_day"),
        CheckConstraint("last_day IS NULL OR (last_day BETWEEN 1 AND 31)", name="last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[int | None] = mapped_column(
        ForeignKey("domain.id", ondelete="CASCADE"), index=True
    )
    administration_id: Mapped[int | None] = mapped_column(
        ForeignKey("administration.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(40))

    # Credentials: both set or both NULL. The token is encrypted at rest and never rendered.
    username: Mapped[str | None] = mapped_column(String(254))
    token: Mapped[str | None] = mapped_column(EncryptedText)
    subdomain: Mapped[str | None] = mapped_column(String(100))
    # Set when Nmbrs rejected these credentials during an import; cleared when they change.
    credentials_rejected_at: Mapped[datetime | None]

    import_payslips: Mapped[bool | None]
    import_journals: Mapped[bool | None]
    import_tax_assessments: Mapped[bool | None]
    import_late_runs: Mapped[bool | None]
    first_day: Mapped[int | None]
    last_day: Mapped[int | None]

    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    connected_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    connected_by: Mapped[User | None] = relationship()

    @staticmethod
    def scope_for(domain_id: int | None = None, administration_id: int | None = None) -> str:
        if administration_id is not None:
            return f"administration:{administration_id}"
        if domain_id is not None:
            return f"domain:{domain_id}"
        return PORTAL_SCOPE

    @property
    def level(self) -> str:
        """"portal", "domain" or "administration"."""
        return self.scope.partition(":")[0]

    @property
    def has_credentials(self) -> bool:
        return self.username is not None

    @property
    def masked_token(self) -> str:
        """The token as "•••• " + its last 4 characters; decrypts it, so only for one row."""
        return "•••• " + self.token[-4:] if self.token else "—"
