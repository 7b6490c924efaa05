"""Connecting the portal to Nmbrs, changing the link, disconnecting it, and the different
settings of domains and administrations.

Credentials are verified against Nmbrs before anything is stored. The token never leaves this
module except encrypted into the database: it is not logged and not written to the audit log.
Functions add their changes (and audit entries) to the session; the caller commits. `actor` (or
`user`) is who makes the change, for the audit log.
"""

from flask import current_app
from flask_babel import gettext

from portal.document_types import PREFERENCE_NAMES
from portal.extensions import db
from portal.models import Administration, Domain, NmbrsSettings, Portal
from portal.models._common import utcnow
from portal.models.nmbrs_link import PORTAL_SCOPE
from portal.nmbrs.errors import InvalidCredentials, NmbrsError
from portal.services import audit, nmbrs_access
from portal.services.effective_settings import GROUPS
from portal.stored_text import N_, render

PREFERENCES = PREFERENCE_NAMES


class NmbrsLinkError(Exception):
    """A problem to show to the user; str() is the message."""


class CredentialsRejected(NmbrsLinkError):
    """Nmbrs does not accept this user name and token."""


class NmbrsUnreachable(NmbrsLinkError):
    """Nmbrs did not answer (timeout, 5xx); nothing was verified."""


def verify_credentials(username: str, token: str) -> str:
    """Ask Nmbrs whether the credentials work; returns the Nmbrs sub-domain, which is stored
    with them (imports and pages then never ask for it again)."""
    try:
        return nmbrs_access.verify_credentials(username, token)
    except InvalidCredentials as error:
        raise CredentialsRejected(render(error.text)) from None
    except NmbrsError as error:
        raise NmbrsUnreachable(render(error.text)) from None


def portal_row(portal: Portal) -> NmbrsSettings | None:
    return db.session.scalar(db.select(NmbrsSettings).where(
        NmbrsSettings.portal_id == portal.id, NmbrsSettings.scope == PORTAL_SCOPE))


def override_row(target: Domain | Administration) -> NmbrsSettings | None:
    portal_id, scope = _scope_of(target)
    return db.session.scalar(db.select(NmbrsSettings).where(
        NmbrsSettings.portal_id == portal_id, NmbrsSettings.scope == scope))


def connect(portal: Portal, user, username: str, token: str, preferences: dict) -> NmbrsSettings:
    """Verify the credentials, then store the portal's link with its import preferences."""
    subdomain = verify_credentials(username, token)
    row = portal_row(portal) or NmbrsSettings(portal_id=portal.id, scope=PORTAL_SCOPE)
    db.session.add(row)
    _set_credentials(row, username, token, subdomain)
    for name in PREFERENCES:
        setattr(row, name, preferences[name])
    row.connected_by_id = user.id if user is not None else None
    row.connected_at = utcnow()
    db.session.flush()
    audit.record(portal.id, "nmbrs.connected", row,
                 {"username": username, "subdomain": subdomain,
                  **{name: preferences[name] for name in PREFERENCES}}, user=user)
    current_app.logger.info("Nmbrs link of portal %s connected (sub-domain %s).", portal.id,
                            subdomain)
    return row


def update_connection(portal: Portal, username: str, token: str | None,
                      preferences: dict, *, actor=None) -> dict:
    """Change the portal's link; an empty token keeps the stored one. Changed credentials are
    verified again. Returns the changes written to the audit log."""
    row = portal_row(portal)
    if row is None or not row.has_credentials:
        raise NmbrsLinkError(gettext("The portal is not connected to Nmbrs."))
    changes = _apply_credentials(row, username, token)
    for name in PREFERENCES:
        if getattr(row, name) != preferences[name]:
            changes[name] = {"from": getattr(row, name), "to": preferences[name]}
            setattr(row, name, preferences[name])
    if changes:
        audit.record(portal.id, "nmbrs.settings_changed", row, changes, user=actor)
        current_app.logger.info("Nmbrs link of portal %s changed: %s.", portal.id,
                                ", ".join(sorted(changes)))
    return changes


def disconnect(portal: Portal, *, actor=None) -> None:
    """Delete the portal's stored credentials: every automatic import stops.

    Imported documents and the import history are other tables and stay. The import preferences
    stay as defaults for a later reconnect, and so do the different settings (also credentials)
    of domains and administrations, which are not used while the portal is disconnected."""
    row = portal_row(portal)
    if row is None or not row.has_credentials:
        return
    username = row.username
    row.username = row.token = row.subdomain = None
    row.credentials_rejected_at = row.connected_at = row.connected_by_id = None
    audit.record(portal.id, "nmbrs.disconnected", row, {"username": username}, user=actor)
    current_app.logger.info("Nmbrs link of portal %s disconnected.", portal.id)


def save_override(target: Domain | Administration, groups: dict[str, dict | None], *,
                  actor=None) -> dict:
    """Set the different settings of a domain or an administration.

    `groups` maps "credentials", "imports" and "days" to their own values, or to None for "as
    the parent". Own credentials: {"username", "token"} where an empty token keeps the stored
    one; changed credentials are verified with Nmbrs first."""
    portal_id, scope = _scope_of(target)
    row = override_row(target)
    if row is None:
        row = NmbrsSettings(portal_id=portal_id, scope=scope)
        if isinstance(target, Domain):
            row.domain_id = target.id
        else:
            row.administration_id = target.id
    changes: dict = {}
    credentials = groups.get("credentials")
    if credentials is None:
        if row.has_credentials:
            changes["credentials"] = {"from": row.username, "to": None}
            row.username = row.token = row.subdomain = row.credentials_rejected_at = None
    else:
        changes.update(_apply_credentials(row, credentials["username"], credentials.get("token")))
    for group in ("imports", "days"):
        values = groups.get(group)
        for name in GROUPS[group]:
            value = None if values is None else values[name]
            if getattr(row, name) != value:
                changes[name] = {"from": getattr(row, name), "to": value}
                setattr(row, name, value)
    if not _has_any_setting(row):
        if row.id is not None:
            db.session.delete(row)
    elif changes:
        db.session.add(row)
        db.session.flush()
    if changes:
        audit.record(portal_id, "nmbrs.override_saved", target,
                     {"scope": scope, "changes": changes}, user=actor)
    return changes


def remove_override(target: Domain | Administration, *, actor=None) -> bool:
    """"Use the portal settings": remove the domain's or administration's different settings."""
    row = override_row(target)
    if row is None:
        return False
    portal_id, scope = _scope_of(target)
    db.session.delete(row)
    audit.record(portal_id, "nmbrs.override_removed", target, {"scope": scope}, user=actor)
    return True


def _apply_credentials(row: NmbrsSettings, username: str, token: str | None) -> dict:
    """Set credentials on a row after verifying them with Nmbrs.

    Verified whenever they change, a token is entered (also the same one) or Nmbrs rejected
    them earlier (paused): valid credentials always un-pause the automatic imports. Only an
    untouched form of working credentials asks Nmbrs nothing."""
    new_token = token or row.token
    if not new_token:
        raise NmbrsLinkError(gettext("Enter the API token."))
    paused = row.credentials_rejected_at is not None
    if username == row.username and not token and not paused:
        return {}
    subdomain = verify_credentials(username, new_token)
    changes = {}
    if username != row.username:
        changes["username"] = {"from": row.username, "to": username}
    if token and token != row.token:
        changes["token"] = "changed"  # never the value
    if paused:
        changes["imports_resumed"] = True
    _set_credentials(row, username, new_token, subdomain)
    return changes


def _set_credentials(row: NmbrsSettings, username: str, token: str, subdomain: str) -> None:
    row.username = username
    row.token = token
    row.subdomain = subdomain
    if row.credentials_rejected_at is not None and row.id is not None:
        from portal.services import tasks

        tasks.resolve_portal_cause(row.portal_id, f"credentials.invalid:{row.id}",
                                   N_("Nmbrs accepted the saved credentials; imports resumed."))
    row.credentials_rejected_at = None  # verified credentials: automatic imports resume


def _has_any_setting(row: NmbrsSettings) -> bool:
    return row.has_credentials or any(getattr(row, name) is not None for name in PREFERENCES)


def _scope_of(target: Domain | Administration) -> tuple[int, str]:
    if isinstance(target, Domain):
        return target.portal_id, NmbrsSettings.scope_for(domain_id=target.id)
    return target.domain.portal_id, NmbrsSettings.scope_for(administration_id=target.id)
