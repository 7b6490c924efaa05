"""The `flask --app app worker` command: an RQ worker whose jobs run in the app context."""

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

from jobs.queue import QUEUE_NAMES, AppContextJob, get_queue
from portal.extensions import redis_connection


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--fork/--no-fork", default=True, show_default=True,
              help="Run each job in a forked work horse (isolation), or in the worker process "
                   "itself (less CPU per job; for many small imports, see bench/).")
@click.option("--scheduler/--no-scheduler", default=True, show_default=True,
              help="Run RQ's scheduler (needed for retries with a delay and daily imports).")
@with_appcontext
def worker_command(burst, scheduler, fork):
    """Process import jobs until stopped."""
    _preload_job_modules()
    AppContextJob.flask_app = current_app._get_current_object()
    AppContextJob.worker_pid = os.getpid()
    connection = redis_connection()
    queues = [get_queue(name, connection) for name in QUEUE_NAMES]
    worker_class = Worker if fork else SimpleWorker
    worker = worker_class(
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
    from sqlalchemy.orm import configure_mappers

    import jobs.dispatch  # noqa: F401
    import jobs.imports  # noqa: F401

    configure_mappers()
