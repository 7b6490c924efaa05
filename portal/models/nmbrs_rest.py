"""Nmbrs REST: the portal's API application and one OAuth consent per domain (= debtor).

Secrets (client secret, subscription key, tokens) are encrypted at rest with `EncryptedText` and
never rendered. A consent's refresh token rotates on every refresh: `portal.services.
nmbrs_consent_tokens` stores the new one before the new access token is used.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedText
from portal.extensions import db
from portal.models._common import utcnow
from portal.models.accounts import User
from portal.models.structure import Domain


class NmbrsApiApplication(db.Model):
    """The app registered with Nmbrs, entered once per portal by a portal administrator."""

    __tablename__ = "nmbrs_api_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           unique=True)
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(EncryptedText)
    subscription_key: Mapped[str] = mapped_column(EncryptedText)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    updated_by: Mapped[User | None] = relationship()


class NmbrsConsent(db.Model):
    """One debtor's consent for one domain: who gave it, what it allows, its tokens."""

    __tablename__ = "nmbrs_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id", ondelete="CASCADE"),
                                           unique=True)
    debtor_guid: Mapped[str] = mapped_column(String(36))
    debtor_number: Mapped[str] = mapped_column(String(40), default="")
    debtor_name: Mapped[str] = mapped_column(String(200), default="")
    nmbrs_user: Mapped[str] = mapped_column(String(254), default="")  # who consented in Nmbrs
    consented_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    scopes: Mapped[str] = mapped_column(Text, default="")  # space-separated, as granted

    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_token_expires_at: Mapped[datetime | None]
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token_expires_at: Mapped[datetime | None]
    last_refreshed_at: Mapped[datetime | None]
    refresh_failed_at: Mapped[datetime | None]
    # 42909: no imports for this consent until then (the quota resets on a billing cycle).
    paused_until: Mapped[datetime | None]
    # The domain imports over REST from this moment (domains move one by one).
    active_since: Mapped[datetime | None]

    domain: Mapped[Domain] = relationship()
    consented_by: Mapped[User | None] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def connected(self) -> bool:
        return self.refresh_token is not None


class NmbrsIdMap(db.Model):
    """REST GUID ↔ the int id the app stores, per portal and kind of Nmbrs object.

    The SOAP ids found by `flask nmbrs-migrate-to-rest` (converters, human keys) are kept as they
    are, so documents imported over SOAP are found again over REST. Objects first seen over REST
    get a negative id (never a SOAP id), so every stored id column stays an int.
    """

    __tablename__ = "nmbrs_id_map"
    __table_args__ = (
        UniqueConstraint("portal_id", "entity", "guid"),
        UniqueConstraint("portal_id", "entity", "int_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(20))  # Debtor, Company, Employee, Run, WageTax
    int_id: Mapped[int]
    guid: Mapped[str] = mapped_column(String(36))
    source: Mapped[str] = mapped_column(String(20), default="rest")  # converter, key, rest
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
