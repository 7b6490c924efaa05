"""The daily dispatcher: queue one import per administration that is due today, and tidy the
task inbox."""

from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext
from rq.exceptions import DuplicateJobError
from sqlalchemy import select

from jobs.enqueue import start_automatic_import
from jobs.queue import get_queue
from portal.extensions import db
from portal.models import Portal
from portal.services.dispatch_time import dispatch_moment, local_today, next_dispatch_day
from portal.services.effective_settings import effective_settings_for_all
from portal.services.tasks import complete_stale_tasks


def due_administrations(today: date) -> list[int]:
    """Administrations with a payroll contract, automatic import on, and today in their window."""
    due = []
    for portal in db.session.scalars(select(Portal).where(Portal.nmbrs_enabled)):
        for administration_id, settings in effective_settings_for_all(portal).items():
            if settings.auto_import_enabled and settings.in_window(today):
                due.append(administration_id)
    return sorted(due)


def dispatch_daily_imports(day: str | None = None) -> int:
    """Queue today's imports and schedule tomorrow's dispatch; returns how many were queued."""
    today = date.fromisoformat(day) if day else local_today()
    # First tomorrow's dispatch: should anything below fail, the days after still run.
    schedule_dispatch(today + timedelta(days=1))
    queued = sum(1 for administration_id in due_administrations(today)
                 if start_automatic_import(administration_id, today) is not None)
    complete_stale_tasks()  # tasks without a repeat for TASK_AUTO_COMPLETE_DAYS days
    get_queue("default").enqueue("jobs.nmbrs_consents.refresh_consents")  # REST consents
    return queued


def schedule_dispatch(day: date) -> None:
    """Put the dispatcher of `day` in RQ's scheduler (once: the job id is the date), at
    IMPORT_DISPATCH_TIME in Europe/Amsterdam (an aware time: the server's zone does not matter)."""
    when = dispatch_moment(day)
    try:
        get_queue("default").enqueue_at(when, dispatch_daily_imports, day.isoformat(),
                                        job_id=f"dispatch-{day:%Y%m%d}", unique=True)
    except DuplicateJobError:
        pass


def ensure_dispatch_scheduled(now: datetime | None = None) -> None:
    """Called when a worker starts: the next dispatch is always in the schedule.

    `now` is UTC (naive or aware); default the current time."""
    schedule_dispatch(next_dispatch_day(now))


@click.command("dispatch-imports")
@click.option("--day", help="The day to dispatch for (YYYY-MM-DD); default today.")
@with_appcontext
def dispatch_imports_command(day):
    """Queue today's automatic imports now, as the daily dispatcher does at its time."""
    queued = dispatch_daily_imports(day)
    click.echo(f"Queued {queued} automatic import(s); a worker runs them.")
