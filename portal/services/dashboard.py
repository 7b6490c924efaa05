"""The dashboard: what happened, what needs doing, for the signed-in user's part of the portal.

Portal staff see the whole portal; domain members see only their domains (and no tasks or link
settings, which are the portal's). Every figure comes from a fixed set of queries, so the page
costs the same on a portal of 20 or of 2,000 administrations (tests/test_dashboard.py counts).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, or_, select, union_all

from portal.document_types import (
    ANNUAL_STATEMENTS,
    DOCUMENT_LABELS,
    JOURNAL,
    PAYSLIPS,
    TAX_ASSESSMENTS,
)
from portal.extensions import db
from portal.i18n import TIMEZONE
from portal.models import (
    AnnualStatement,
    CompanyLink,
    Domain,
    DomainMembership,
    ImportRun,
    ImportStatus,
    JournalEntry,
    NmbrsConsent,
    NmbrsSettings,
    PaySlip,
    Task,
    TaskStatus,
    TaxAssessment,
    User,
)
from portal.models.nmbrs_link import PORTAL_SCOPE
from portal.models.structure import Administration
from portal.services.dispatch_time import next_dispatch
from portal.services.effective_settings import rest_domain_ids
from portal.services.task_causes import cause_family

LIST_LIMIT = 20  # rows per list; the rest is a count with a link
AMSTERDAM = ZoneInfo(TIMEZONE)


@dataclass
class Connection:
    connected: bool
    feature_on: bool
    protocol: str = ""
    username: str | None = None
    connected_by: str | None = None
    connected_at: datetime | None = None
    paused_since: datetime | None = None
    rest_domains: int = 0  # domains importing over the REST API (with or without SOAP)


@dataclass
class ConsentLine:
    """A domain's Nmbrs REST consent that needs a Reconnect soon or now."""

    domain_id: int
    domain: str
    debtor: str
    state: str  # refresh-failed | expired | expiring
    moment: datetime | None  # when it failed / expired / expires


@dataclass
class RoundLine:
    administration_id: int
    administration: str
    domain: str
    outcome: str  # imported | nothing-new | failed | waiting
    counts: dict
    error: list | str | None  # stored texts (the page shows them with `shown_text`)
    import_run_id: int


@dataclass
class Round:
    started: datetime
    lines: list[RoundLine]
    totals: dict[str, int]


@dataclass
class Dashboard:
    is_staff: bool
    connection: Connection | None
    last_round: Round | None
    next_round: datetime | None
    task_groups: list[tuple[str, int]] = field(default_factory=list)
    consents: list[ConsentLine] = field(default_factory=list)
    unlinked: list[tuple[int, str, str]] = field(default_factory=list)
    unlinked_total: int = 0
    may_choose_company: set[int] = field(default_factory=set)
    arrived: dict[str, int] = field(default_factory=dict)
    arrived_by_administration: list[tuple[int, str, dict]] = field(default_factory=list)
    arrived_administrations: int = 0
    month_start: datetime | None = None


def build(user: User, now: datetime | None = None) -> Dashboard:
    """Everything on the dashboard of `user`, in a constant number of queries."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    visible = _visible_administrations(user)
    is_staff = user.has_portal_role
    connection = _connection(user) if is_staff else None
    dashboard = Dashboard(
        is_staff=is_staff,
        connection=connection,
        last_round=_last_round(visible),
        next_round=_next_round(now) if user.portal.nmbrs_enabled else None,
    )
    if is_staff:
        dashboard.task_groups = _task_groups(user)
        dashboard.consents = _consents_needing_reconnect(user, now)
    dashboard.unlinked, dashboard.unlinked_total = _unlinked(visible)
    dashboard.may_choose_company = _managed_domain_ids(user)
    dashboard.month_start = _month_start(now)
    _arrived(dashboard, visible, dashboard.month_start)
    return dashboard


# -- whose administrations ----------------------------------------------------------------


def _visible_administrations(user: User):
    """SELECT of the ids of the administrations `user` may see (a subquery, not a list)."""
    query = (select(Administration.id).join(Domain, Domain.id == Administration.domain_id)
             .where(Domain.portal_id == user.portal_id))
    if not user.has_portal_role:
        query = query.where(Domain.id.in_(
            select(DomainMembership.domain_id).where(DomainMembership.user_id == user.id)))
    return query.correlate(None)  # used inside queries over the same tables: never correlate


def _managed_domain_ids(user: User) -> set[int] | None:
    """Domains whose Nmbrs company `user` may choose; None = all. Only portal staff link an
    administration to an Nmbrs company (issue 12): for domain members, none."""
    return None if user.has_portal_role else set()


# -- the link -----------------------------------------------------------------------------


def _connection(user: User) -> Connection:
    portal = user.portal
    row = db.session.execute(
        select(NmbrsSettings.username, NmbrsSettings.connected_at,
               NmbrsSettings.credentials_rejected_at, User.email,
               *_protocol_column())
        .outerjoin(User, User.id == NmbrsSettings.connected_by_id)
        .where(NmbrsSettings.portal_id == portal.id, NmbrsSettings.scope == PORTAL_SCOPE)
    ).first()
    rest_domains = len(rest_domain_ids(portal.id))
    if row is None or row.username is None:
        return Connection(connected=bool(rest_domains) and portal.nmbrs_enabled,
                          feature_on=portal.nmbrs_enabled, rest_domains=rest_domains)
    protocol = getattr(row, "protocol", None) or "soap"
    return Connection(
        connected=portal.nmbrs_enabled, feature_on=portal.nmbrs_enabled,
        protocol=protocol.upper(), username=row.username, connected_by=row.email,
        connected_at=row.connected_at, paused_since=row.credentials_rejected_at,
        rest_domains=rest_domains)


CONSENT_WARN_BEFORE = timedelta(days=7)  # as the daily consent refresh (nmbrs_consent_refresh)
CONSENT_ORDER = {"refresh-failed": 0, "expired": 1, "expiring": 2}


def _consents_needing_reconnect(user: User, now: datetime) -> list[ConsentLine]:
    """The portal's REST consents that expire within 7 days, have expired or could not be
    refreshed: one query."""
    rows = db.session.execute(
        select(NmbrsConsent.domain_id, Domain.name, NmbrsConsent.debtor_name,
               NmbrsConsent.refresh_token_expires_at, NmbrsConsent.refresh_failed_at)
        .join(Domain, Domain.id == NmbrsConsent.domain_id)
        .where(NmbrsConsent.portal_id == user.portal_id,
               or_(NmbrsConsent.refresh_failed_at.is_not(None),
                   NmbrsConsent.refresh_token_expires_at < now + CONSENT_WARN_BEFORE))
    ).all()
    lines = []
    for domain_id, domain, debtor, expires_at, failed_at in rows:
        if failed_at is not None:
            state, moment = "refresh-failed", failed_at
        elif expires_at <= now:
            state, moment = "expired", expires_at
        else:
            state, moment = "expiring", expires_at
        lines.append(ConsentLine(domain_id, domain, debtor, state, moment))
    return sorted(lines, key=lambda line: (CONSENT_ORDER[line.state], line.moment or now,
                                           line.domain))


def _protocol_column():
    """The link's protocol when the settings know it (the REST work adds it), else SOAP."""
    column = getattr(NmbrsSettings, "protocol", None)
    return [column.label("protocol")] if column is not None else []


# -- the automatic rounds -----------------------------------------------------------------


def _last_round(visible) -> Round | None:
    """The automatic imports queued on the day of the latest one (Amsterdam day)."""
    latest = db.session.scalar(
        select(func.max(ImportRun.created_at))
        .where(ImportRun.kind == "automatic", ImportRun.administration_id.in_(visible)))
    if latest is None:
        return None
    day_start = _local_day_start(latest)
    rows = db.session.execute(
        select(ImportRun.id, ImportRun.administration_id, ImportRun.status, ImportRun.summary,
               ImportRun.error, ImportRun.error_texts, ImportRun.created_at, Administration.name,
               Domain.name)
        .join(Administration, Administration.id == ImportRun.administration_id)
        .join(Domain, Domain.id == Administration.domain_id)
        .where(ImportRun.kind == "automatic", ImportRun.administration_id.in_(visible),
               ImportRun.created_at >= day_start, ImportRun.created_at < day_start
               + timedelta(days=1))
        .order_by(ImportRun.administration_id, ImportRun.created_at.desc())
    ).all()
    lines: dict[int, RoundLine] = {}
    for (run_id, administration_id, status, summary, error, error_texts, _created, name,
         domain) in rows:
        if administration_id in lines:
            continue  # an earlier try of the same day: the newest counts
        counts = {key: value for key, value in (summary or {}).items()
                  if isinstance(value, int) and value}
        lines[administration_id] = RoundLine(
            administration_id, name, domain, _outcome(status, counts), counts,
            error_texts or error, run_id)
    ordered = sorted(lines.values(), key=lambda line: (OUTCOME_ORDER[line.outcome],
                                                       line.administration.lower()))
    totals = {outcome: 0 for outcome in OUTCOME_ORDER}
    for line in ordered:
        totals[line.outcome] += 1
    started = min(row.created_at for row in rows)
    return Round(started=started, lines=ordered, totals=totals)


OUTCOME_ORDER = {"failed": 0, "imported": 1, "waiting": 2, "nothing-new": 3}




def _outcome(status: ImportStatus, counts: dict) -> str:
    if status == ImportStatus.FAILED:
        return "failed"
    if status != ImportStatus.SUCCEEDED:
        return "waiting"
    return "imported" if any(counts.get(key) for key in DOCUMENT_LABELS) else "nothing-new"


def _local_day_start(moment_utc: datetime) -> datetime:
    """Midnight in Amsterdam of the day `moment_utc` (naive UTC) falls on, as naive UTC."""
    local = moment_utc.replace(tzinfo=UTC).astimezone(AMSTERDAM)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC).replace(tzinfo=None)


def _month_start(now_utc: datetime) -> datetime:
    local = now_utc.replace(tzinfo=UTC).astimezone(AMSTERDAM)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.astimezone(UTC).replace(tzinfo=None)


def _next_round(now_utc: datetime) -> datetime:
    """The next time the dispatcher queues the automatic imports, as naive UTC
    (IMPORT_DISPATCH_TIME is Amsterdam time: services/dispatch_time.py)."""
    return next_dispatch(now_utc)


# -- tasks, unlinked administrations, documents -------------------------------------------


def _task_groups(user: User) -> list[tuple[str, int]]:
    """Open tasks of the portal by cause family, largest first: one GROUP BY."""
    rows = db.session.execute(
        select(Task.cause, func.count(Task.id))
        .where(Task.portal_id == user.portal_id, Task.status == TaskStatus.OPEN)
        .group_by(Task.cause)
    ).all()
    families: dict[str, int] = {}
    for cause, count in rows:
        family = cause_family(cause)
        families[family] = families.get(family, 0) + count
    return sorted(families.items(), key=lambda item: (-item[1], item[0]))


def _unlinked(visible) -> tuple[list[tuple[int, str, str, int]], int]:
    """Administrations with an active payroll contract and no Nmbrs company: the first ones, and
    how many in all."""
    condition = and_(
        Administration.id.in_(visible),
        Administration.has_active_payroll_contract,
        ~select(CompanyLink.id).where(CompanyLink.administration_id == Administration.id)
        .exists(),
    )
    base = select(Administration.id, Administration.name, Domain.name, Domain.id).join(
        Domain, Domain.id == Administration.domain_id).where(condition)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.execute(base.order_by(Domain.name, Administration.name).limit(LIST_LIMIT))
    return [tuple(row) for row in rows], total


DOCUMENT_MODELS = {JOURNAL: JournalEntry, PAYSLIPS: PaySlip, TAX_ASSESSMENTS: TaxAssessment,
                   ANNUAL_STATEMENTS: AnnualStatement}


def _arrived(dashboard: Dashboard, visible, since: datetime) -> None:
    """Documents imported since the start of this month, by kind and by administration."""
    parts = [
        select(model.administration_id.label("administration_id"), literal(kind).label("kind"),
               func.count(model.id).label("count"))
        .where(model.administration_id.in_(visible), model.imported_at >= since)
        .group_by(model.administration_id)
        for kind, model in DOCUMENT_MODELS.items()
    ]
    counted = union_all(*parts).subquery()
    rows = db.session.execute(
        select(counted.c.administration_id, counted.c.kind, counted.c.count, Administration.name)
        .join(Administration, Administration.id == counted.c.administration_id)
    ).all()
    totals = dict.fromkeys(DOCUMENT_MODELS, 0)
    by_administration: dict[int, tuple[str, dict]] = {}
    for administration_id, kind, count, name in rows:
        totals[kind] += count
        by_administration.setdefault(administration_id, (name, {}))[1][kind] = count
    dashboard.arrived = totals
    ranked = sorted(by_administration.items(),
                    key=lambda item: (-sum(item[1][1].values()), item[1][0].lower()))
    dashboard.arrived_by_administration = [
        (administration_id, name, counts) for administration_id, (name, counts) in ranked
    ][:LIST_LIMIT]
    dashboard.arrived_administrations = len(by_administration)


def may_choose_company(dashboard: Dashboard, domain_id: int) -> bool:
    return dashboard.may_choose_company is None or domain_id in dashboard.may_choose_company


__all__ = ["build", "Dashboard", "may_choose_company", "LIST_LIMIT"]
