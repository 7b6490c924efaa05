"""Connect a domain to the running REST sandbox without the screens (for import tests)."""

from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

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
from portal.services.nmbrs_consent_tokens import store_tokens

REDIRECT = "http://localhost/settings/nmbrs/rest/callback"


def sandbox_tokens(sandbox, debtor_number: str = "1"):
    oauth = NmbrsOAuth(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, sandbox.root)
    verifier = new_code_verifier()
    previous, sandbox.identity.auto_consent = sandbox.identity.auto_consent, debtor_number
    try:
        answer = requests.get(oauth.authorization_url(REDIRECT, "s", verifier),
                              allow_redirects=False, timeout=5)
    finally:
        sandbox.identity.auto_consent = previous
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    return oauth.exchange_code(code, REDIRECT, verifier)


def connect_domain(sandbox, domain, debtor_number: str = "1", active: bool = True) -> NmbrsConsent:
    """API application (once per portal) + an active consent of the demo debtor for `domain`."""
    if db.session.scalar(select(NmbrsApiApplication).filter_by(portal_id=domain.portal_id)) is None:
        db.session.add(NmbrsApiApplication(
            portal_id=domain.portal_id, client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET, subscription_key=SANDBOX_SUBSCRIPTION_KEY))
    debtor = next(d for d in sandbox.app.soap.world.debtors if d.number == debtor_number)
    consent = NmbrsConsent(portal_id=domain.portal_id, domain=domain,
                           debtor_guid=guid("Debtor", debtor.id), debtor_number=debtor.number,
                           debtor_name=debtor.name, active_since=utcnow() if active else None)
    store_tokens(consent, sandbox_tokens(sandbox, debtor_number))
    db.session.add(consent)
    db.session.commit()
    return consent
