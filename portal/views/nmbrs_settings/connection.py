"""The portal's link to Nmbrs: connect, edit, disconnect, and the list of domains."""

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.document_types import PREFERENCE_NAMES
from portal.extensions import db
from portal.htmx import fragment_or_redirect, render, saved
from portal.services import effective_settings, nmbrs_link
from portal.services.effective_settings import compute
from portal.services.import_status import last_import_summary
from portal.views.nmbrs_settings import bp
from portal.views.nmbrs_settings._common import save_checked_by_nmbrs, settings_route
from portal.views.nmbrs_settings_forms import ConnectionForm

DOMAINS_PER_PAGE = 50


def _connection_context():
    portal = current_user.portal
    row = nmbrs_link.portal_row(portal)
    settings = compute(portal.nmbrs_enabled, row)
    return {
        "row": row,
        "settings": settings,
        "last_import": last_import_summary(portal) if settings.connected else None,
        "overrides_with_credentials": (effective_settings.overrides_with_credentials(portal)
                                       if settings.connected else 0),
    }


def _domains_context():
    listing = effective_settings.domains_with_payroll(
        current_user.portal, request.args.get("page", 1, type=int), DOMAINS_PER_PAGE)
    return {
        "domain_rows": [(line.domain, line.settings, line.has_override,
                         (line.administrations, line.administration_overrides))
                        for line in listing.lines],
        "page_number": listing.page,
        "pages": listing.pages,
        "total_domains": listing.total,
    }


@bp.get("")
@settings_route()
def index():
    """The portal's link (or a Connect button) and the domains with a payroll contract."""
    return render("nmbrs_settings/index.html", "nmbrs_settings/_connection.html",
                  **_connection_context(), **_domains_context())


@bp.get("/connection")
@settings_route()
def connection():
    """The connection section alone (Cancel of the connect/edit form)."""
    return fragment_or_redirect("nmbrs_settings/_connection.html", url_for(".index"),
                                **_connection_context())


def _render_connection_form(form, mode, status=200, alert=None, row=None):
    return render("nmbrs_settings/connection_form.html", "nmbrs_settings/_connection_form.html",
                  status, form=form, mode=mode, alert=alert, row=row)


def _saved(message):
    return saved(message, url_for(".index"), "nmbrs_settings/_connection_saved.html",
                 **_connection_context(), **_domains_context())


def _connected_row():
    row = nmbrs_link.portal_row(current_user.portal)
    return row if row is not None and row.has_credentials else None


@bp.get("/connect")
@settings_route()
def connect_form():
    """The connect form: credentials, import preferences (all on) and import days."""
    row = nmbrs_link.portal_row(current_user.portal)
    if row is not None and row.has_credentials:
        return redirect(url_for(".edit_form"))
    form = ConnectionForm(formdata=None)
    if row is not None:  # preferences kept from an earlier link
        form.fill({name: getattr(row, name) for name in PREFERENCE_NAMES})
    return _render_connection_form(form, "connect")


@bp.post("/connect")
@settings_route()
def connect():
    """Verify the credentials with Nmbrs, then store the link (token encrypted)."""
    if _connected_row() is not None:
        abort(409)
    form = ConnectionForm()
    form.sync_import_switches()
    if not form.validate_on_submit():
        return _render_connection_form(form, "connect", 422)
    stored, _row, alert = save_checked_by_nmbrs(form, lambda: nmbrs_link.connect(
        current_user.portal, current_user, form.username.data, form.token.data,
        form.preferences()))
    if not stored:
        return _render_connection_form(form, "connect", 422, alert=alert)
    return _saved(_("Connected to Nmbrs. Payroll documents are imported automatically."))


@bp.get("/edit")
@settings_route()
def edit_form():
    """The same form with the stored values; the token field stays empty."""
    row = _connected_row()
    if row is None:
        return redirect(url_for(".connect_form"))
    form = ConnectionForm(formdata=None, username=row.username)
    form.fill({name: getattr(row, name) for name in PREFERENCE_NAMES})
    form.token_required = False
    return _render_connection_form(form, "edit", row=row)


@bp.post("/edit")
@settings_route()
def edit():
    """Save the changed link; an empty token keeps the stored one, new credentials are verified."""
    row = _connected_row()
    if row is None:
        abort(409)
    form = ConnectionForm()
    form.token_required = False
    form.sync_import_switches()
    if not form.validate_on_submit():
        return _render_connection_form(form, "edit", 422, row=row)
    stored, changes, alert = save_checked_by_nmbrs(form, lambda: nmbrs_link.update_connection(
        current_user.portal, form.username.data, form.token.data or None, form.preferences(),
        actor=current_user))
    if not stored:
        return _render_connection_form(form, "edit", 422, alert=alert, row=row)
    return _saved(_saved_message(changes))


def _saved_message(changes: dict) -> str:
    if changes and changes.get("imports_resumed"):
        return _("Nmbrs accepted the credentials; automatic imports resume.")
    return _("Nmbrs settings saved.") if changes else _("Nothing changed.")


@bp.get("/disconnect")
@settings_route()
def disconnect_confirm():
    """Ask for confirmation: a <dialog> for htmx, a confirmation page without JavaScript."""
    context = _connection_context()
    if not context["settings"].connected:
        return redirect(url_for(".index"))
    return render("nmbrs_settings/disconnect.html", "nmbrs_settings/_disconnect_dialog.html",
                  **context)


@bp.post("/disconnect")
@settings_route()
def disconnect():
    """Delete the stored credentials and stop the automatic imports; documents stay."""
    nmbrs_link.disconnect(current_user.portal, actor=current_user)
    db.session.commit()
    return _saved(_("Disconnected from Nmbrs. Automatic imports have stopped; imported "
                    "documents and the import history are kept."))
