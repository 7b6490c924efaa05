"""The import bench over REST: the sandbox's REST API behind a rate ceiling of its own.

`CeilingSandbox` wraps the combined SOAP + REST sandbox. REST calls (`/api/...`) wait
`latency` seconds like SOAP calls do, are counted per wall-clock second and per endpoint, and
above `ceiling` calls in one second Nmbrs' answer is 429 42908 `Too_Many_Calls` with a
`Retry-After` (whole seconds, as HTTP has it). Nmbrs publishes no REST numbers
(nmbrs-rest-api.md §4.3), so the ceiling is the bench's --ceiling.

`connect_domains` gives every bench domain an active consent of its debtor through the sandbox's
OAuth flow (authorization code with auto-consent, then the token exchange), as the consent
screen would.
"""

import json
import math
import threading
import time
from urllib.parse import parse_qs, urlsplit

import requests
from werkzeug.routing import Map, Rule

from portal.extensions import db
from portal.models import NmbrsApiApplication, NmbrsConsent
from portal.models._common import utcnow
from portal.nmbrs.rest.oauth import NmbrsOAuth, new_code_verifier
from portal.nmbrs.sandbox.guids import guid
from portal.nmbrs.sandbox.identity import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_SUBSCRIPTION_KEY,
)
from portal.nmbrs.sandbox.rest_api import ROUTES, RestApi
from portal.services.nmbrs_consent_tokens import store_tokens

REDIRECT = "http://localhost/settings/nmbrs/rest/callback"
_ENDPOINTS = Map([Rule(route.rule, endpoint=route.handler, methods=["GET"]) for route in ROUTES],
                 strict_slashes=False)


class CeilingSandbox:
    """WSGI: REST calls delayed, counted and throttled; everything else passed on."""

    def __init__(self, combined, ceiling: int, latency: float):
        self.combined = combined
        self.ceiling = ceiling
        self.latency = latency
        self.counter = None  # the bench's OperationCounter of the phase running
        self.refused = 0  # 429s answered
        self._lock = threading.Lock()
        self._per_second: dict[int, int] = {}

    @property
    def world(self):
        return self.combined.soap.world

    @world.setter
    def world(self, world) -> None:
        """A month later in Nmbrs: both protocols see the new world; consents stay valid."""
        rest = self.combined.rest
        self.combined.soap.world = world
        rest.identity.world = world
        rest.api = RestApi(world, rest.identity, document_pending=rest.api.document_pending,
                           quota_exceeded=rest.api.quota_exceeded)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/api/"):
            return self.combined(environ, start_response)
        if self.latency:
            time.sleep(self.latency)
        now = time.time()
        second = int(now)
        with self._lock:
            calls = self._per_second.get(second, 0)
            if calls >= self.ceiling:
                self.refused += 1
                return self._too_many(math.ceil(second + 1 - now), start_response)
            self._per_second[second] = calls + 1
        if self.counter is not None:
            self.counter.record()
            self.counter.log_operation("rest", _endpoint(environ))
        return self.combined(environ, start_response)

    @staticmethod
    def _too_many(retry_after: int, start_response):
        body = json.dumps({"type": "throttlingError", "httpStatus": 429, "code": 42908,
                           "title": "Too_Many_Calls",
                           "detail": "The amount of calls is above the threshold for your "
                                     "subscription plan.",
                           "docUrl": "https://developer.nmbrs.com/docs/errors"}).encode()
        start_response("429 Too Many Requests", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("Retry-After", str(max(1, retry_after)))])
        return [body]


def _endpoint(environ) -> str:
    try:
        return _ENDPOINTS.bind_to_environ(environ).match()[0]
    except Exception:  # an unknown path: the sandbox answers 404 itself
        return "unknown"


def connect_domains(sandbox_root: str, combined, portal_id: int, domains) -> None:
    """The API application and, per domain, an active consent of the debtor of the same index."""
    db.session.add(NmbrsApiApplication(
        portal_id=portal_id, client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET,
        subscription_key=SANDBOX_SUBSCRIPTION_KEY))
    oauth = NmbrsOAuth(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, sandbox_root)
    identity = combined.rest.identity
    for domain, debtor in zip(domains, combined.soap.world.debtors):
        verifier = new_code_verifier()
        identity.auto_consent = debtor.number
        answer = requests.get(oauth.authorization_url(REDIRECT, "bench", verifier),
                              allow_redirects=False, timeout=30)
        code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        consent = NmbrsConsent(portal_id=portal_id, domain=domain,
                               debtor_guid=guid("Debtor", debtor.id), debtor_number=debtor.number,
                               debtor_name=debtor.name, active_since=utcnow())
        store_tokens(consent, oauth.exchange_code(code, REDIRECT, verifier))
        db.session.add(consent)
    identity.auto_consent = None
    db.session.commit()
