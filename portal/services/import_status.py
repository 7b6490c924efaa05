"""One line on the last import of a portal, for the Nmbrs settings screen."""

from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import format_moment
from portal.models import Administration, Domain, ImportRun


def last_import_summary(portal) -> str | None:
    """E.g. "24-11-2026 06:00, automatic, Bakkerij De Vries B.V.: succeeded"; None if none yet."""
    last = db.session.scalar(
        select(ImportRun).join(Administration, Administration.id == ImportRun.administration_id)
        .join(Domain, Domain.id == Administration.domain_id)
        .where(Domain.portal_id == portal.id)
        .order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(1))
    if last is None:
        return None
    when = format_moment(last.finished_at or last.started_at or last.created_at)
    who = gettext("automatic") if last.automatic else (
        last.requested_by.email if last.requested_by else gettext("by hand"))
    return gettext("%(when)s, %(who)s, %(administration)s: %(status)s", when=when, who=who,
                   administration=last.administration.name, status=last.status.label)
