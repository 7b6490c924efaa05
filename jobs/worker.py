"""The `flask --app app worker` command: an RQ worker whose jobs run in the app context."""

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import Worker
from rq.serializers import JSONSerializer

from jobs.queue import QUEUE_NAMES, AppContextJob, get_queue, redis_connection


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--scheduler/--no-scheduler", default=True, show_default=True,
              help="Run RQ's scheduler (needed for retries with a delay and daily imports).")
@with_appcontext
def worker_command(burst, scheduler):
    """Process import jobs until stopped."""
    _preload_job_modules()
    AppContextJob.flask_app = current_app._get_current_object()
    AppContextJob.worker_pid = os.getpid()
    connection = redis_connection()
    queues = [get_queue(name, connection) for name in QUEUE_NAMES]
    worker = Worker(
        queues,
        connection=connection,
        serializer=JSONSerializer,
        job_class=AppContextJob,
        # A killed worker's job is found again within minutes, not the default quarter hour.
        worker_ttl=60,
        maintenance_interval=60,
    )
    if scheduler:
        from jobs.dispatch import ensure_dispatch_scheduled

        ensure_dispatch_scheduled()
    worker.work(burst=burst, with_scheduler=scheduler)


def _preload_job_modules() -> None:
    """Import the job code and configure the ORM once, before the worker forks: otherwise
    every work horse pays for it again, which costs more than a small import itself."""
    import jobs.dispatch  # noqa: F401
    import jobs.imports  # noqa: F401
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
