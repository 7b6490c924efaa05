"""The task inbox: one place that raises, resolves, completes and assigns tasks.

Assignment model: a new task is assigned to *the portal administrators as a group*
(`assignee_id` None, shown as "Portal administrators"); every Portal administrator counts it as
one of "my tasks". Reassigning gives it to one portal user of the same portal. The import jobs
call `raise_task` when something goes wrong and `resolve_tasks` when an import succeeds.
"""

import json
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal import stored_text
from portal.extensions import db
from portal.models import Administration, Portal, PortalRole, Task, TaskStatus, User
from portal.models._common import utcnow
from portal.services import audit
from portal.stored_text import N_, text


class TaskError(ValueError):
    """A request the task rules do not allow; the message is shown to the user."""


def _dedupe_key(administration_id: int | None, cause: str) -> str:
    return f"{administration_id if administration_id is not None else 'portal'}:{cause}"


def _links_json(links) -> list[list[str]]:
    return [[str(label), str(url)] for label, url in (links or [])]


def raise_task(administration: Administration | None = None, *, portal: Portal | None = None,
               cause: str, title: str | dict, message: str | dict,
               links: list[tuple[str, str]] | None = None,
               import_run_id: int | None = None, now: datetime | None = None) -> Task:
    """Record that a problem happened: a new task, or one more occurrence of the same one.

    De-duplicated by (portal, administration, cause): an open task gets occurrences + 1 and a new
    last seen; a completed one is reopened. The caller commits.

    `title` and `message` are stored texts (`portal.stored_text.text(N_("..."), ...)`), shown in
    the reader's language; a plain string is shown as it is (translated if it is a known text).
    """
    if administration is None and portal is None:
        raise TypeError("raise_task needs an administration or portal=")
    portal_id = administration.domain.portal_id if administration is not None else portal.id
    administration_id = administration.id if administration is not None else None
    now = now or utcnow()
    key = _dedupe_key(administration_id, cause)

    task = _find(portal_id, key)
    if task is None:
        task = Task(portal_id=portal_id, administration_id=administration_id, cause=cause,
                    dedupe_key=key, links=_links_json(links),
                    import_run_id=import_run_id, status=TaskStatus.OPEN, occurrences=1,
                    first_seen=now, last_seen=now, assignee_id=None)
        _set_texts(task, title, message)
        try:
            # A savepoint: another worker may insert the same task between our SELECT and INSERT.
            with db.session.begin_nested():
                db.session.add(task)
        except IntegrityError:
            task = _find(portal_id, key)
            if task is None:
                raise
        else:
            return task
    _repeat(task, title, message, links, import_run_id, now)
    return task


def _set_texts(task: Task, title, message) -> None:
    task.title = stored_text.english(title)[:200]
    task.message = stored_text.english(message)
    task.texts = {"title": title, "message": message}


def _find(portal_id: int, key: str) -> Task | None:
    return db.session.scalar(
        select(Task).where(Task.portal_id == portal_id, Task.dedupe_key == key)
    )


def _repeat(task: Task, title, message, links, import_run_id, now) -> None:
    task.occurrences += 1
    task.last_seen = max(task.last_seen, now)
    _set_texts(task, title, message)
    task.links = _links_json(links)
    if import_run_id is not None:
        task.import_run_id = import_run_id
    if task.status == TaskStatus.COMPLETED:
        task.status = TaskStatus.OPEN
        task.completed_at = task.completed_by_id = task.completed_reason = None
        if task.assignee is not None and (task.assignee.portal_role is None
                                          or task.assignee.portal_id != task.portal_id):
            task.assignee_id = None  # the person lost the role meanwhile: back to the group
        audit.record(task.portal_id, "task.reopened", task, {"cause": task.cause}, user=None)


def resolve_tasks(administration: Administration, cause_prefix: str | None = None,
                  now: datetime | None = None, keep_causes: set[str] = frozenset()) -> int:
    """Complete the administration's open tasks whose cause is gone (an import succeeded).

    `keep_causes` are problems the same import just ran into again: they stay open.
    """
    query = select(Task).where(Task.administration_id == administration.id,
                               Task.status == TaskStatus.OPEN)
    if cause_prefix:
        query = query.where(Task.cause.startswith(cause_prefix, autoescape=True))
    if keep_causes:
        query = query.where(Task.cause.not_in(keep_causes))
    tasks = db.session.scalars(query).all()
    for task in tasks:
        _complete(task, now or utcnow(), None,
                  N_("The cause is gone: the next import succeeded."))
    return len(tasks)


def resolve_cause(administration_id: int, cause: str, reason: str,
                  now: datetime | None = None) -> int:
    """Complete the administration's open task of exactly this cause."""
    tasks = db.session.scalars(select(Task).where(
        Task.administration_id == administration_id, Task.cause == cause,
        Task.status == TaskStatus.OPEN)).all()
    for task in tasks:
        _complete(task, now or utcnow(), None, reason)
    return len(tasks)


def resolve_portal_cause(portal_id: int, cause: str, reason: str,
                         now: datetime | None = None) -> int:
    """Complete the open task of a cause, also a portal-level one (no administration)."""
    tasks = db.session.scalars(select(Task).where(
        Task.portal_id == portal_id, Task.cause == cause, Task.status == TaskStatus.OPEN)).all()
    for task in tasks:
        _complete(task, now or utcnow(), None, reason)
    return len(tasks)


def complete_stale_tasks(now: datetime | None = None) -> int:
    """Complete open tasks without a repeat for TASK_AUTO_COMPLETE_DAYS days; commits."""
    now = now or utcnow()
    days = int(current_app.config["TASK_AUTO_COMPLETE_DAYS"])
    tasks = db.session.scalars(
        select(Task).where(Task.status == TaskStatus.OPEN,
                           Task.last_seen <= now - timedelta(days=days))
    ).all()
    for task in tasks:
        _complete(task, now, None, json.dumps(text(N_("No repeat for %(days)s days."), days=days)))
    db.session.commit()
    return len(tasks)


def complete_task(task: Task, user: User, now: datetime | None = None) -> None:
    """Mark as completed by hand (audited). Completing a completed task changes nothing."""
    if not task.is_open:
        return
    _complete(task, now or utcnow(), user, N_("Marked as completed."))


def _complete(task: Task, now: datetime, user: User | None, reason: str) -> None:
    task.status = TaskStatus.COMPLETED
    task.completed_at = now
    task.completed_by_id = user.id if user is not None else None
    task.completed_reason = reason
    audit.record(task.portal_id, "task.completed", task,
                 {"cause": task.cause, "reason": reason, "automatic": user is None}, user=user)


def assignable_users(portal_id: int) -> list[User]:
    """The users a task may be assigned to: the portal's users with a portal role."""
    return list(db.session.scalars(
        select(User).where(User.portal_id == portal_id, User.portal_role.is_not(None))
        .order_by(User.email)
    ))


def reassign_task(task: Task, assignee: User | None, user: User | None = None) -> None:
    """Give the task to another portal user of its portal (None: the portal administrators)."""
    if assignee is not None and (assignee.portal_id != task.portal_id
                                 or assignee.portal_role is None):
        raise TaskError(gettext("Choose a user of this portal with a portal role."))
    previous = task.assignee_label
    task.assignee = assignee
    task.assignee_id = assignee.id if assignee is not None else None
    audit.record(task.portal_id, "task.reassigned", task,
                 {"from": previous, "to": task.assignee_label}, user=user)


def mine_condition(user: User):
    """SQL: the task is assigned to `user` (for administrators: also to their group)."""
    if user.portal_role == PortalRole.ADMIN:
        return or_(Task.assignee_id == user.id, Task.assignee_id.is_(None))
    return Task.assignee_id == user.id


def open_task_count(user: User) -> int:
    """How many open tasks are assigned to `user` (the badge); one COUNT query."""
    if user is None or not getattr(user, "is_authenticated", False) or user.portal_role is None:
        return 0
    return db.session.scalar(
        select(func.count(Task.id)).where(
            and_(Task.portal_id == user.portal_id, Task.status == TaskStatus.OPEN,
                 mine_condition(user))
        )
    ) or 0


__all__ = ["raise_task", "resolve_tasks", "resolve_portal_cause", "resolve_cause",
           "complete_stale_tasks", "open_task_count", "complete_task", "reassign_task",
           "assignable_users", "mine_condition", "TaskError"]
