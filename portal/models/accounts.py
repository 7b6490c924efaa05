"""Users, their portal role, and their roles in domains."""

import enum
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._common import utcnow
from portal.models.structure import Domain, Portal

_hasher = PasswordHasher()  # Argon2id with defaults above OWASP's minimum


class PortalRole(enum.StrEnum):
    ADMIN = "portal-admin"
    BACK_OFFICE = "portal-back-office"

    @property
    def label(self) -> str:
        return {"portal-admin": "Portal administrator", "portal-back-office": "Portal back office"}[
            self.value
        ]


class DomainRole(enum.StrEnum):
    BACK_OFFICE = "back-office"
    MANAGEMENT = "management"
    HRM = "hrm"

    @property
    def label(self) -> str:
        return {"back-office": "Back office", "management": "Management", "hrm": "HRM"}[self.value]


def _enum(enum_class, name):
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        length=30,
    )


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    portal_role: Mapped[PortalRole | None] = mapped_column(_enum(PortalRole, "portal_role"))
    # Bumped on password change: every other session of the user ends (see get_id).
    session_version: Mapped[int] = mapped_column(default=1)
    # The interface language the user chose ("nl" or "en"); NULL = as the browser asks.
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    portal: Mapped[Portal] = relationship()
    memberships: Mapped[list["DomainMembership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def end_other_sessions(self) -> None:
        self.session_version += 1

    @property
    def is_portal_admin(self) -> bool:
        return self.portal_role == PortalRole.ADMIN

    @property
    def has_portal_role(self) -> bool:
        return self.portal_role is not None

    def domain_roles(self, domain: Domain) -> set[DomainRole]:
        return {m.role for m in self.memberships if m.domain_id == domain.id}


def verify_dummy_password(password: str) -> None:
    """As much Argon2 work as checking a real password, for an e-mail address without an account:
    both answers take the same time, so timing does not tell which addresses exist."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("no account has this password")
    try:
        _hasher.verify(_dummy_hash, password)
    except (VerificationError, InvalidHashError):
        pass


_dummy_hash: str | None = None


class UserSession(db.Model):
    """One signed-in browser. The session cookie carries the token; signing out deletes the row,
    so a copied cookie stops working at once (the cookie alone is not enough)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # SHA-256 of the token: a database dump does not yield a usable session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DomainMembership(db.Model):
    """One role of one user in one domain."""

    __table_args__ = (UniqueConstraint("user_id", "domain_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"), index=True)
    role: Mapped[DomainRole] = mapped_column(_enum(DomainRole, "domain_role"))

    user: Mapped[User] = relationship(back_populates="memberships")
    domain: Mapped[Domain] = relationship(back_populates="memberships")
