"""The portal's structure: portal → domains → administrations → employees."""

import re
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import ForeignKey, String, UniqueConstraint, or_, select
from sqlalchemy import false as sa_false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedText
from portal.extensions import db
from portal.models._common import utcnow

DOMAIN_NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DOMAIN_NAME_MAX_LENGTH = 63


class Portal(db.Model):
    """The accounting firm."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The "Payroll connection – Nmbrs" feature, switched on by the operator (the contract).
    nmbrs_enabled: Mapped[bool] = mapped_column(default=False)
    # The operator locked the feature off (the firm's contract does not include it): a Portal
    # administrator cannot switch it on in Settings. `flask enable-feature nmbrs` unlocks it.
    nmbrs_locked: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    domains: Mapped[list["Domain"]] = relationship(back_populates="portal")


class Domain(db.Model):
    """A client group; its name equals the Nmbrs debtor name and never changes. Names are unique
    within a portal (another firm's domain names are none of this portal's business)."""

    __table_args__ = (UniqueConstraint("portal_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"), index=True)
    name: Mapped[str] = mapped_column(String(DOMAIN_NAME_MAX_LENGTH))
    # The "Payroll connection – Nmbrs" feature for every administration of the domain.
    nmbrs_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    portal: Mapped[Portal] = relationship(back_populates="domains")
    administrations: Mapped[list["Administration"]] = relationship(
        back_populates="domain", order_by="Administration.name"
    )
    memberships: Mapped[list["DomainMembership"]] = relationship(  # noqa: F821
        back_populates="domain", cascade="all, delete-orphan"
    )

    @staticmethod
    def name_problem(name: str) -> str | None:
        """Why `name` cannot be a domain name, or None when it can."""
        if not name:
            return gettext("Enter a domain name.")
        if len(name) > DOMAIN_NAME_MAX_LENGTH:
            return gettext("A domain name has at most %(count)s characters.",
                           count=DOMAIN_NAME_MAX_LENGTH)
        if not DOMAIN_NAME_PATTERN.fullmatch(name):
            return gettext(
                "Use only lowercase letters, digits and dashes, "
                "not starting or ending with a dash (for example bakkerij-de-vries)."
            )
        return None


class Administration(db.Model):
    """A bookkeeping entity of a domain; matched to a Nmbrs company by name and relation code, so
    a domain has each (name, relation code) once: a double submit cannot create two."""

    __table_args__ = (UniqueConstraint("domain_id", "name", "relation_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relation_code: Mapped[str] = mapped_column(String(20))
    # The administration's own payroll contract; the domain's feature also grants one.
    payroll_contract: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    domain: Mapped[Domain] = relationship(back_populates="administrations")
    employees: Mapped[list["Employee"]] = relationship(
        back_populates="administration", order_by="Employee.number"
    )

    @hybrid_property
    def has_active_payroll_contract(self) -> bool:
        """Own payroll contract, or the domain's Nmbrs feature: the one rule for "linked"."""
        return self.payroll_contract or self.domain.nmbrs_enabled

    @has_active_payroll_contract.inplace.expression
    @classmethod
    def _has_active_payroll_contract_expression(cls):
        # Its own FROM, so that queries which also join Domain can use it too.
        domain_enabled = (
            select(Domain.nmbrs_enabled).where(Domain.id == cls.domain_id)
            .correlate_except(Domain).scalar_subquery()
        )
        return or_(cls.payroll_contract, domain_enabled)


class Employee(db.Model):
    """An employee of an administration, matched to Nmbrs by employee number."""

    __table_args__ = (UniqueConstraint("administration_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    # Personal data: encrypted at rest, shown masked.
    iban: Mapped[str | None] = mapped_column(EncryptedText)
    bsn: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    administration: Mapped[Administration] = relationship(back_populates="employees")

    @property
    def address(self) -> str:
        street = " ".join(part for part in (self.street, self.house_number) if part)
        place = "  ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (street, place) if part)

    @property
    def masked_iban(self) -> str:
        return mask(self.iban, visible=4)

    @property
    def masked_bsn(self) -> str:
        return mask(self.bsn, visible=2)


def mask(value: str | None, visible: int) -> str:
    """Show only the last `visible` characters, e.g. "•••• 4300"."""
    if not value:
        return "—"
    return "•••• " + value[-visible:]
