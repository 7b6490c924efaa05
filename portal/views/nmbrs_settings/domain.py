"""A domain's different settings, and the list of its administrations with theirs."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.authz import load_domain
from portal.extensions import db
from portal.htmx import render, saved
from portal.services import effective_settings, nmbrs_link
from portal.views.nmbrs_settings import bp
from portal.views.nmbrs_settings._common import override_form, save_override, settings_route


def _domain_context(domain, form=None):
    overview = effective_settings.domain_overview(domain)
    return {
        "domain": domain,
        "domain_row": overview.domain_row,
        "settings": overview.settings,
        "parent_settings": overview.portal_settings,
        "form": form or override_form(overview.domain_row, overview.portal_settings),
        "administration_rows": [(line.administration, line.settings, line.has_override)
                                for line in overview.administrations],
    }


def _render_domain(domain, form=None, status=200, alert=None):
    return render("nmbrs_settings/domain.html", "nmbrs_settings/_domain_settings.html", status,
                  alert=alert, **_domain_context(domain, form))


def _domain_saved(domain, message):
    return saved(message, url_for(".domain", domain_id=domain.id),
                 "nmbrs_settings/_domain_settings.html", alert=None, **_domain_context(domain))


@bp.get("/domains/<int:domain_id>")
@settings_route(load=load_domain)
def domain(domain):
    """A domain's different settings, and its administrations with theirs."""
    return _render_domain(domain)


@bp.post("/domains/<int:domain_id>")
@settings_route(load=load_domain)
def save_domain(domain):
    """Save the domain's different settings ("as portal" or own, per group)."""
    form = override_form(nmbrs_link.override_row(domain), None, formdata=request.form)
    form.sync_import_switches()
    stored, changed, alert = save_override(domain, form)
    if stored:
        return _domain_saved(domain, _("Settings of the domain saved.") if changed
                             else _("Nothing changed."))
    return _render_domain(domain, form, 422, alert=alert)


@bp.post("/domains/<int:domain_id>/reset")
@settings_route(load=load_domain)
def reset_domain(domain):
    """"Use the portal settings": remove the domain's different settings."""
    nmbrs_link.remove_override(domain, actor=current_user)
    db.session.commit()
    return _domain_saved(domain, _("The domain uses the portal settings."))
