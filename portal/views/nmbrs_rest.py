"""Settings → Nmbrs REST API: the API application (portal administrators) and, per domain, the
consent of its Nmbrs debtor (Connect with Nmbrs, Reconnect, Disconnect) — issue 11.

Secrets are never rendered back. The callback is a GET from Nmbrs: its `state` (kept in the
session with the PKCE verifier, used once) stands in for the CSRF token.
"""

from datetime import date

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.authz import PORTAL_STAFF, load_domain, portal_role_required
from portal.extensions import db
from portal.htmx import render, saved
from portal.models import Domain, NmbrsConsent, PortalRole
from portal.nmbrs.errors import NmbrsError
from portal.nmbrs.rest.oauth import REQUIRED_SCOPES
from portal.services import nmbrs_consent, nmbrs_migration
from portal.stored_text import render as shown
from portal.views.nmbrs_rest_forms import ApplicationForm

bp = Blueprint("nmbrs_rest", __name__, url_prefix="/settings/nmbrs/rest")
SOAP_END = date(2027, 3, 1)


def soap_days_left(today: date | None = None) -> int:
    """Days until Nmbrs stops the SOAP API (0 on and after 1 March 2027)."""
    return max(0, (SOAP_END - (today or date.today())).days)


@bp.app_context_processor
def _soap_end():
    return {"soap_days_left": soap_days_left}


@bp.after_app_request
def _allow_the_consent_redirect(response):
    """Connect posts here and is redirected to Nmbrs: the CSP's form-action must allow Nmbrs'
    identity server (it also covers redirects after a submit). On every page, not only these:
    boosted navigation (htmx) swaps this page into a document loaded elsewhere, whose policy
    stays in force."""
    policy = response.headers.get("Content-Security-Policy")
    if policy and "form-action 'self'" in policy:
        origin = nmbrs_consent.identity_origin()
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {origin}")
    return response


# What Move to REST found (by entity of the id map) and could not find (by kind).
MOVE_LABELS = {
    "found": {"Debtor": _l("Nmbrs debtor"), "Company": _l("companies"),
              "Employee": _l("employees"), "Run": _l("payroll runs"),
              "WageTax": _l("payroll tax assessments")},
    "missing": {"debtor": _l("Nmbrs debtor"), "company": _l("company"),
                "employees": _l("employees"), "run": _l("payroll run"),
                "declaration": _l("payroll tax assessment")},
}
PAGE = "nmbrs_rest/index.html"
FRAGMENT = "nmbrs_rest/_content.html"


def _context(form: ApplicationForm | None = None, problem: str | None = None,
             move: "nmbrs_migration.DomainReport | None" = None,
             move_domain: Domain | None = None) -> dict:
    portal = current_user.portal
    application = nmbrs_consent.application_for(portal)
    domains = db.session.scalars(select(Domain).filter_by(portal_id=portal.id)
                                 .order_by(Domain.name)).all()
    consents = {c.domain_id: c for c in db.session.scalars(
        select(NmbrsConsent).filter_by(portal_id=portal.id))}
    if form is None:
        form = ApplicationForm(obj=application) if application else ApplicationForm()
    return {"application": application, "form": form, "domains": domains, "consents": consents,
            "redirect_uri": nmbrs_consent.redirect_uri(), "required_scopes": REQUIRED_SCOPES,
            "missing_scopes": nmbrs_consent.missing_scopes, "problem": problem,
            "is_admin": current_user.portal_role == PortalRole.ADMIN,
            "move": move, "move_domain": move_domain, "move_labels": MOVE_LABELS}


@bp.get("")
@portal_role_required(*PORTAL_STAFF)
def index():
    """The API application and every domain's consent."""
    return render(PAGE, FRAGMENT, **_context())


@bp.post("/application")
@portal_role_required(PortalRole.ADMIN)
def save_application():
    """Enter or change the API application; empty secret fields keep the stored secrets."""
    application = nmbrs_consent.application_for(current_user.portal)
    form = ApplicationForm()
    if not form.validate(first_entry=application is None):
        return render(PAGE, FRAGMENT, 422, **_context(form=form))
    nmbrs_consent.save_application(current_user.portal, current_user, form.client_id.data,
                                   form.client_secret.data, form.subscription_key.data)
    return saved(_("Nmbrs API application saved."), url_for(".index"))


@bp.post("/domains/<int:domain_id>/connect")
@portal_role_required(*PORTAL_STAFF)
def connect(domain_id: int):
    """Start the consent round trip (also Reconnect): off to Nmbrs' consent page."""
    domain = load_domain(domain_id, manage=True)
    application = nmbrs_consent.application_for(current_user.portal)
    if application is None:
        return render(PAGE, FRAGMENT, 409, **_context(
            problem=_("Enter the Nmbrs API application first (a portal administrator can).")))
    return redirect(nmbrs_consent.start(domain, application), 303)


@bp.get("/callback")
@portal_role_required(*PORTAL_STAFF)
def callback():
    """Nmbrs sends the browser back here with a code (or an error) and our state."""
    pending = nmbrs_consent.take_pending()
    try:
        consent = nmbrs_consent.finish(pending, request.args, current_user)
    except nmbrs_consent.ConsentProblem as problem:
        return render(PAGE, FRAGMENT, 400, **_context(problem=problem.message))
    message = _("%(domain)s is connected to Nmbrs debtor “%(debtor)s”.",
                domain=consent.domain.name, debtor=consent.debtor_name)
    missing = nmbrs_consent.missing_scopes(consent)
    if missing:
        message += " " + _("Nmbrs did not grant: %(scopes)s; Reconnect and allow them.",
                           scopes=", ".join(missing))
    return saved(message, url_for(".index"))


@bp.post("/domains/<int:domain_id>/disconnect")
@portal_role_required(*PORTAL_STAFF)
def disconnect(domain_id: int):
    """Revoke the consent at Nmbrs and forget its tokens."""
    domain = load_domain(domain_id, manage=True)
    consent = nmbrs_consent.consent_for(domain)
    if consent is None:  # disconnected already
        return saved(_("%(domain)s was not connected to Nmbrs.", domain=domain.name),
                     url_for(".index"))
    warning = nmbrs_consent.disconnect(consent)
    return saved(warning or _("%(domain)s is disconnected from Nmbrs; the consent was revoked.",
                              domain=domain.name), url_for(".index"))


def _consent_to_move(domain: Domain):
    """The domain's consent when it can move to REST, else the page saying why (409)."""
    consent = nmbrs_consent.consent_for(domain)
    if consent is None or not consent.connected:
        return None, render(PAGE, FRAGMENT, 409, **_context(problem=_(
            "Connect %(domain)s with Nmbrs first: moving to REST needs the consent of its "
            "debtor.", domain=domain.name)))
    if consent.active_since is not None:
        return None, render(PAGE, FRAGMENT, 409, **_context(problem=_(
            "%(domain)s already imports over the REST API.", domain=domain.name)))
    return consent, None


def _move(domain_id: int, **options):
    """Move the domain to REST (`dry_run`: only say what would be carried over):
    (domain, report, None), or (domain, None, the page saying why not)."""
    domain = load_domain(domain_id, manage=True)
    consent, refused = _consent_to_move(domain)
    if refused is not None:
        return domain, None, refused
    try:
        return domain, nmbrs_migration.move_domain(consent, **options), None
    except NmbrsError as error:
        return domain, None, _nmbrs_failed(error)


def _nmbrs_failed(error: NmbrsError):
    return render(PAGE, FRAGMENT, 502, **_context(problem=_(
        "Nmbrs could not be asked, so nothing was changed: %(reason)s",
        reason=shown(error.text))))


@bp.post("/domains/<int:domain_id>/move-to-rest/preview")
@portal_role_required(PortalRole.ADMIN)
def move_preview(domain_id: int):
    """Move to REST, step 1: what would be carried over (a dry run that changes nothing)."""
    domain, report, refused = _move(domain_id, dry_run=True)
    if refused is not None:
        return refused
    return render(PAGE, FRAGMENT, **_context(move=report, move_domain=domain))


@bp.post("/domains/<int:domain_id>/move-to-rest")
@portal_role_required(PortalRole.ADMIN)
def move_to_rest(domain_id: int):
    """Move to REST, step 2 (confirmed): store the mapping and switch the domain to REST."""
    domain, report, refused = _move(domain_id, dry_run=False, user=current_user)
    if refused is not None:
        return refused
    if not report.switched:  # something could not be found over REST since the preview
        return render(PAGE, FRAGMENT, 409, **_context(move=report, move_domain=domain))
    return saved(_("%(domain)s now imports over the Nmbrs REST API; what was imported over SOAP "
                   "is found again and not imported twice.", domain=domain.name),
                 url_for(".index") + f"#domain-{domain.id}")
