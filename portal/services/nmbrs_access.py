"""The one place that builds an Nmbrs client: for an administration, for stored credentials, or
for credentials being connected. Jobs, views and services all get their client here.

- The sub-domain that `Environment_Get` gave at connect is stored with the credentials and sent
  as `Domain`; no page view or import asks Nmbrs for it again. Only when Nmbrs answers 1001 does
  the client ask again (the environment may have moved) and the new sub-domain is stored.
- The employee types (`EmployeeType_GetList`) are kept in Redis per credentials.
- A page that shows Nmbrs data (`for_page=True`) waits at most NMBRS_PAGE_TIMEOUT seconds per
  call and does not retry: the page says Nmbrs is slow instead of hanging (issue 14).
- `CLIENT_BUILDERS` maps a connection's protocol to a builder `(config, settings row, redis)
  → client`. Today every connection is SOAP; the REST client slots in beside it (a `protocol` on
  the stored credentials picks it; its builder reads its own columns from the row), returning
  the same `NmbrsClient` interface.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import asdict

from flask import current_app
from redis.exceptions import RedisError

from portal.extensions import db
from portal.models import Administration, NmbrsSettings
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.errors import NmbrsError
from portal.nmbrs.types import EmployeeType
from portal.services.effective_settings import effective_settings
from portal.stored_text import N_

log = logging.getLogger(__name__)

SOAP = "soap"
EMPLOYEE_TYPES_TTL_SECONDS = 24 * 3600


class NotConnected(NmbrsError):
    """The administration has no usable Nmbrs credentials; the message says what to do."""

    default_message = N_("Nmbrs is not connected for this administration. A Portal "
                         "administrator can connect it under Settings › Nmbrs.")


def _soap_client(config, row: NmbrsSettings, redis=None) -> NmbrsClient:
    """User name + token, and the stored sub-domain as `Domain` (found once if missing)."""
    client = NmbrsClient.from_config(
        config, row.username, row.token, domain=row.subdomain, redis=redis,
        on_new_domain=lambda subdomain: _store_subdomain(row, subdomain),
        employee_type_cache=_employee_type_cache(row.id, redis))
    if row.subdomain is None:  # stored before sub-domains were kept
        _store_subdomain(row, client.verify().subdomain)
    return client


# protocol → builder(config, settings row, redis) returning the NmbrsClient interface.
CLIENT_BUILDERS: dict[str, Callable[..., NmbrsClient]] = {SOAP: _soap_client}


def protocol_of(row: NmbrsSettings) -> str:
    """The protocol of stored credentials (a column the REST connection adds); SOAP until then."""
    return getattr(row, "protocol", None) or SOAP


def client_for(administration: Administration, redis=None, *, for_page: bool = False
               ) -> NmbrsClient:
    """A client with the credentials in force for the administration (see effective_settings);
    the REST client when the administration's domain has moved to REST (issue 11)."""
    from portal.services.nmbrs_rest_access import client_for_domain

    rest = client_for_domain(administration.domain, redis=redis)
    if rest is not None:
        return rest
    settings = effective_settings(administration)
    if not settings.connected or settings.credentials_id is None:
        raise NotConnected()
    return client_for_credentials(settings.credentials_id, redis=redis, for_page=for_page)


def client_for_credentials(credentials_id: int, redis=None, *, for_page: bool = False
                           ) -> NmbrsClient:
    """A client for one stored set of credentials (a portal's, domain's or administration's).

    `redis`: shares the Nmbrs rate limit with every worker (jobs pass it; pages need not).
    `for_page`: the short page timeout, no retries (see `page_config`)."""
    row = db.session.get(NmbrsSettings, credentials_id)
    if row is None or not row.has_credentials:
        raise NotConnected()
    config = page_config() if for_page else current_app.config
    return CLIENT_BUILDERS[protocol_of(row)](config, row, redis)


def page_config() -> dict:
    """The app config for a client a page waits on: NMBRS_PAGE_TIMEOUT seconds, no retries."""
    config = dict(current_app.config)
    config["NMBRS_TIMEOUT"] = float(config["NMBRS_PAGE_TIMEOUT"])
    config["NMBRS_RETRY_BUDGET_SECONDS"] = 0
    return config


def verify_credentials(username: str, token: str) -> str:
    """Check SOAP credentials that are not stored yet (Environment_Get); returns the sub-domain
    to store with them."""
    return NmbrsClient.from_config(current_app.config, username, token).verify().subdomain


def _store_subdomain(row: NmbrsSettings, subdomain: str) -> None:
    """Kept with the caller's next commit (jobs commit; a page that does not checks again)."""
    if row.subdomain != subdomain:
        log.info("Nmbrs sub-domain of credentials %s is now %s.", row.id, subdomain)
        row.subdomain = subdomain


class RedisEmployeeTypeCache:
    """The employee types of one set of credentials in Redis; a Redis failure only costs a call."""

    def __init__(self, redis, credentials_id: int):
        self.redis = redis
        self.key = f"nmbrs-employee-types:{credentials_id}"

    def load(self) -> list[EmployeeType] | None:
        try:
            stored = self.redis.get(self.key)
        except RedisError:
            return None
        return None if stored is None else [EmployeeType(**row) for row in json.loads(stored)]

    def store(self, types: list[EmployeeType]) -> None:
        try:
            self.redis.set(self.key, json.dumps([asdict(t) for t in types]),
                           ex=EMPLOYEE_TYPES_TTL_SECONDS)
        except RedisError:
            pass


def _employee_type_cache(credentials_id: int, redis) -> RedisEmployeeTypeCache | None:
    return RedisEmployeeTypeCache(redis, credentials_id) if redis is not None else None

