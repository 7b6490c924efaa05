"""The one place that builds an Nmbrs client: for an administration, for stored credentials, or
for credentials (or a consent) being connected. Jobs, views and services all get their client
here.

- The sub-domain that `Environment_Get` gave at connect is stored with the credentials and sent
  as `Domain`; no page view or import asks Nmbrs for it again. Only when Nmbrs answers 1001 does
  the client ask again (the environment may have moved) and the new sub-domain is stored.
- The employee types (`EmployeeType_GetList`) are kept in Redis per credentials.
- A page that shows Nmbrs data (`for_page=True`) waits at most NMBRS_PAGE_TIMEOUT seconds per
  call and does not retry: the page says Nmbrs is slow instead of hanging (issue 14).
- One route: `connection_for(administration)` says how the administration reaches Nmbrs — over
  REST when its domain's consent is active (domains move one by one, issue 11), else over SOAP
  with the credentials in force — and `CLIENT_BUILDERS` maps that protocol to a builder
  `(config, source, redis) → client` with the `NmbrsClient` interface (REST: the mapped client
  of `nmbrs_rest_access`, which speaks the SOAP client's int ids).
"""

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from flask import current_app
from redis.exceptions import RedisError

from portal.extensions import db
from portal.models import Administration, NmbrsSettings
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.errors import NmbrsError
from portal.nmbrs.rest.client import RestNmbrsClient
from portal.nmbrs.rest.tokens import MemoryTokens
from portal.nmbrs.types import EmployeeType
from portal.services import nmbrs_rest_access
from portal.services.effective_settings import EffectiveSettings, effective_settings
from portal.stored_text import N_

log = logging.getLogger(__name__)

SOAP, REST = "soap", "rest"
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


def _rest_client(config, consent, redis=None):
    """The domain's consent, with the int ids of the SOAP client (see `nmbrs_rest_access`)."""
    return nmbrs_rest_access.client_for_consent(consent, redis, config=config)


# protocol → builder(config, source, redis) returning the NmbrsClient interface.
CLIENT_BUILDERS: dict[str, Callable[..., NmbrsClient]] = {SOAP: _soap_client, REST: _rest_client}


@dataclass(frozen=True)
class Connection:
    """How an administration reaches Nmbrs: the protocol, what its client is built from (the
    stored credentials for SOAP, the domain's consent for REST), and `key`, whose view of Nmbrs
    it is (the credentials' or the consent's; the import round's directory is kept per key)."""

    protocol: str
    source: object
    key: str


def connection_for(administration: Administration,
                   settings: EffectiveSettings | None = None) -> Connection:
    """REST when the administration's domain has an active consent, else SOAP with the
    credentials in force (see effective_settings; `settings` when the caller has them)."""
    consent = nmbrs_rest_access.active_consent(administration.domain)
    if consent is not None:
        return Connection(REST, consent, f"rest-consent-{consent.id}")
    return soap_connection_for(administration, settings)


def soap_connection_for(administration: Administration,
                        settings: EffectiveSettings | None = None) -> Connection:
    """SOAP with the credentials in force, also for a domain on REST (the migration to REST
    asks SOAP's converters)."""
    settings = settings or effective_settings(administration)
    if not settings.connected or settings.credentials_id is None:
        raise NotConnected()
    return Connection(SOAP, _credentials(settings.credentials_id), str(settings.credentials_id))


def client_for(administration: Administration, redis=None, *, for_page: bool = False,
               connection: Connection | None = None) -> NmbrsClient:
    """The client of the administration's connection (`connection_for`, unless given).

    `redis`: shares the Nmbrs rate limit with every worker (jobs pass it; pages need not).
    `for_page`: the short page timeout, no retries (see `page_config`)."""
    connection = connection or connection_for(administration)
    return CLIENT_BUILDERS[connection.protocol](_config(for_page), connection.source, redis)


def client_for_credentials(credentials_id: int, redis=None, *, for_page: bool = False
                           ) -> NmbrsClient:
    """A SOAP client for one stored set of credentials (a portal's, domain's or
    administration's), as the settings screens check them."""
    return CLIENT_BUILDERS[SOAP](_config(for_page), _credentials(credentials_id), redis)


def _credentials(credentials_id: int) -> NmbrsSettings:
    row = db.session.get(NmbrsSettings, credentials_id)
    if row is None or not row.has_credentials:
        raise NotConnected()
    return row


def _config(for_page: bool):
    return page_config() if for_page else current_app.config


def page_config() -> dict:
    """The app config for a client a page waits on: NMBRS_PAGE_TIMEOUT seconds, no retries."""
    config = dict(current_app.config)
    config["NMBRS_TIMEOUT"] = float(config["NMBRS_PAGE_TIMEOUT"])
    config["NMBRS_RETRY_BUDGET_SECONDS"] = 0
    return config


def client_for_new_consent(subscription_key: str, oauth, tokens) -> RestNmbrsClient:
    """A REST client on the tokens of a consent just given (not stored yet), to see whose it is."""
    return RestNmbrsClient.from_config(current_app.config, subscription_key,
                                       MemoryTokens(oauth, tokens))


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

