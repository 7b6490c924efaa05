"""Starting imports: one ImportRun row and one RQ job per import.

One import at a time per administration, whatever its kind: the database refuses a second
queued or running ImportRun of the same administration (`uq_import_run_active`), and the caller
is told which import is running. An automatic import is queued once per day unless that day's
import failed: a failed day can be queued again (the dispatcher, `flask dispatch-imports`).
"""

import secrets
from datetime import date

from flask import current_app
from rq import Callback, Retry
from rq.exceptions import DuplicateJobError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jobs.queue import get_queue
from portal.extensions import db
from portal.models import ImportRun, ImportStatus
from portal.models.imports import ACTIVE_STATUSES

JOB_TIMEOUT = "2h"


def active_import(administration_id: int, kind: str | None = None) -> ImportRun | None:
    """The queued or running import of the administration (of `kind`, if given)."""
    query = select(ImportRun).where(ImportRun.administration_id == administration_id,
                                    ImportRun.status.in_(ACTIVE_STATUSES))
    if kind is not None:
        query = query.where(ImportRun.kind == kind)
    return db.session.scalar(query.order_by(ImportRun.id).limit(1))


def automatic_job_prefix(administration_id: int, day: date) -> str:
    return f"auto-{administration_id}-{day:%Y%m%d}-"


def day_imported(administration_id: int, day: date) -> bool:
    """Whether the automatic import of `day` already succeeded (then it is not queued again)."""
    return db.session.scalar(select(ImportRun.id).where(
        ImportRun.administration_id == administration_id, ImportRun.kind == "automatic",
        ImportRun.status == ImportStatus.SUCCEEDED,
        ImportRun.job_id.startswith(automatic_job_prefix(administration_id, day),
                                    autoescape=True)).limit(1)) is not None


def start_automatic_import(administration_id: int, day: date) -> ImportRun | None:
    """Queue the automatic import of `day`, unless it succeeded already or an import of the
    administration is queued or running. A failed day is queued again."""
    from jobs.imports import import_administration

    if day_imported(administration_id, day):
        return None
    return _start(administration_id, "automatic", None, {"day": day.isoformat()},
                  import_administration, job_prefix=automatic_job_prefix(administration_id, day),
                  extra_args=(day.isoformat(),))


def start_manual_import(administration_id: int, user, kind: str,
                        request: dict) -> ImportRun | None:
    """Queue a manual import (runs, employees or WKR); None when an import of the
    administration is already queued or running (`active_import` says which)."""
    from jobs import imports

    functions = {"manual": imports.manual_import, "employees": imports.import_employees,
                 "work-costs": imports.retrieve_work_costs}
    return _start(administration_id, kind, user, request, functions[kind])


def _start(administration_id, kind, user, request, func, job_prefix=None, extra_args=()):
    if active_import(administration_id) is not None:
        return None
    import_run = ImportRun(administration_id=administration_id, kind=kind, request=request,
                           requested_by_id=user.id if user else None,
                           status=ImportStatus.QUEUED)
    db.session.add(import_run)
    try:
        db.session.commit()
    except IntegrityError:  # another process queued the same import a moment ago
        db.session.rollback()
        return None
    # One job per ImportRun. The row id alone is not unique in Redis: RQ keeps finished and
    # failed jobs for hours or days, and a database started anew (`make clean-demo`, a restored
    # backup, SQLite reusing deleted ids, a second installation on the same Redis) hands out
    # the same ids again; the import would then be refused as a duplicate and never run.
    job_id = f"{job_prefix or kind + '-'}{import_run.id}-{secrets.token_hex(4)}"
    import_run.job_id = job_id
    db.session.commit()
    try:
        get_queue("imports").enqueue(
            func, import_run.id, *extra_args, job_id=job_id, unique=True,
            retry=_retry(), on_failure=Callback("jobs.imports.import_job_failed"),
            job_timeout=JOB_TIMEOUT, result_ttl=3600, failure_ttl=7 * 24 * 3600)
    except DuplicateJobError:
        _forget(import_run)
        return None
    except Exception:
        _forget(import_run)  # e.g. Redis down: do not leave a "queued" row that blocks the next
        raise
    return import_run


def _forget(import_run: ImportRun) -> None:
    db.session.rollback()
    db.session.delete(db.session.merge(import_run))
    db.session.commit()


def _retry() -> Retry:
    """Transient Nmbrs errors are retried with backoff before a task is made."""
    intervals = current_app.config["IMPORT_RETRY_INTERVALS"]
    return Retry(max=len(intervals), interval=intervals) if any(intervals) else Retry(
        max=len(intervals))
