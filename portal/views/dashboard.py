"""The dashboard and the health check."""

from flask import Blueprint, render_template
from flask_login import current_user

from portal.services import dashboard as dashboard_service
from portal.services.task_causes import group_label

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    """The firm's daily view: the link, the last and next automatic round, open tasks by cause,
    administrations without an Nmbrs company, and the documents that arrived this month."""
    return render_template(
        "dashboard.html",
        portal=current_user.portal,
        board=dashboard_service.build(current_user),
        may_choose_company=dashboard_service.may_choose_company,
        group_label=group_label,
        list_limit=dashboard_service.LIST_LIMIT,
    )


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. No login, no I/O."""
    return {"status": "ok"}
