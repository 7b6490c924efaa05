"""Settings → Nmbrs settings: connect the portal to Nmbrs, change and disconnect the link, and
give domains and administrations different settings (issue 4).

Portal staff manage the portal's link; portal staff and a domain's Back office manage that
domain's different settings and its administrations'. Every page has an htmx fragment and works
without JavaScript. The token is verified, encrypted and never rendered back.
"""

import importlib
import math

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import exists, func, or_, select

from portal.authz import PORTAL_STAFF, load_administration, load_domain, portal_role_required
from portal.extensions import db
from portal.htmx import fragment_or_redirect, render, saved
from portal.models import Administration, Domain, NmbrsSettings
from portal.models.nmbrs_link import PORTAL_SCOPE
from portal.services import nmbrs_link
from portal.services.effective_settings import (
    DAYS,
    GROUPS,
    IMPORT_FLAGS,
    compute,
    settings_rows,
)
from portal.views.nmbrs_settings_forms import ConnectionForm, OverrideForm

bp = Blueprint("nmbrs_settings", __name__, url_prefix="/settings/nmbrs")
DOMAINS_PER_PAGE = 50
# The administration form opens inside the domain page, next to the domain form: other ids.
ADMINISTRATION_PREFIX = "administration"


def _feature_off():
    """The feature is off for the portal: say so and how to get it, offer nothing else."""
    return render("nmbrs_settings/feature_off.html", "nmbrs_settings/_feature_off.html",
                  200 if request.method == "GET" else 409)


def feature_required(view):
    from functools import wraps

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.portal.nmbrs_enabled:
            return _feature_off()
        return view(*args, **kwargs)

    return wrapped


def _last_import_summary(portal):
    """The last import's status line, once the imports engineer's service exists."""
    try:
        module = importlib.import_module("portal.services.import_status")
    except ModuleNotFoundError as error:
        if error.name != "portal.services.import_status":
            raise
        return None
    return module.last_import_summary(portal)


def _connection_context():
    portal = current_user.portal
    row = nmbrs_link.portal_row(portal)
    settings = compute(portal.nmbrs_enabled, row)
    overrides_with_credentials = 0
    if settings.connected:
        overrides_with_credentials = db.session.scalar(
            select(func.count(NmbrsSettings.id)).where(
                NmbrsSettings.portal_id == portal.id, NmbrsSettings.scope != PORTAL_SCOPE,
                NmbrsSettings.username.is_not(None)))
    return {
        "row": row,
        "settings": settings,
        "last_import": _last_import_summary(portal) if settings.connected else None,
        "overrides_with_credentials": overrides_with_credentials,
    }


@bp.get("")
@portal_role_required(*PORTAL_STAFF)
@feature_required
def index():
    """The portal's link (or a Connect button) and the domains with a payroll contract."""
    return render("nmbrs_settings/index.html", "nmbrs_settings/_connection.html",
                  **_connection_context(), **_domains_context())


@bp.get("/connection")
@portal_role_required(*PORTAL_STAFF)
@feature_required
def connection():
    """The connection section alone (Cancel of the connect/edit form)."""
    return fragment_or_redirect("nmbrs_settings/_connection.html", url_for(".index"),
                                **_connection_context())


def _render_connection_form(form, mode, status=200, alert=None, row=None):
    return render("nmbrs_settings/connection_form.html", "nmbrs_settings/_connection_form.html",
                  status, form=form, mode=mode, alert=alert, row=row)


@bp.get("/connect")
@portal_role_required(*PORTAL_STAFF)
@feature_required
def connect_form():
    """The connect form: credentials, import preferences (all on) and import days."""
    row = nmbrs_link.portal_row(current_user.portal)
    if row is not None and row.has_credentials:
        return redirect(url_for(".edit_form"))
    form = ConnectionForm(formdata=None)
    if row is not None:  # preferences kept from an earlier link
        form.fill({name: getattr(row, name) for name in (*IMPORT_FLAGS, *DAYS)})
    return _render_connection_form(form, "connect")


@bp.post("/connect")
@portal_role_required(*PORTAL_STAFF)
@feature_required
def connect():
    """Verify the credentials with Nmbrs, then store the link (token encrypted)."""
    portal = current_user.portal
    existing = nmbrs_link.portal_row(portal)
    if existing is not None and existing.has_credentials:
        abort(409)
    form = ConnectionForm()
    form.sync_import_switches()
    if form.validate_on_submit():
        try:
            nmbrs_link.connect(portal, current_user, form.username.data, form.token.data,
                               form.preferences())
        except nmbrs_link.CredentialsRejected as error:
            db.session.rollback()
            form.token.errors.append(str(error))
            return _render_connection_form(form, "connect", 422)
        except nmbrs_link.NmbrsLinkError as error:
            db.session.rollback()
            return _render_connection_form(form, "connect", 422, alert=str(error))
        db.session.commit()
        return _saved("Connected to Nmbrs. Payroll documents are imported automatically.")
    return _render_connection_form(form, "connect", 422)


def _saved(message):
    return saved(message, url_for(".index"), "nmbrs_settings/_connection.html",
                 **_connection_context())


def _connected_row_or_redirect():
    row = nmbrs_link.portal_row(current_user.portal)
    if row is None or not row.has_credentials:
        return None
    return row


@bp.get("/edit")
@portal_role_required(*PORTAL_STAFF)
@feature_required
def edit_form():
    """The same form with the stored values; the token field stays empty."""
    row = _connected_row_or_redirect()
    if row is None:
        return redirect(url_for(".connect_form"))
    form = ConnectionForm(formdata=None, username=row.username)
    form.fill({name: getattr(row, name) for name in (*IMPORT_FLAGS, *DAYS)})
    form.token_required = False
    return _render_connection_form(form, "edit", row=row)


@bp.post("/edit")
@portal_role_required(*PORTAL_STAFF)
@feature_required
def edit():
    """Save the changed link; an empty token keeps the stored one, new credentials are verified."""
    row = _connected_row_or_redirect()
    if row is None:
        abort(409)
    form = ConnectionForm()
    form.token_required = False
    form.sync_import_switches()
    if form.validate_on_submit():
        try:
            changes = nmbrs_link.update_connection(current_user.portal, form.username.data,
                                                   form.token.data or None, form.preferences())
        except nmbrs_link.CredentialsRejected as error:
            db.session.rollback()
            form.token.errors.append(str(error))
            return _render_connection_form(form, "edit", 422, row=row)
        except nmbrs_link.NmbrsLinkError as error:
            db.session.rollback()
            return _render_connection_form(form, "edit", 422, alert=str(error), row=row)
        db.session.commit()
        return _saved(_saved_message(changes))
    return _render_connection_form(form, "edit", 422, row=row)


def _saved_message(changes: dict) -> str:
    if changes.get("imports_resumed"):
        return "Nmbrs accepted the credentials; automatic imports resume."
    return "Nmbrs settings saved." if changes else "Nothing changed."


@bp.get("/disconnect")
@portal_role_required(*PORTAL_STAFF)
@feature_required
def disconnect_confirm():
    """Ask for confirmation: a <dialog> for htmx, a confirmation page without JavaScript."""
    context = _connection_context()
    if not context["settings"].connected:
        return redirect(url_for(".index"))
    return render("nmbrs_settings/disconnect.html", "nmbrs_settings/_disconnect_dialog.html",
                  **context)


@bp.post("/disconnect")
@portal_role_required(*PORTAL_STAFF)
@feature_required
def disconnect():
    """Delete the stored credentials and stop the automatic imports; documents stay."""
    nmbrs_link.disconnect(current_user.portal)
    db.session.commit()
    return _saved("Disconnected from Nmbrs. Automatic imports have stopped; imported documents "
                  "and the import history are kept.")


# --- domains and administrations --------------------------------------------------------------

def _domains_context():
    """One page of the domains with an administration with an active payroll contract.

    A constant number of queries: count, page, settings rows, administration counts."""
    portal = current_user.portal
    has_payroll = exists(
        select(Administration.id).where(Administration.domain_id == Domain.id,
                                        or_(Administration.payroll_contract,
                                            Domain.nmbrs_enabled)))
    base = select(Domain).where(Domain.portal_id == portal.id, has_payroll)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, math.ceil(total / DOMAINS_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    domains = db.session.scalars(
        base.order_by(Domain.name).limit(DOMAINS_PER_PAGE).offset((page - 1) * DOMAINS_PER_PAGE)
    ).all()
    ids = [domain.id for domain in domains]
    rows = settings_rows(portal.id, ids)
    counts = {}
    if ids:
        counts = {
            domain_id: (administrations, overrides)
            for domain_id, administrations, overrides in db.session.execute(
                select(Administration.domain_id, func.count(Administration.id),
                       func.count(NmbrsSettings.id))
                .join(Domain, Domain.id == Administration.domain_id)
                .outerjoin(NmbrsSettings, NmbrsSettings.administration_id == Administration.id)
                .where(Administration.domain_id.in_(ids),
                       or_(Administration.payroll_contract, Domain.nmbrs_enabled))
                .group_by(Administration.domain_id))
        }
    portal_row = rows.get(PORTAL_SCOPE)
    return {
        "domain_rows": [
            (domain,
             compute(portal.nmbrs_enabled,
                     rows.get(NmbrsSettings.scope_for(domain_id=domain.id)), portal_row),
             NmbrsSettings.scope_for(domain_id=domain.id) in rows,
             counts.get(domain.id, (0, 0)))
            for domain in domains
        ],
        "page_number": page,
        "pages": pages,
        "total_domains": total,
    }


def _override_form(row, parent_settings, formdata=None, prefix=""):
    """The different-settings form, showing own values or else the inherited ones."""
    form = OverrideForm(formdata=formdata, prefix=prefix)
    if formdata is None:
        values = {name: getattr(parent_settings, name) for name in (*IMPORT_FLAGS, *DAYS)}
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


def _domain_context(domain, form=None):
    portal_enabled = current_user.portal.nmbrs_enabled
    rows = settings_rows(domain.portal_id, [domain.id], administrations_of=domain.id)
    portal_row = rows.get(PORTAL_SCOPE)
    domain_row = rows.get(NmbrsSettings.scope_for(domain_id=domain.id))
    domain_settings = compute(portal_enabled, domain_row, portal_row)
    portal_settings = compute(portal_enabled, portal_row)
    administrations = db.session.scalars(
        select(Administration)
        .join(Domain, Domain.id == Administration.domain_id)
        .where(Administration.domain_id == domain.id,
               or_(Administration.payroll_contract, Domain.nmbrs_enabled))
        .order_by(Administration.name)
    ).all()
    return {
        "domain": domain,
        "domain_row": domain_row,
        "settings": domain_settings,
        "parent_settings": portal_settings,
        "form": form or _override_form(domain_row, portal_settings),
        "administration_rows": [
            (administration,
             compute(portal_enabled,
                     rows.get(NmbrsSettings.scope_for(administration_id=administration.id)),
                     domain_row, portal_row),
             NmbrsSettings.scope_for(administration_id=administration.id) in rows)
            for administration in administrations
        ],
    }


def _load_domain(domain_id):
    domain = load_domain(domain_id, manage=True)
    if not domain.portal.nmbrs_enabled:
        return None
    return domain


@bp.get("/domains/<int:domain_id>")
def domain(domain_id):
    """A domain's different settings, and its administrations with theirs."""
    domain = _load_domain(domain_id)
    if domain is None:
        return _feature_off()
    return render("nmbrs_settings/domain.html", "nmbrs_settings/_domain_settings.html",
                  **_domain_context(domain))


@bp.post("/domains/<int:domain_id>")
def save_domain(domain_id):
    """Save the domain's different settings ("as portal" or own, per group)."""
    domain = _load_domain(domain_id)
    if domain is None:
        return _feature_off()
    row = nmbrs_link.override_row(domain)
    form = _override_form(row, None, formdata=request.form)
    form.sync_import_switches()
    saved, changed, alert = _save_override(domain, form)
    if saved:
        return _domain_saved(domain, "Settings of the domain saved." if changed
                             else "Nothing changed.")
    return _render_domain(domain, form, 422, alert=alert)


def _save_override(target, form) -> tuple[bool, bool, str | None]:
    """Validate and save a domain's or administration's different settings.

    Returns (saved, anything changed, a message for the whole form). Rejected credentials
    land on the token field; Nmbrs being unreachable is the message."""
    if not form.validate_on_submit():
        return False, False, None
    try:
        changes = nmbrs_link.save_override(target, form.groups())
    except nmbrs_link.CredentialsRejected as error:
        db.session.rollback()
        form.token.errors.append(str(error))
        return False, False, None
    except nmbrs_link.NmbrsLinkError as error:
        db.session.rollback()
        return False, False, str(error)
    db.session.commit()
    return True, bool(changes), None


def _render_domain(domain, form=None, status=200, alert=None):
    context = _domain_context(domain, form)
    return render("nmbrs_settings/domain.html", "nmbrs_settings/_domain_settings.html", status,
                  alert=alert, **context)


def _domain_saved(domain, message):
    return saved(message, url_for(".domain", domain_id=domain.id),
                 "nmbrs_settings/_domain_settings.html", alert=None, **_domain_context(domain))


@bp.post("/domains/<int:domain_id>/reset")
def reset_domain(domain_id):
    """"Use the portal settings": remove the domain's different settings."""
    domain = _load_domain(domain_id)
    if domain is None:
        return _feature_off()
    nmbrs_link.remove_override(domain)
    db.session.commit()
    return _domain_saved(domain, "The domain uses the portal settings.")


def _load_administration(administration_id):
    administration = load_administration(administration_id, manage=True)
    if not administration.domain.portal.nmbrs_enabled:
        return None, None
    rows = settings_rows(administration.domain.portal_id, [administration.domain_id])
    own = nmbrs_link.override_row(administration)
    enabled = administration.domain.portal.nmbrs_enabled
    domain_row = rows.get(NmbrsSettings.scope_for(domain_id=administration.domain_id))
    return administration, {
        "administration": administration,
        "domain": administration.domain,
        "own_row": own,
        "parent_settings": compute(enabled, domain_row, rows.get(PORTAL_SCOPE)),
        "settings": compute(enabled, own, domain_row, rows.get(PORTAL_SCOPE)),
        "has_override": own is not None,
    }


@bp.get("/administrations/<int:administration_id>")
def administration(administration_id):
    """The administration's different settings (an inline row form for htmx)."""
    administration, context = _load_administration(administration_id)
    if administration is None:
        return _feature_off()
    form = _override_form(context["own_row"], context["parent_settings"],
                          prefix=ADMINISTRATION_PREFIX)
    return render("nmbrs_settings/administration.html",
                  "nmbrs_settings/_administration_form_row.html", form=form, **context)


@bp.get("/administrations/<int:administration_id>/row")
def administration_row(administration_id):
    """The administration's read-only row (Cancel of the inline form)."""
    administration, context = _load_administration(administration_id)
    if administration is None:
        return _feature_off()
    return fragment_or_redirect("nmbrs_settings/_administration_row.html",
                                url_for(".domain", domain_id=administration.domain_id), **context)


@bp.post("/administrations/<int:administration_id>")
def save_administration(administration_id):
    """Save the administration's different settings ("as domain" or own, per group)."""
    administration, context = _load_administration(administration_id)
    if administration is None:
        return _feature_off()
    form = _override_form(context["own_row"], None, formdata=request.form,
                          prefix=ADMINISTRATION_PREFIX)
    form.sync_import_switches()
    saved, changed, alert = _save_override(administration, form)
    if saved:
        return _administration_saved(
            administration, "Settings saved." if changed else "Nothing changed.")
    return render("nmbrs_settings/administration.html",
                  "nmbrs_settings/_administration_form_row.html", 422, form=form, alert=alert,
                  **context)


def _administration_saved(administration, message):
    _, context = _load_administration(administration.id)
    return saved(message,
                 url_for(".domain", domain_id=administration.domain_id)
                 + f"#administration-{administration.id}",
                 "nmbrs_settings/_administration_row.html",
                 flashed=f"{administration.name}: {message}", **context)


@bp.post("/administrations/<int:administration_id>/reset")
def reset_administration(administration_id):
    """"Use the domain settings": remove the administration's different settings."""
    administration, _context = _load_administration(administration_id)
    if administration is None:
        return _feature_off()
    nmbrs_link.remove_override(administration)
    db.session.commit()
    return _administration_saved(administration, "Uses the domain settings.")
