"""Queues and enqueueing: one place that knows how jobs are put on Redis."""

import os

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from portal.extensions import redis_connection

QUEUE_NAMES = ("imports", "default")  # in priority order


def get_queue(name: str = "default", connection: Redis | None = None) -> Queue:
    # JSON, not pickle: whoever can write to Redis must not be able to run code in workers.
    return Queue(name, connection=connection or redis_connection(), serializer=JSONSerializer,
                 job_class=AppContextJob)


def in_app_context(callback):
    """Run an RQ callback (on_failure…) inside the worker's app context, like the jobs."""
    from functools import wraps

    @wraps(callback)
    def wrapped(*args, **kwargs):
        app = AppContextJob.flask_app
        if app is None:
            return callback(*args, **kwargs)
        with app.app_context():
            return callback(*args, **kwargs)

    return wrapped


class AppContextJob(Job):
    """A job that runs inside the Flask app context of the worker that performs it."""

    flask_app = None  # set by the worker command
    worker_pid = None  # the pid of the forking worker; its work horses have another

    def perform(self):
        app = type(self).flask_app
        if app is None:
            return super().perform()
        with app.app_context():
            from portal.extensions import db

            if type(self).worker_pid not in (None, os.getpid()):
                # A forked work horse must not reuse the parent's pooled connections.
                db.engine.dispose(close=False)
            try:
                return super().perform()
            finally:
                db.session.remove()
