"""The daily consent check: refresh every Nmbrs REST consent well before it expires, and make a
task (naming the domain, with a Reconnect link) for each one that cannot be refreshed or whose
refresh token expires within 7 days. Whether the 30-day lifetime slides on refresh is unknown
(nmbrs-rest-api.md §2.5, §6.2): a daily refresh keeps a sliding one alive, the task catches an
absolute one in time."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import NmbrsConsent
from portal.models._common import utcnow
from portal.nmbrs.errors import NmbrsError
from portal.services import tasks
from portal.services.links import path
from portal.services.nmbrs_consent import application_for, oauth_for
from portal.services.nmbrs_consent_tokens import ConsentTokens
from portal.stored_text import N_, day, text

log = logging.getLogger(__name__)

WARN_BEFORE = timedelta(days=7)


@dataclass(frozen=True)
class RefreshOutcome:
    refreshed: int
    tasks: int


def refresh_all_consents(redis) -> RefreshOutcome:
    """Refresh each connected consent once; returns how many were refreshed and tasks raised."""
    refreshed = raised = 0
    consents = db.session.scalars(select(NmbrsConsent).where(
        NmbrsConsent.refresh_token.is_not(None))).all()
    for consent in consents:
        problem = _refresh(consent, redis)
        db.session.expire(consent)
        if problem is None:
            refreshed += 1
            expires = consent.refresh_token_expires_at
            if expires is not None and expires - utcnow() < WARN_BEFORE:
                problem = text(N_("Its consent expires on %(day)s; Nmbrs does not extend it. "
                                  "Reconnect the domain before then, or its imports stop."),
                               day=day(expires))
        if problem is not None:
            _raise(consent, problem)
            raised += 1
    db.session.commit()
    return RefreshOutcome(refreshed, raised)


def _refresh(consent: NmbrsConsent, redis) -> dict | None:
    application = application_for(consent.domain.portal)
    if application is None:
        return text(N_("The Nmbrs API application is missing: enter it, then Reconnect the "
                       "domain."))
    tokens = ConsentTokens(consent.id, oauth_for(application), db.engine, redis)
    try:
        tokens.refresh(consent.access_token)
    except NmbrsError as error:
        log.warning("Nmbrs consent of domain %s could not be refreshed: %s",
                    consent.domain_id, type(error).__name__)
        return text(N_("Nmbrs refused to refresh its consent: %(error)s"), error=error.text)
    return None


def _raise(consent: NmbrsConsent, message: dict) -> None:
    domain = consent.domain
    tasks.raise_task(
        portal=domain.portal, cause=f"nmbrs.consent.domain-{domain.id}",
        title=text(N_("Reconnect domain %(domain)s with Nmbrs."), domain=domain.name),
        message=text(N_('Domain "%(domain)s" (Nmbrs debtor %(debtor)s). %(message)s'),
                     domain=domain.name, debtor=consent.debtor_name, message=message),
        links=[(N_("Reconnect"), path("nmbrs_rest.index") + f"#domain-{domain.id}")])
