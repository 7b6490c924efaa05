"""The dashboard and the health check."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Administration, Domain
from portal.views.domains import visible_domains_query

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    """An overview of the portal for the signed-in user."""
    domains = visible_domains_query().subquery()
    administration_count = db.session.scalar(
        select(func.count(Administration.id)).where(Administration.domain_id.in_(select(domains.c.id)))
    )
    payroll_count = db.session.scalar(
        select(func.count(Administration.id)).where(
            Administration.domain_id.in_(select(domains.c.id)),
            Administration.has_active_payroll_contract,
        )
    )
    domain_count = db.session.scalar(select(func.count()).select_from(domains))
    return render_template(
        "dashboard.html",
        portal=current_user.portal,
        domain_count=domain_count,
        administration_count=administration_count,
        payroll_count=payroll_count,
    )


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. No login, no I/O."""
    return {"status": "ok"}


__all__ = ["bp", "Domain"]
