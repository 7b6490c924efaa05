"""The task inbox: problems of the automatic imports, for Portal administrators and back office."""

from math import ceil

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal.authz import PORTAL_STAFF, portal_role_required
from portal.extensions import db
from portal.htmx import is_htmx, render, saved
from portal.models import Administration, Domain, Task, TaskStatus, User
from portal.services import tasks as task_service
from portal.services.task_causes import (
    NARROWER_FAMILIES,
    cause_family,
    group_label,
    task_action,
    task_title,
)
from portal.validators import page_number, parse_id

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

PAGE_SIZE = 50
ASSIGNED_CHOICES = {"me": _l("Assigned to me"), "all": _l("Everyone")}


@bp.before_request
@portal_role_required(*PORTAL_STAFF)
def _only_portal_staff():
    """Tasks are the portal's: Portal administrators and Portal back office only."""


@bp.app_context_processor
def _task_badge_context():
    """`open_task_count()` for the badge in the navigation: counted once per request, lazily;
    `task_title` / `task_action`: the cause's words and its one action (task_causes)."""
    return {"open_task_count": _my_open_task_count, "task_title": task_title,
            "task_action": task_action}


def _my_open_task_count() -> int:
    if "open_task_count" not in g:
        g.open_task_count = task_service.open_task_count(current_user)
    return g.open_task_count


def load_task(task_id: int) -> Task:
    """A task of my portal; another portal's task does not exist for me (404)."""
    task = db.session.get(Task, task_id)
    if task is None or task.portal_id != current_user.portal_id:
        abort(404)
    return task


class Filters:
    """The list's filters, read leniently from the query string (bad values → defaults)."""

    def __init__(self, args):
        status = args.get("status", TaskStatus.OPEN.value)
        self.status = status if status in {s.value for s in TaskStatus} else TaskStatus.OPEN.value
        assigned = args.get("assigned", "me")
        self.assigned = assigned if assigned in ASSIGNED_CHOICES else "me"
        self.domain = parse_id(args.get("domain", ""))
        self.cause = args.get("cause", "")[:100]  # a cause family, e.g. "company.not-found"
        self.page = page_number(args.get("page"))

    def args(self, **changes) -> dict:
        values = {"status": self.status, "assigned": self.assigned,
                  "domain": self.domain or "", "cause": self.cause, "page": self.page}
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}

    def url(self, **changes) -> str:
        return url_for("tasks.index", **self.args(**changes))


def _list_context(filters: Filters) -> dict:
    query = select(Task).where(Task.portal_id == current_user.portal_id,
                               Task.status == TaskStatus(filters.status))
    if filters.assigned == "me":
        query = query.where(task_service.mine_condition(current_user))
    if filters.domain is not None:
        query = query.where(Task.administration_id.in_(
            select(Administration.id).where(Administration.domain_id == filters.domain)))
    groups = _cause_groups(query)
    if filters.cause:
        query = query.where(or_(Task.cause == filters.cause,
                                Task.cause.startswith(filters.cause + ":", autoescape=True),
                                Task.cause.startswith(filters.cause + ".", autoescape=True)))
        for narrower in NARROWER_FAMILIES.get(filters.cause, ()):  # counted in a group of its own
            query = query.where(~Task.cause.startswith(narrower, autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(ceil(total / PAGE_SIZE), 1)
    filters.page = min(filters.page, pages)
    tasks = db.session.scalars(
        query.order_by(Task.last_seen.desc(), Task.id.desc())
        .limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)
        .options(selectinload(Task.administration).selectinload(Administration.domain),
                 selectinload(Task.assignee))
    ).all()
    domains = db.session.scalars(
        select(Domain).where(Domain.portal_id == current_user.portal_id).order_by(Domain.name)
    ).all()
    return {"tasks": tasks, "total": total, "cause_groups": groups, "pages": pages,
            "filters": filters,
            "domains": domains, "statuses": list(TaskStatus),
            "assigned_choices": ASSIGNED_CHOICES,
            "assignees": task_service.assignable_users(current_user.portal_id)}


def _cause_groups(query) -> list[tuple[str, str, int]]:
    """(family, heading, count) of the listed tasks by cause, largest first: one GROUP BY."""
    listed = query.subquery()
    families: dict[str, int] = {}
    for cause, count in db.session.execute(
            select(listed.c.cause, func.count()).group_by(listed.c.cause)):
        family = cause_family(cause)
        families[family] = families.get(family, 0) + count
    return [(family, group_label(family), count) for family, count in
            sorted(families.items(), key=lambda item: (-item[1], item[0]))]


@bp.get("")
def index():
    """My open tasks by default; filters for status, assignee and domain; newest first, paged."""
    filters = Filters(request.args)
    return render("tasks/index.html", "tasks/_list.html", oob=is_htmx(),
                  **_list_context(filters))


@bp.get("/<int:task_id>")
def show(task_id):
    """One task: what went wrong, what to do, links to where it is fixed, and handling."""
    task = load_task(task_id)
    return render_template("tasks/show.html", task=task,
                           assignees=task_service.assignable_users(task.portal_id))


def _fragment() -> str:
    """The part of the page the form was in: the task page's handling panel or a list row."""
    return ("tasks/_handling.html" if request.form.get("fragment") == "detail"
            else "tasks/_row_response.html")


def _saved(task: Task, message: str):
    """htmx: the updated row or handling panel, the badge and the message out of band; else
    back to the page the form was on (303)."""
    g.pop("open_task_count", None)  # count after the change
    target = request.form.get("next", "")
    if not (target.startswith("/") and not target.startswith("//")):
        target = url_for("tasks.show", task_id=task.id)
    return saved(message, target, _fragment(), task=task, changed=True,
                 assignees=task_service.assignable_users(task.portal_id))


def _refused(task: Task, error: str):
    """Bad input: 422 with the message on the field (in the row or panel, or the task page)."""
    return render("tasks/show.html", _fragment(), 422, task=task, error=error,
                  changed=is_htmx(), assignees=task_service.assignable_users(task.portal_id))


@bp.post("/<int:task_id>/complete")
def complete(task_id):
    """Mark as completed by hand."""
    task = load_task(task_id)
    task_service.complete_task(task, current_user)
    db.session.commit()
    return _saved(task, _("Task completed: %(title)s", title=task_title(task)))


@bp.post("/<int:task_id>/assignee")
def reassign(task_id):
    """Give the task to another portal user of my portal (or back to the administrators)."""
    task = load_task(task_id)
    value = request.form.get("assignee", "")
    assignee = None
    if value:
        assignee_id = parse_id(value)
        assignee = db.session.get(User, assignee_id) if assignee_id else None
        if assignee is None or assignee.portal_id != task.portal_id or not assignee.portal_role:
            return _refused(task, _("Choose a portal user from the list."))
    task_service.reassign_task(task, assignee, current_user)
    db.session.commit()
    return _saved(task, _("Task assigned to %(assignee)s: %(title)s",
                          assignee=task.assignee_label, title=task_title(task)))


@bp.cli.command("complete-stale")
def complete_stale_command():
    """Complete open tasks without a repeat for TASK_AUTO_COMPLETE_DAYS days (run daily)."""
    import click

    count = task_service.complete_stale_tasks()
    click.echo(f"Completed {count} task{'s' if count != 1 else ''} without a repeat.")
