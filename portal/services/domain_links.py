"""How each domain is linked to Nmbrs, for the domains list: whether its administrations import
(all through the domain's switch, some with their own payroll contract, or none), and a warning
when every automatic import of a linked domain is switched off.

A fixed number of queries whatever the number of domains and administrations: the settings rows
of the portal, one aggregate of linked administrations per domain, and the few administrations
with settings of their own. The others share their domain's settings in force."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from portal.extensions import db
from portal.models import Administration, Domain, NmbrsSettings, Portal
from portal.models.nmbrs_link import PORTAL_SCOPE
from portal.services.effective_settings import _rows_query, compute


@dataclass(frozen=True)
class DomainLink:
    # "all" (the domain's switch) | "some" (own payroll contracts) | "none" | "portal-off"
    state: str
    linked: int  # administrations with an active payroll contract
    total: int
    importing: int  # of the linked ones: with an automatic import switched on
    all_imports_off: bool  # linked and connected, but not one automatic import is on


def domain_links(portal: Portal, domains) -> dict[int, DomainLink]:
    """By domain id, for `domains`: (Domain, number of administrations) rows."""
    domain_ids = [domain.id for domain, _count in domains]
    if not domain_ids:
        return {}
    linked = dict(db.session.execute(
        select(Administration.domain_id, func.count(Administration.id))
        .join(Domain, Domain.id == Administration.domain_id)
        .where(Administration.domain_id.in_(domain_ids),
               or_(Administration.payroll_contract, Domain.nmbrs_enabled))
        .group_by(Administration.domain_id)).all())
    rows = {row.scope: row for row in db.session.scalars(_rows_query(portal.id))}
    own_ids = [int(scope.partition(":")[2]) for scope in rows
               if scope.startswith("administration:")]
    own_by_domain: dict[int, list[int]] = {}
    if own_ids:
        for administration_id, domain_id in db.session.execute(
                select(Administration.id, Administration.domain_id)
                .join(Domain, Domain.id == Administration.domain_id)
                .where(Administration.id.in_(own_ids),
                       or_(Administration.payroll_contract, Domain.nmbrs_enabled))).all():
            own_by_domain.setdefault(domain_id, []).append(administration_id)
    portal_row = rows.get(PORTAL_SCOPE)
    links = {}
    for domain, total in domains:
        count = linked.get(domain.id, 0)
        domain_row = rows.get(NmbrsSettings.scope_for(domain_id=domain.id))
        shared = compute(portal.nmbrs_enabled, None, domain_row, portal_row)
        own = [compute(portal.nmbrs_enabled,
                       rows.get(NmbrsSettings.scope_for(administration_id=administration_id)),
                       domain_row, portal_row)
               for administration_id in own_by_domain.get(domain.id, [])]
        in_force = own + [shared] * (count - len(own))
        importing = sum(1 for settings in in_force if settings.auto_import_enabled)
        if not portal.nmbrs_enabled:
            state = "portal-off"
        elif domain.nmbrs_enabled:
            state = "all"
        else:
            state = "some" if count else "none"
        links[domain.id] = DomainLink(
            state=state, linked=count, total=total, importing=importing,
            all_imports_off=bool(in_force) and importing == 0
            and all(settings.connected and not settings.paused for settings in in_force))
    return links
