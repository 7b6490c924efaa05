"""Nmbrs REST consent per domain: the API application, the consent round trip, disconnecting.

The round trip: `start` keeps state + PKCE verifier + domain in the user's session and answers the
Nmbrs authorize URL; `finish` takes them back out (so a callback is handled once), checks the
state, exchanges the code once, asks Nmbrs which debtor consented and links it to the domain, or
refuses with a message that says what to do. Nothing is stored unless everything checks out.
"""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, session, url_for
from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Domain, NmbrsApiApplication, NmbrsConsent, Portal, User
from portal.models._common import utcnow
from portal.nmbrs.errors import NmbrsError
from portal.nmbrs.rest.oauth import (
    REQUIRED_SCOPES,
    InvalidGrant,
    NmbrsOAuth,
    TokenSet,
    new_code_verifier,
    new_state,
)
from portal.services import matching
from portal.services.nmbrs_consent_tokens import store_tokens
from portal.stored_text import render

SESSION_KEY = "nmbrs_consent_pending"
PENDING_LIFETIME = 600  # seconds: the code itself lives 5 minutes


class ConsentProblem(Exception):
    """Connecting failed; `message` tells the user what happened and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ConsentedDebtor:
    guid: str
    number: str
    name: str
    user: str


# -- the API application -----------------------------------------------------------------------

def application_for(portal: Portal) -> NmbrsApiApplication | None:
    return db.session.scalar(select(NmbrsApiApplication).filter_by(portal_id=portal.id))


def save_application(portal: Portal, user: User, client_id: str, client_secret: str | None,
                     subscription_key: str | None) -> NmbrsApiApplication:
    """Create or change the application; empty secrets keep the stored ones."""
    application = application_for(portal) or NmbrsApiApplication(portal_id=portal.id)
    application.client_id = client_id
    if client_secret:
        application.client_secret = client_secret
    if subscription_key:
        application.subscription_key = subscription_key
    application.updated_by = user
    db.session.add(application)
    db.session.commit()
    return application


def oauth_for(application: NmbrsApiApplication) -> NmbrsOAuth:
    config = current_app.config
    return NmbrsOAuth(application.client_id, application.client_secret,
                      config["NMBRS_IDENTITY_URL"], timeout=float(config["NMBRS_TIMEOUT"]))


def identity_origin() -> str:
    """scheme://host[:port] of the identity server (for the page's Content-Security-Policy)."""
    parts = urlsplit(current_app.config["NMBRS_IDENTITY_URL"])
    return f"{parts.scheme}://{parts.netloc}"


def redirect_uri() -> str:
    """The callback to register with Nmbrs (fixed per installation)."""
    return current_app.config["NMBRS_REDIRECT_URI"] or url_for(
        "nmbrs_rest.callback", _external=True)


# -- consents ---------------------------------------------------------------------------------

def consent_for(domain: Domain) -> NmbrsConsent | None:
    return db.session.scalar(select(NmbrsConsent).filter_by(domain_id=domain.id))


def missing_scopes(consent: NmbrsConsent) -> list[str]:
    return [scope for scope in REQUIRED_SCOPES if scope not in consent.scope_set]


def start(domain: Domain, application: NmbrsApiApplication) -> str:
    """Remember what we asked for and answer the URL of Nmbrs' consent page."""
    state, verifier = new_state(), new_code_verifier()
    session[SESSION_KEY] = {"state": state, "verifier": verifier, "domain_id": domain.id,
                            "started": time.time()}
    return oauth_for(application).authorization_url(redirect_uri(), state, verifier)


def take_pending() -> dict | None:
    """The pending round trip, removed from the session: a callback is handled once."""
    return session.pop(SESSION_KEY, None)


def finish(pending: dict | None, args, user: User) -> NmbrsConsent:
    """Check the callback, exchange the code, identify the debtor, store the consent."""
    domain = _pending_domain(pending, args, user)
    if args.get("error"):
        raise ConsentProblem(
            gettext("Consent was not given in Nmbrs, so nothing was connected. Click Connect "
                    "with Nmbrs again and choose Allow.") if args["error"] == "access_denied" else
            gettext("Nmbrs refused the request (%(error)s). Nothing was connected; check the API "
                    "application's settings and try again.", error=args["error"][:60]))
    application = application_for(user.portal)
    if application is None:
        raise ConsentProblem(gettext("Enter the Nmbrs API application first."))
    tokens = _exchange(application, args.get("code", ""), pending["verifier"])
    if not tokens.refresh_token:
        raise ConsentProblem(gettext(
            "Nmbrs gave no refresh token (scope offline_access was not granted), so the "
            "connection would stop within an hour. Nothing was stored; connect again and allow "
            "all requested permissions."))
    debtor = _consented_debtor(application, tokens)
    _check_debtor(domain, debtor)
    return _store(domain, user, debtor, tokens)


def _pending_domain(pending: dict | None, args, user: User) -> Domain:
    if not pending or not args.get("state") or args.get("state") != pending.get("state"):
        raise ConsentProblem(gettext(
            "This answer from Nmbrs does not belong to a connection started here (the state "
            "does not match), so nothing was stored. Click Connect with Nmbrs again."))
    if time.time() - pending.get("started", 0) > PENDING_LIFETIME:
        raise ConsentProblem(gettext("The connection took too long, so nothing was stored. "
                                     "Click Connect with Nmbrs again."))
    domain = db.session.get(Domain, pending.get("domain_id"))
    if domain is None or domain.portal_id != user.portal_id:
        raise ConsentProblem(gettext("The domain no longer exists; nothing was stored."))
    return domain


def _exchange(application: NmbrsApiApplication, code: str, verifier: str) -> TokenSet:
    try:
        return oauth_for(application).exchange_code(code, redirect_uri(), verifier)
    except InvalidGrant:
        raise ConsentProblem(gettext(
            "Nmbrs did not accept the authorization code: it was already used or has expired. "
            "Nothing was stored. Click Connect with Nmbrs again.")) from None
    except NmbrsError as error:
        raise ConsentProblem(gettext("%(error)s Nothing was stored.",
                                     error=render(error.text))) from None


def _consented_debtor(application: NmbrsApiApplication, tokens: TokenSet) -> ConsentedDebtor:
    from portal.services.nmbrs_access import client_for_new_consent  # it imports this module

    client = client_for_new_consent(application.subscription_key, oauth_for(application), tokens)
    try:
        debtors = client.debtors()
        info = client.user_info() if "user.info.read" in tokens.scopes else None
    except NmbrsError as error:
        raise ConsentProblem(gettext("%(error)s Nothing was stored.",
                                     error=render(error.text))) from None
    if info is not None:
        debtors = [d for d in debtors if d.id == info.debtor_id] or debtors
    if len(debtors) != 1:
        raise ConsentProblem(gettext(
            "This Nmbrs login sees several debtors (or none); consent must come from a "
            "debtor-level login. Nothing was stored; connect again as a user of one debtor."))
    debtor = debtors[0]
    return ConsentedDebtor(guid=debtor.id, number=debtor.number, name=debtor.name,
                           user=info.email if info else "")


def _check_debtor(domain: Domain, debtor: ConsentedDebtor) -> None:
    current = consent_for(domain)
    expected_name = current.debtor_name if current else domain.name
    same = (debtor.guid == current.debtor_guid) if current else \
        bool(matching.find_debtor([debtor], domain.name))
    if not same:
        raise ConsentProblem(gettext(
            "The consent was given for Nmbrs debtor “%(debtor)s” (%(number)s), but domain "
            "“%(domain)s” belongs to debtor “%(expected)s”. Nothing was stored. Sign in to Nmbrs "
            "as a user of the right debtor and connect again.", debtor=debtor.name,
            number=debtor.number, domain=domain.name, expected=expected_name))
    elsewhere = db.session.scalar(select(NmbrsConsent).where(
        NmbrsConsent.portal_id == domain.portal_id, NmbrsConsent.debtor_guid == debtor.guid,
        NmbrsConsent.domain_id != domain.id))
    if elsewhere is not None:
        raise ConsentProblem(gettext(
            "Nmbrs debtor “%(debtor)s” is already connected to domain “%(domain)s”. Nothing was "
            "stored.", debtor=debtor.name, domain=elsewhere.domain.name))


def _store(domain: Domain, user: User, debtor: ConsentedDebtor, tokens: TokenSet) -> NmbrsConsent:
    consent = consent_for(domain) or NmbrsConsent(portal_id=domain.portal_id, domain=domain)
    consent.debtor_guid, consent.debtor_number = debtor.guid, debtor.number
    consent.debtor_name, consent.nmbrs_user = debtor.name, debtor.user
    consent.consented_by, consent.consented_at = user, utcnow()
    consent.refresh_token_expires_at = None  # a new consent: a new lifetime
    consent.refresh_failed_at = consent.paused_until = None
    store_tokens(consent, tokens)
    db.session.add(consent)
    db.session.commit()
    return consent


def disconnect(consent: NmbrsConsent) -> str | None:
    """Revoke the refresh token at Nmbrs and forget the consent. Returns a warning, if any."""
    warning = None
    application = application_for(consent.domain.portal)
    if application is not None and consent.refresh_token:
        try:
            oauth_for(application).revoke(consent.refresh_token)
        except NmbrsError:
            warning = gettext("Nmbrs could not be reached to revoke the consent; the tokens "
                              "were deleted here. Revoke the app in Nmbrs if you want to be "
                              "sure.")
    db.session.delete(consent)
    db.session.commit()
    return warning
