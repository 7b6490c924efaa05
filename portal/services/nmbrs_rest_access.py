"""The REST side of the client factory: a domain whose consent is active imports over REST.

`nmbrs_access.connection_for` asks `active_consent` and builds the client with
`client_for_consent`: domains move one by one. The client speaks the SOAP client's int ids
(`nmbrs_id_map.MappedRestClient`), so nothing imported before is imported twice. Jobs, views and
services get their client from `nmbrs_access`, not from here.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Domain, NmbrsConsent
from portal.models._common import utcnow
from portal.nmbrs.errors import NmbrsError
from portal.nmbrs.rest.client import RestNmbrsClient
from portal.nmbrs.rest.errors import (
    ConsentRejected,
    NoDataAccess,
    QuotaExceeded,
    SubscriptionDisabled,
)
from portal.services.nmbrs_consent import application_for, oauth_for
from portal.services.nmbrs_consent_tokens import ConsentTokens
from portal.services.nmbrs_id_map import IdMap, MappedRestClient, NotMigrated
from portal.stored_text import N_, moment

# 42909: the quota "resets on a billing cycle" whose dates are unknown; try again a day later.
QUOTA_PAUSE = timedelta(days=1)


class ConsentPaused(NmbrsError):
    default_message = N_(
        "The Nmbrs call quota of this domain is used up; its imports are paused until the quota "
        "resets. Raise the subscription plan in the Nmbrs developer portal if this happens often.")
    paused_until = N_(
        "The Nmbrs call quota of this domain is used up; its imports are paused until "
        "%(until)s. Raise the subscription plan in the Nmbrs developer portal if this happens "
        "often.")


class ConsentMissing(NmbrsError):
    default_message = N_(
        "This domain imports over the Nmbrs REST API but its consent or the API application is "
        "missing. Open Settings › Nmbrs REST API and click Reconnect.")


# Problems of a domain's REST consent (revoked or refused, refresh failed, 403 40303/40304,
# quota 42909, not migrated): fixed on the Nmbrs REST API page, not in the SOAP settings.
CONSENT_PROBLEMS = (ConsentRejected, NoDataAccess, SubscriptionDisabled, QuotaExceeded,
                    ConsentPaused, ConsentMissing, NotMigrated)


def consent_link(error: Exception, domain: Domain) -> tuple[str, str] | None:
    """The task link for an import error caused by the domain's REST consent, else None."""
    from portal.services.links import path

    if not isinstance(error, CONSENT_PROBLEMS):
        return None
    label = N_("Nmbrs REST API") if isinstance(error, (QuotaExceeded, ConsentPaused, NotMigrated)) \
        else N_("Reconnect")
    return (label, path("nmbrs_rest.index") + f"#domain-{domain.id}")


def active_consent(domain: Domain) -> NmbrsConsent | None:
    """The domain's consent when the domain imports over REST."""
    return db.session.scalar(select(NmbrsConsent).where(
        NmbrsConsent.domain_id == domain.id, NmbrsConsent.active_since.is_not(None)))


def client_for_consent(consent: NmbrsConsent, redis=None, mapped: bool = True, config=None):
    """The consent's REST client (`mapped`: with int ids); `config`: the app config unless a
    page's (`nmbrs_access.page_config`)."""
    if consent.paused_until and consent.paused_until > utcnow():
        raise ConsentPaused(ConsentPaused.paused_until,
                            params={"until": moment(consent.paused_until)})
    application = application_for(consent.domain.portal)
    if application is None or not consent.connected:
        raise ConsentMissing()
    redis = redis if redis is not None else _redis()
    tokens = ConsentTokens(consent.id, oauth_for(application), db.engine, redis)
    rest = RestNmbrsClient.from_config(config if config is not None else current_app.config,
                                       application.subscription_key, tokens, redis=redis)
    consent_id = consent.id
    rest.transport.on_quota_exceeded = lambda: pause(consent_id)
    if not mapped:
        return rest
    return MappedRestClient(rest, IdMap(db.engine, consent.portal_id))


def pause(consent_id: int) -> None:
    """42909: no imports for this consent until the quota has had time to reset."""
    from sqlalchemy.orm import Session

    with Session(db.engine) as session:
        consent = session.get(NmbrsConsent, consent_id)
        if consent is not None:
            consent.paused_until = utcnow() + QUOTA_PAUSE
            session.commit()


def _redis():
    from portal.extensions import redis_connection

    return redis_connection()


__all__ = ["ConsentMissing", "ConsentPaused", "QuotaExceeded", "client_for_consent"]
