"""An administration's different settings: an inline row form inside the domain's page."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.authz import load_administration
from portal.extensions import db
from portal.htmx import fragment_or_redirect, render, saved
from portal.services import effective_settings, nmbrs_link
from portal.views.nmbrs_settings import bp
from portal.views.nmbrs_settings._common import override_form, save_override, settings_route

# The administration form opens inside the domain page, next to the domain form: other ids.
PREFIX = "administration"


def _context(administration):
    overview = effective_settings.administration_overview(administration)
    return {
        "administration": administration,
        "domain": administration.domain,
        "own_row": overview.own_row,
        "parent_settings": overview.parent_settings,
        "settings": overview.settings,
        "has_override": overview.own_row is not None,
    }


def _render_form(administration, form=None, status=200, alert=None):
    context = _context(administration)
    form = form or override_form(context["own_row"], context["parent_settings"], prefix=PREFIX)
    return render("nmbrs_settings/administration.html",
                  "nmbrs_settings/_administration_form_row.html", status, form=form,
                  alert=alert, **context)


def _administration_saved(administration, message):
    return saved(message,
                 url_for(".domain", domain_id=administration.domain_id)
                 + f"#administration-{administration.id}",
                 "nmbrs_settings/_administration_row.html",
                 flashed=f"{administration.name}: {message}", **_context(administration))


@bp.get("/administrations/<int:administration_id>")
@settings_route(load=load_administration)
def administration(administration):
    """The administration's different settings (an inline row form for htmx)."""
    return _render_form(administration)


@bp.get("/administrations/<int:administration_id>/row")
@settings_route(load=load_administration)
def administration_row(administration):
    """The administration's read-only row (Cancel of the inline form)."""
    return fragment_or_redirect("nmbrs_settings/_administration_row.html",
                                url_for(".domain", domain_id=administration.domain_id),
                                **_context(administration))


@bp.post("/administrations/<int:administration_id>")
@settings_route(load=load_administration)
def save_administration(administration):
    """Save the administration's different settings ("as domain" or own, per group)."""
    form = override_form(nmbrs_link.override_row(administration), None, formdata=request.form,
                         prefix=PREFIX)
    form.sync_import_switches()
    stored, changed, alert = save_override(administration, form)
    if stored:
        return _administration_saved(
            administration, _("Settings saved.") if changed else _("Nothing changed."))
    return _render_form(administration, form, 422, alert=alert)


@bp.post("/administrations/<int:administration_id>/reset")
@settings_route(load=load_administration)
def reset_administration(administration):
    """"Use the domain settings": remove the administration's different settings."""
    nmbrs_link.remove_override(administration, actor=current_user)
    db.session.commit()
    return _administration_saved(administration, _("Uses the domain settings."))
