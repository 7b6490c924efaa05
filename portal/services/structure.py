"""Creating and changing domains, administrations and memberships.

`actor` is the user who makes the change (for the audit log); None for operator commands."""

from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Administration, Domain, DomainMembership, DomainRole, Portal
from portal.services import audit


class StructureError(ValueError):
    """A change the user asked for that breaks a rule; the message says which."""


def create_domain(portal: Portal, name: str, *, actor=None) -> Domain:
    problem = Domain.name_problem(name)
    if problem:
        raise StructureError(problem)
    if db.session.scalar(select(Domain.id).where(Domain.portal_id == portal.id,
                                                 Domain.name == name)):
        raise StructureError(gettext("A domain named %(name)s already exists.", name=name))
    domain = Domain(portal=portal, name=name)
    db.session.add(domain)
    db.session.flush()
    audit.record(portal.id, "domain.created", domain, {"name": name}, user=actor)
    return domain


def set_domain_nmbrs_feature(domain: Domain, enabled: bool, *, actor=None) -> None:
    """Switch "Payroll connection – Nmbrs" for all administrations of the domain."""
    if domain.nmbrs_enabled == enabled:
        return
    domain.nmbrs_enabled = enabled
    audit.record(domain.portal_id, "domain.nmbrs_feature_" + ("enabled" if enabled else "disabled"),
                 domain, {"name": domain.name}, user=actor)


def add_administration(domain: Domain, name: str, relation_code: str, payroll: bool, *,
                       actor=None) -> Administration:
    """Add an administration; the same name and relation code twice (a double submit) is refused."""
    if administration_exists(domain, name, relation_code):
        raise StructureError(duplicate_administration_message(name, relation_code))
    administration = Administration(
        domain=domain, name=name, relation_code=relation_code, payroll_contract=payroll
    )
    db.session.add(administration)
    db.session.flush()
    audit.record(domain.portal_id, "administration.created", administration,
                 {"name": name, "relation_code": relation_code, "payroll_contract": payroll},
                 user=actor)
    return administration


def administration_exists(domain: Domain, name: str, relation_code: str,
                          other_than: Administration | None = None) -> bool:
    query = select(Administration.id).where(Administration.domain_id == domain.id,
                                            Administration.name == name,
                                            Administration.relation_code == relation_code)
    if other_than is not None:
        query = query.where(Administration.id != other_than.id)
    return db.session.scalar(query) is not None


def duplicate_administration_message(name: str, relation_code: str) -> str:
    return gettext("This domain already has an administration %(name)s with relation code "
                   "%(code)s.", name=name, code=relation_code)


def update_administration(administration: Administration, name: str, relation_code: str,
                          payroll: bool, *, actor=None) -> None:
    if administration_exists(administration.domain, name, relation_code, other_than=administration):
        raise StructureError(duplicate_administration_message(name, relation_code))
    changes = {}
    for field, value in (("name", name), ("relation_code", relation_code),
                         ("payroll_contract", payroll)):
        if getattr(administration, field) != value:
            changes[field] = {"from": getattr(administration, field), "to": value}
            setattr(administration, field, value)
    if changes:
        audit.record(administration.domain.portal_id, "administration.updated", administration,
                     changes, user=actor)


def set_member_roles(domain: Domain, user, roles: set[DomainRole], *, actor=None) -> None:
    """Give `user` exactly `roles` in `domain` (an empty set removes the membership)."""
    current = {m.role: m for m in domain.memberships if m.user_id == user.id}
    for role in set(current) - roles:
        db.session.delete(current[role])
    for role in roles - set(current):
        db.session.add(DomainMembership(domain=domain, user=user, role=role))
    if set(current) != roles:
        audit.record(domain.portal_id, "domain.member_roles_set", domain,
                     {"user": user.email, "roles": sorted(r.value for r in roles)}, user=actor)
