"""Settings: the entry point to the portal's settings screens, the user's language and the
portal's *Payroll connection – Nmbrs* feature switch."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.authz import portal_role_required
from portal.extensions import db
from portal.htmx import saved
from portal.i18n import LANGUAGES
from portal.models import PortalRole
from portal.services import audit

bp = Blueprint("settings", __name__, url_prefix="/settings")


def _index(status: int = 200, language_error: str | None = None, feature_error: str | None = None):
    return render_template("settings/index.html", portal=current_user.portal,
                           languages=LANGUAGES, language_error=language_error,
                           feature_error=feature_error), status


@bp.get("")
def index():
    """The list of settings screens available to me, my language and (administrators) the
    portal's Nmbrs feature."""
    return _index()


@bp.post("/language")
def language():
    """My interface language: "nl", "en", or "" (as my browser asks)."""
    choice = request.form.get("locale", "")
    if choice and choice not in LANGUAGES:
        return _index(422, language_error=_("Choose a language from the list."))
    current_user.locale = choice or None
    db.session.commit()
    return saved(_("Your language has been saved."), url_for("settings.index"))


@bp.post("/nmbrs-feature")
@portal_role_required(PortalRole.ADMIN)
def nmbrs_feature():
    """A Portal administrator switches *Payroll connection – Nmbrs* on or off for the portal,
    unless the operator locked it off (the firm's contract)."""
    portal = current_user.portal
    wanted = request.form.get("enabled") == "y"
    if wanted and portal.nmbrs_locked:
        return _index(422, feature_error=_(
            "Payroll connection – Nmbrs is locked off by the operator: the firm's contract does "
            "not include it. Ask your Payroll Link operator to enable it."))
    if portal.nmbrs_enabled != wanted:
        portal.nmbrs_enabled = wanted
        audit.record(portal.id, f"portal.nmbrs_feature_{'enabled' if wanted else 'disabled'}",
                     portal, user=current_user)
        db.session.commit()
    return saved(_("Payroll connection – Nmbrs is on for the portal.") if wanted
                 else _("Payroll connection – Nmbrs is off for the portal."),
                 url_for("settings.index"))
