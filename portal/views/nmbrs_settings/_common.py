"""What the Nmbrs settings routes share: access and the feature rule, saving through Nmbrs,
and the different-settings form of a domain or an administration."""

from functools import wraps

from flask import abort, request
from flask_login import current_user

from portal.authz import PORTAL_STAFF
from portal.document_types import PREFERENCE_NAMES
from portal.extensions import db
from portal.htmx import render
from portal.services import nmbrs_link
from portal.services.effective_settings import GROUPS
from portal.views.nmbrs_settings_forms import OverrideForm


def feature_off():
    """The feature is off for the portal: say so and how to get it, offer nothing else."""
    return render("nmbrs_settings/feature_off.html", "nmbrs_settings/_feature_off.html",
                  200 if request.method == "GET" else 409)


def settings_route(load=None):
    """Every Nmbrs settings route, in this order: the object named in the URL (`load` turns the
    URL's id into it and answers 404 for one I may not see; the view gets it instead of the id);
    portal staff only (403); then the feature rule: while the portal's feature is off the route
    only says so."""

    def decorator(view):
        @wraps(view)
        def wrapped(**url_values):
            loaded = [load(*url_values.values())] if load is not None else []
            if current_user.portal_role not in PORTAL_STAFF:
                abort(403)
            if not current_user.portal.nmbrs_enabled:
                return feature_off()
            return view(*loaded)

        return wrapped

    return decorator


def save_checked_by_nmbrs(form, save) -> tuple[bool, object, str | None]:
    """Run `save()`, a service call that may verify credentials with Nmbrs, and commit.

    Returns (saved, what `save` returned, a message for the whole form). Rejected credentials
    land on the token field; any other link problem (Nmbrs unreachable) is the form's message.
    Nothing is stored when it fails."""
    try:
        result = save()
    except nmbrs_link.CredentialsRejected as error:
        db.session.rollback()
        form.token.errors.append(str(error))
        return False, None, None
    except nmbrs_link.NmbrsLinkError as error:
        db.session.rollback()
        return False, None, str(error)
    db.session.commit()
    return True, result, None


def save_override(target, form) -> tuple[bool, bool, str | None]:
    """Validate and save a domain's or administration's different settings.

    Returns (saved, anything changed, a message for the whole form)."""
    if not form.validate_on_submit():
        return False, False, None
    saved, changes, alert = save_checked_by_nmbrs(
        form, lambda: nmbrs_link.save_override(target, form.groups(), actor=current_user))
    return saved, bool(changes), alert


def override_form(row, parent_settings, formdata=None, prefix=""):
    """The different-settings form, showing own values or else the inherited ones."""
    form = OverrideForm(formdata=formdata, prefix=prefix)
    if formdata is None:
        values = {name: getattr(parent_settings, name) for name in PREFERENCE_NAMES}
        for group in ("imports", "days"):
            if row is not None and getattr(row, GROUPS[group][0]) is not None:
                form[f"{group}_mode"].data = "own"
                values.update({name: getattr(row, name) for name in GROUPS[group]})
        if row is not None and row.has_credentials:
            form.credentials_mode.data = "own"
            form.username.data = row.username
        form.fill(values)
    form.token_required = not (row is not None and row.has_credentials)
    return form
