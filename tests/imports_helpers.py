"""Helpers for import tests: a seeded demo portal linked to the local Nmbrs sandbox, a real
Redis database of its own, and a burst worker that runs the queued jobs in-process."""

from contextlib import contextmanager

from redis import Redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import func, select

from jobs.queue import AppContextJob, get_queue
from portal import demo_data
from portal.extensions import db
from portal.models import (
    Administration,
    JournalEntry,
    NmbrsSettings,
    PayrollRun,
    PaySlip,
    Portal,
    TaxAssessment,
)
from tests.conftest import make_app, redis_url

IMPORT_REDIS_URL = redis_url(12)


@contextmanager
def linked_demo_app(tmp_path, soap_url, **overrides):
    """The demo portal (seed-demo) connected to the sandbox at `soap_url`."""
    config = {
        "NMBRS_SOAP_URL": soap_url,
        "REDIS_URL": IMPORT_REDIS_URL,
        "DOCUMENT_STORE_PATH": str(tmp_path / "documents"),
        "IMPORT_RETRY_INTERVALS": [0, 0],  # retry at once: a burst worker has no scheduler
        "NMBRS_RETRY_BUDGET_SECONDS": 0,
    }
    config.update(overrides)
    app = make_app(tmp_path, **config)
    redis = Redis.from_url(IMPORT_REDIS_URL)
    redis.flushdb()
    with app.app_context():
        db.drop_all()
        db.create_all()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        connect_portal()
        AppContextJob.flask_app = app
        try:
            yield app
        finally:
            AppContextJob.flask_app = None
            db.session.remove()
            db.drop_all()
            for engine in db.engines.values():
                engine.dispose()
            redis.flushdb()


def connect_portal(**settings) -> NmbrsSettings:
    portal = db.session.scalar(select(Portal))
    row = NmbrsSettings(portal_id=portal.id, scope="portal", username=demo_data.SANDBOX_USERNAME,
                        token=demo_data.SANDBOX_TOKEN, subdomain=demo_data.SANDBOX_SUBDOMAIN,
                        import_payslips=True, import_journals=True, import_tax_assessments=True,
                        import_late_runs=False, first_day=1, last_day=31)
    for name, value in settings.items():
        setattr(row, name, value)
    db.session.add(row)
    db.session.commit()
    return row


def administration(name: str) -> Administration:
    return db.session.scalar(select(Administration).where(Administration.name == name))


def run_jobs(app) -> None:
    """Run every queued job in this process until the queues are empty."""
    connection = Redis.from_url(app.config["REDIS_URL"])
    queues = [get_queue(name, connection) for name in ("imports", "default")]
    SimpleWorker(queues, connection=connection, serializer=JSONSerializer,
                 job_class=AppContextJob).work(burst=True)
    db.session.expire_all()


def counts(administration_id: int) -> dict:
    def count(model):
        return db.session.scalar(select(func.count(model.id)).where(
            model.administration_id == administration_id))

    return {"runs": count(PayrollRun), "journals": count(JournalEntry),
            "payslips": count(PaySlip), "tax": count(TaxAssessment)}
