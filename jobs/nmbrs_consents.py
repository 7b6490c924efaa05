"""Daily job: refresh the Nmbrs REST consents (queued by the daily dispatcher)."""

from portal.extensions import redis_connection
from portal.services.nmbrs_consent_refresh import refresh_all_consents


def refresh_consents() -> dict:
    outcome = refresh_all_consents(redis_connection())
    return {"refreshed": outcome.refreshed, "tasks": outcome.tasks}
