"""The Nmbrs settings in force for an administration: administration → domain → portal.

This is the one place that computes them; the settings screen shows what it returns and the
import jobs act on it. Rules:

- Settings come in three groups, each taken as a whole from the nearest scope that has its own
  value: the credentials (user name + token), the import preferences (pay slips, journals, tax
  assessments, runs of earlier months) and the days (first + last). Nothing set anywhere means the
  defaults below, reported as coming from the portal.
- `connected` needs the portal's feature on and the portal's own link in place. Disconnecting the
  portal stops every automatic import, also of domains and administrations with credentials of
  their own; those stay stored (encrypted) and are used again after the portal reconnects.
  A domain that imports over the REST API (its consent is active, issue 11) is connected by
  its consent, with or without the SOAP link (a portal can run on REST alone).
- `paused`: Nmbrs rejected the SOAP credentials in force (`mark_credentials_rejected`);
  automatic imports wait until someone changes those credentials (saving new ones clears the
  mark). A domain on REST is not paused by them.
"""

import calendar
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import defer

from portal.document_types import (
    DAYS,
    DOCUMENT_SWITCHES,
    IMPORT_FLAGS,
    PREFERENCE_DEFAULTS,
)
from portal.extensions import db
from portal.models import Administration, Domain, NmbrsSettings, Portal
from portal.models._common import utcnow
from portal.models.nmbrs_link import PORTAL_SCOPE
from portal.services import audit
from portal.stored_text import N_

# The groups an override sets as a whole, and the column telling whether a row sets the group.
GROUPS = {"credentials": ("username",), "imports": IMPORT_FLAGS, "days": DAYS}
GROUP_MARKER = {"credentials": "username", "imports": IMPORT_FLAGS[0], "days": DAYS[0]}
DEFAULTS = PREFERENCE_DEFAULTS


@dataclass(frozen=True)
class EffectiveSettings:
    connected: bool
    credentials_id: int | None
    username: str | None
    credentials_source: str
    import_payslips: bool
    import_journals: bool
    import_tax_assessments: bool
    import_late_runs: bool
    first_day: int
    last_day: int
    sources: dict[str, str] = field(default_factory=dict)
    paused: bool = False
    protocol: str = "soap"  # "rest": the domain imports over the REST API with its consent

    @property
    def auto_import_enabled(self) -> bool:
        return (self.connected and not self.paused
                and any(getattr(self, switch) for switch in DOCUMENT_SWITCHES))

    def in_window(self, day: date) -> bool:
        """True when `day` lies within the import days of its month (31 = the month's last day)."""
        month_length = calendar.monthrange(day.year, day.month)[1]
        first = min(self.first_day, month_length)
        last = min(self.last_day, month_length)
        return first <= day.day <= last

    @property
    def import_all(self) -> bool:
        return all(getattr(self, switch) for switch in DOCUMENT_SWITCHES)


def compute(portal_enabled: bool, *rows: NmbrsSettings | None,
            rest: bool = False) -> EffectiveSettings:
    """Effective settings from the rows of one chain, nearest first (administration, domain,
    portal; missing ones as None). Reads only unencrypted columns. `rest`: the domain imports
    over the REST API (`rest_domain_ids`)."""
    chain = [row for row in rows if row is not None]
    portal_row = next((row for row in chain if row.scope == PORTAL_SCOPE), None)
    values: dict = {}
    sources: dict[str, str] = {}
    for group, names in (("imports", IMPORT_FLAGS), ("days", DAYS)):
        row = _nearest(chain, group)
        for name in names:
            value = getattr(row, name) if row is not None else None
            values[name] = DEFAULTS[name] if value is None else value
            sources[name] = row.level if row is not None else PORTAL_SCOPE
    credentials = _nearest(chain, "credentials")
    sources["credentials"] = credentials.level if credentials is not None else PORTAL_SCOPE
    soap = bool(portal_enabled and portal_row is not None and portal_row.has_credentials)
    return EffectiveSettings(
        connected=soap or bool(portal_enabled and rest),
        credentials_id=credentials.id if soap else None,
        username=credentials.username if credentials is not None else None,
        credentials_source=sources["credentials"],
        sources=sources,
        paused=bool(soap and not rest and credentials.credentials_rejected_at is not None),
        protocol="rest" if rest else "soap",
        **values,
    )


def rest_domain_ids(portal_id: int, domain_ids: Iterable[int] | None = None) -> set[int]:
    """The domains of a portal (or of `domain_ids`) that import over the REST API: one query."""
    from portal.models import NmbrsConsent

    query = select(NmbrsConsent.domain_id).where(NmbrsConsent.portal_id == portal_id,
                                                 NmbrsConsent.active_since.is_not(None))
    if domain_ids is not None:
        query = query.where(NmbrsConsent.domain_id.in_(list(domain_ids)))
    return set(db.session.scalars(query))


def _nearest(chain: Iterable[NmbrsSettings], group: str) -> NmbrsSettings | None:
    marker = GROUP_MARKER[group]
    return next((row for row in chain if getattr(row, marker) is not None), None)


def _rows_query(portal_id: int):
    # The token is decrypted only when it is really needed (credentials_for, the masked summary).
    return select(NmbrsSettings).where(NmbrsSettings.portal_id == portal_id).options(
        defer(NmbrsSettings.token)
    )


def effective_settings(administration: Administration) -> EffectiveSettings:
    """The settings in force for one administration (one query for the settings rows)."""
    domain = administration.domain
    scopes = [PORTAL_SCOPE, NmbrsSettings.scope_for(domain_id=domain.id),
              NmbrsSettings.scope_for(administration_id=administration.id)]
    rows = {row.scope: row for row in db.session.scalars(
        _rows_query(domain.portal_id).where(NmbrsSettings.scope.in_(scopes)))}
    return compute(domain.portal.nmbrs_enabled, *(rows.get(scope) for scope in reversed(scopes)),
                   rest=bool(rest_domain_ids(domain.portal_id, [domain.id])))


def settings_rows(portal_id: int, domain_ids: Iterable[int] = (),
                  administrations_of: int | None = None) -> dict[str, NmbrsSettings]:
    """The portal's row, those of the given domains and, with `administrations_of` (a domain
    id), those of that domain's administrations, by scope: one query."""
    scopes = [PORTAL_SCOPE, *(NmbrsSettings.scope_for(domain_id=i) for i in domain_ids)]
    condition = NmbrsSettings.scope.in_(scopes)
    if administrations_of is not None:
        condition = or_(condition, NmbrsSettings.administration_id.in_(
            select(Administration.id).where(Administration.domain_id == administrations_of)))
    return {row.scope: row for row in db.session.scalars(_rows_query(portal_id).where(condition))}


def effective_settings_for_all(portal: Portal) -> dict[int, EffectiveSettings]:
    """Settings in force for every administration with an active payroll contract, by id.

    Two queries whatever the size of the portal."""
    rows = {row.scope: row for row in db.session.scalars(_rows_query(portal.id))}
    administrations = db.session.execute(
        select(Administration.id, Administration.domain_id)
        .join(Domain, Domain.id == Administration.domain_id)
        .where(Domain.portal_id == portal.id, Administration.has_active_payroll_contract)
        .order_by(Administration.id)
    ).all()
    portal_row = rows.get(PORTAL_SCOPE)
    rest = rest_domain_ids(portal.id)
    return {
        administration_id: compute(
            portal.nmbrs_enabled,
            rows.get(NmbrsSettings.scope_for(administration_id=administration_id)),
            rows.get(NmbrsSettings.scope_for(domain_id=domain_id)),
            portal_row,
            rest=domain_id in rest,
        )
        for administration_id, domain_id in administrations
    }


# --- what the settings screen lists -----------------------------------------------------------

@dataclass(frozen=True)
class DomainLine:
    """A domain on the settings screen: its settings in force, whether it has its own, and how
    many of its administrations (with a payroll contract) there are and have their own."""

    domain: Domain
    settings: EffectiveSettings
    has_override: bool
    administrations: int
    administration_overrides: int


@dataclass(frozen=True)
class DomainsPage:
    lines: list[DomainLine]
    page: int
    pages: int
    total: int


def domains_with_payroll(portal: Portal, page: int, per_page: int) -> DomainsPage:
    """One page of the domains with an administration with an active payroll contract.

    A constant number of queries: count, page, settings rows, administration counts."""
    has_payroll = exists(select(Administration.id).where(
        Administration.domain_id == Domain.id, Administration.has_active_payroll_contract))
    base = select(Domain).where(Domain.portal_id == portal.id, has_payroll)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    domains = db.session.scalars(
        base.order_by(Domain.name).limit(per_page).offset((page - 1) * per_page)).all()
    ids = [domain.id for domain in domains]
    rows = settings_rows(portal.id, ids)
    counts = _administration_counts(ids)
    portal_row = rows.get(PORTAL_SCOPE)
    rest = rest_domain_ids(portal.id, ids)
    lines = []
    for domain in domains:
        scope = NmbrsSettings.scope_for(domain_id=domain.id)
        lines.append(DomainLine(domain, compute(portal.nmbrs_enabled, rows.get(scope), portal_row,
                                                rest=domain.id in rest),
                                scope in rows, *counts.get(domain.id, (0, 0))))
    return DomainsPage(lines, page, pages, total)


def _administration_counts(domain_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per domain: its administrations with a payroll contract, and how many have own settings."""
    if not domain_ids:
        return {}
    return {
        domain_id: (administrations, overrides)
        for domain_id, administrations, overrides in db.session.execute(
            select(Administration.domain_id, func.count(Administration.id),
                   func.count(NmbrsSettings.id))
            .outerjoin(NmbrsSettings, NmbrsSettings.administration_id == Administration.id)
            .where(Administration.domain_id.in_(domain_ids),
                   Administration.has_active_payroll_contract)
            .group_by(Administration.domain_id))
    }


@dataclass(frozen=True)
class AdministrationLine:
    administration: Administration
    settings: EffectiveSettings
    has_override: bool


@dataclass(frozen=True)
class DomainOverview:
    """A domain's own row, its settings and the portal's, and its administrations with theirs."""

    domain: Domain
    domain_row: NmbrsSettings | None
    settings: EffectiveSettings
    portal_settings: EffectiveSettings
    administrations: list[AdministrationLine]


def domain_overview(domain: Domain) -> DomainOverview:
    """Everything the domain's settings page shows: three queries."""
    enabled = domain.portal.nmbrs_enabled
    rows = settings_rows(domain.portal_id, [domain.id], administrations_of=domain.id)
    portal_row = rows.get(PORTAL_SCOPE)
    domain_row = rows.get(NmbrsSettings.scope_for(domain_id=domain.id))
    administrations = db.session.scalars(
        select(Administration)
        .where(Administration.domain_id == domain.id, Administration.has_active_payroll_contract)
        .order_by(Administration.name)
    ).all()
    rest = bool(rest_domain_ids(domain.portal_id, [domain.id]))
    lines = []
    for administration in administrations:
        scope = NmbrsSettings.scope_for(administration_id=administration.id)
        lines.append(AdministrationLine(
            administration, compute(enabled, rows.get(scope), domain_row, portal_row, rest=rest),
            scope in rows))
    return DomainOverview(domain, domain_row, compute(enabled, domain_row, portal_row, rest=rest),
                          compute(enabled, portal_row), lines)


@dataclass(frozen=True)
class AdministrationOverview:
    """An administration's own row, its settings in force and what it inherits."""

    administration: Administration
    own_row: NmbrsSettings | None
    settings: EffectiveSettings
    parent_settings: EffectiveSettings


def administration_overview(administration: Administration) -> AdministrationOverview:
    domain = administration.domain
    rows = settings_rows(domain.portal_id, [domain.id])
    own_scope = NmbrsSettings.scope_for(administration_id=administration.id)
    own = db.session.scalar(_rows_query(domain.portal_id).where(NmbrsSettings.scope == own_scope))
    domain_row = rows.get(NmbrsSettings.scope_for(domain_id=domain.id))
    enabled = domain.portal.nmbrs_enabled
    rest = bool(rest_domain_ids(domain.portal_id, [domain.id]))
    return AdministrationOverview(
        administration, own,
        compute(enabled, own, domain_row, rows.get(PORTAL_SCOPE), rest=rest),
        compute(enabled, domain_row, rows.get(PORTAL_SCOPE), rest=rest))


def overrides_with_credentials(portal: Portal) -> int:
    """How many domains and administrations of the portal have Nmbrs credentials of their own."""
    return db.session.scalar(select(func.count(NmbrsSettings.id)).where(
        NmbrsSettings.portal_id == portal.id, NmbrsSettings.scope != PORTAL_SCOPE,
        NmbrsSettings.username.is_not(None)))


def credentials_for(credentials_id: int) -> tuple[str, str]:
    """The user name and decrypted token of a settings row; for the import jobs only.

    Never log, store or pass the token on (not in job arguments either)."""
    row = db.session.get(NmbrsSettings, credentials_id)
    if row is None or not row.has_credentials:
        raise LookupError(f"No Nmbrs credentials with id {credentials_id}.")
    return row.username, row.token


def mark_credentials_rejected(credentials_id: int) -> None:
    """Nmbrs rejected these credentials: pause the automatic imports that use them.

    Added to the session with an audit entry; the caller commits. Saving changed credentials
    clears the mark."""
    row = db.session.get(NmbrsSettings, credentials_id)
    if row is None or row.credentials_rejected_at is not None:
        return
    row.credentials_rejected_at = utcnow()
    audit.record(row.portal_id, "nmbrs.credentials_rejected", row, {"scope": row.scope},
                 user=None)


def credentials_work(credentials_id: int) -> None:
    """Nmbrs accepted these credentials (an import succeeded): un-pause their automatic imports
    and complete their "credentials rejected" task. The caller commits."""
    from portal.services import tasks

    row = db.session.get(NmbrsSettings, credentials_id)
    if row is None:
        return
    tasks.resolve_portal_cause(row.portal_id, f"credentials.invalid:{row.id}",
                               N_("Nmbrs accepted the credentials again: an import succeeded."))
    if row.credentials_rejected_at is not None:
        row.credentials_rejected_at = None
        audit.record(row.portal_id, "nmbrs.credentials_accepted_again", row,
                     {"scope": row.scope}, user=None)
