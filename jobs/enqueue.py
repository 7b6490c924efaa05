"""Starting imports: one ImportRun row and one RQ job with a deterministic id per import."""

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


def active_import(administration_id: int, kind: str) -> ImportRun | None:
    return db.session.scalar(select(ImportRun).where(
        ImportRun.administration_id == administration_id, ImportRun.kind == kind,
        ImportRun.status.in_(ACTIVE_STATUSES)))


def start_automatic_import(administration_id: int, day: date) -> ImportRun | None:
    """Queue today's automatic import of an administration, unless it is already queued."""
    from jobs.imports import import_administration

    return _start(administration_id, "automatic", None, {"day": day.isoformat()},
                  import_administration, job_id=f"auto-{administration_id}-{day:%Y%m%d}",
                  extra_args=(day.isoformat(),))


def start_manual_import(administration_id: int, user, kind: str,
                        request: dict) -> ImportRun | None:
    """Queue a manual import (runs, employees or WKR); None when one is already running."""
    from jobs import imports

    functions = {"manual": imports.manual_import, "employees": imports.import_employees,
                 "work-costs": imports.retrieve_work_costs}
    return _start(administration_id, kind, user, request, functions[kind])


def _start(administration_id, kind, user, request, func, job_id=None, extra_args=()):
    if active_import(administration_id, kind) is not None:
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
    job_id = job_id or f"{kind}-{import_run.id}"
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
