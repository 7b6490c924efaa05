"""Writing the audit log."""

from portal.extensions import db
from portal.models import AuditEntry


def record(portal_id: int, action: str, target, details: dict | None = None, *, user) -> None:
    """Add an audit entry to the session; it is committed with the change it describes.

    `user` is who did it: the signed-in user, passed down by the view; None for the operator's
    commands and the background jobs. Services never look it up in the request themselves."""
    db.session.add(
        AuditEntry(
            portal_id=portal_id,
            user_id=user.id if user is not None else None,
            action=action,
            target_type=type(target).__name__.lower(),
            target_id=getattr(target, "id", None),
            details=details or {},
        )
    )
