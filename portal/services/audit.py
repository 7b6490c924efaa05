"""Writing the audit log."""

from flask import has_request_context
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEntry


def record(portal_id: int, action: str, target, details: dict | None = None, user=None) -> None:
    """Add an audit entry to the session; it is committed with the change it describes."""
    actor = user if user is not None else _signed_in_user()
    db.session.add(
        AuditEntry(
            portal_id=portal_id,
            user_id=actor.id if actor is not None else None,
            action=action,
            target_type=type(target).__name__.lower(),
            target_id=getattr(target, "id", None),
            details=details or {},
        )
    )


def _signed_in_user():
    """The user of the current request; None in the CLI and in jobs."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return current_user
