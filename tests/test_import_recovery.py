"""Issue 10: recovery from failures — a failed day is redone, paused credentials have a clean
exit, one import at a time per administration, and the import record of a re-run job.

Real Redis, real RQ workers, the local Nmbrs sandbox switched down/up and rejecting tokens."""

import time
from datetime import date

import pytest
from redis import Redis
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select

from jobs.enqueue import active_import, start_automatic_import, start_manual_import
from jobs.queue import get_queue
from portal.extensions import db
from portal.models import (
    CompanyLink,
    Employee,
    ImportRun,
    ImportStatus,
    JournalEntry,
    NmbrsSettings,
    PortalRole,
    Task,
    TaskStatus,
    User,
)
from portal.nmbrs.sandbox.testing import sandbox_server
from portal.services.importer import AdministrationImporter
from tests.conftest import Client
from tests.imports_helpers import administration, counts, linked_demo_app, run_jobs
from tests.test_import_jobs import BAKKERIJ, JANSEN, TODAY
from tests.test_import_killed_worker import kill_worker, start_worker, wait_until


@pytest.fixture
def sandbox():
    with sandbox_server(today=TODAY) as served:
        yield served


@pytest.fixture
def nmbrs(sandbox):
    """The sandbox app: `down`, `rejecting_tokens` and the world's changes."""
    return sandbox.app


@pytest.fixture
def app(tmp_path, sandbox):
    with linked_demo_app(tmp_path, sandbox.url) as app:
        yield app


def dispatch(app, day: date) -> str:
    result = app.test_cli_runner().invoke(args=["dispatch-imports", "--day", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def portal_admin_client(app) -> Client:
    user = db.session.scalar(select(User).where(User.portal_role == PortalRole.ADMIN))
    return Client(app).sign_in(user)


# -- 2. a failed day can be redone -----------------------------------------------------------


def test_a_failed_day_is_queued_again_once_nmbrs_is_back(app, nmbrs):
    nmbrs.down = True
    assert "Queued 3 automatic import(s)" in dispatch(app, TODAY)
    run_jobs(app)
    assert {r.status for r in db.session.scalars(select(ImportRun))} == {ImportStatus.FAILED}

    nmbrs.down = False
    assert "Queued 3 automatic import(s)" in dispatch(app, TODAY)
    run_jobs(app)
    assert counts(administration(BAKKERIJ).id) == {"runs": 1, "journals": 1, "payslips": 3,
                                                   "tax": 1}
    # A day that succeeded is not queued again.
    assert "Queued 0 automatic import(s)" in dispatch(app, TODAY)


# -- 5. paused credentials have a clean exit ---------------------------------------------------


def test_saving_the_same_valid_token_again_resumes_paused_imports(app, nmbrs):
    nmbrs.rejecting_tokens = True
    bakkerij = administration(BAKKERIJ)
    start_automatic_import(bakkerij.id, TODAY)
    run_jobs(app)
    row = db.session.scalar(select(NmbrsSettings))
    assert row.credentials_rejected_at is not None
    task = db.session.scalar(select(Task).where(Task.cause.startswith("credentials.invalid")))
    assert task.is_open and task.administration_id is None

    nmbrs.rejecting_tokens = False  # the token works again (fixed in Nmbrs)
    client = portal_admin_client(app)
    response = client.post("/settings/nmbrs/edit", {
        "username": row.username, "token": "", "import_all": "y", "import_all_was": "y",
        "import_payslips": "y", "import_journals": "y", "import_tax_assessments": "y",
        "first_day": "1", "last_day": "31"}, htmx=True)
    assert response.status_code == 200
    assert "automatic imports resume" in response.get_data(as_text=True)
    db.session.refresh(row)
    assert row.credentials_rejected_at is None
    assert db.session.get(Task, task.id).status == TaskStatus.COMPLETED


def test_a_successful_import_completes_the_portal_level_paused_task(app, nmbrs):
    nmbrs.rejecting_tokens = True
    bakkerij = administration(BAKKERIJ)
    start_automatic_import(bakkerij.id, TODAY)
    run_jobs(app)
    task = db.session.scalar(select(Task).where(Task.cause.startswith("credentials.invalid")))
    assert task.is_open

    nmbrs.rejecting_tokens = False
    manual = start_manual_import(bakkerij.id, None, "employees", {})
    run_jobs(app)
    assert db.session.get(ImportRun, manual.id).status == ImportStatus.SUCCEEDED
    assert db.session.get(Task, task.id).status == TaskStatus.COMPLETED
    assert db.session.scalar(select(NmbrsSettings)).credentials_rejected_at is None


# -- 6. one import at a time per administration ---------------------------------------------


def test_a_manual_import_waits_for_the_automatic_one_of_the_same_administration(app):
    bakkerij = administration(BAKKERIJ)
    automatic = start_automatic_import(bakkerij.id, TODAY)
    assert start_manual_import(bakkerij.id, None, "employees", {}) is None
    assert start_manual_import(bakkerij.id, None, "manual", {"year": 2026, "run_ids": [],
                                                             "documents": ["journal"]}) is None
    assert active_import(bakkerij.id).id == automatic.id
    # Another administration is not held up.
    assert start_manual_import(administration(JANSEN).id, None, "employees", {}) is not None

    client = portal_admin_client(app)
    response = client.post(f"/administrations/{bakkerij.id}/import/employees", htmx=True)
    assert "Automatic import of this administration is already queued" in (
        response.get_data(as_text=True))
    run_jobs(app)
    assert start_manual_import(bakkerij.id, None, "employees", {}) is not None


def test_an_employee_inserted_meanwhile_by_another_import_is_updated_not_duplicated(app):
    bakkerij = administration(BAKKERIJ)
    fatima = db.session.scalar(select(Employee).where(Employee.administration_id == bakkerij.id,
                                                      Employee.number == 2))
    db.session.delete(fatima)
    db.session.commit()
    importer = AdministrationImporter(bakkerij, client=None)
    importer._our_employees()  # loaded before the other import inserts number 2
    db.session.add(Employee(administration_id=bakkerij.id, number=2, name="Fatima (other)"))
    db.session.commit()

    class Details:
        number, name, street, house_number, postal_code, city = 2, "Fatima El Amrani", "", "", "", ""
        iban, bsn = None, None

    employee, created = importer.upsert_employee(Details())
    db.session.commit()
    assert not created and employee.name == "Fatima El Amrani"
    assert db.session.scalar(select(func.count(Employee.id)).where(
        Employee.administration_id == bakkerij.id, Employee.number == 2)) == 1


def test_a_company_linked_meanwhile_by_another_import_is_used(app):
    bakkerij = administration(BAKKERIJ)

    class RacingDirectory:
        def debtors(self):
            from portal.nmbrs.types import Debtor

            return [Debtor(id=1001, number="1", name=bakkerij.domain.name)]

        def companies(self, debtor_id):
            from portal.nmbrs.types import Company

            # Meanwhile another import links the company.
            db.session.add(CompanyLink(administration_id=bakkerij.id, company_id=54601,
                                       company_name=BAKKERIJ, company_number="1"))
            db.session.commit()
            return [Company(id=54601, number=int(bakkerij.relation_code), name=BAKKERIJ)]

    importer = AdministrationImporter(bakkerij, client=None, directory=RacingDirectory())
    assert importer._match_company().company_id == 54601
    assert db.session.scalar(select(func.count(CompanyLink.id))) == 1


# -- 7. the import record of a re-run job ---------------------------------------------------


@pytest.fixture
def slow_nmbrs():
    with sandbox_server(today=TODAY, latency=0.4) as served:
        yield served


def test_a_re_run_import_keeps_its_first_start_and_counts_every_attempt(tmp_path, slow_nmbrs):
    with linked_demo_app(tmp_path, slow_nmbrs.url) as app:
        jansen = administration(JANSEN)
        runs = [run for run in slow_nmbrs.app.world.companies if run.name == JANSEN][0].runs
        import_run = start_manual_import(jansen.id, None, "manual", {
            "year": 2026, "run_ids": [r.id for r in runs[:4]], "documents": ["journal"]})
        worker = start_worker(app)

        def journals() -> int:
            db.session.expire_all()
            return db.session.scalar(select(func.count(JournalEntry.id)))

        try:
            wait_until(lambda: journals() >= 1)
        finally:
            kill_worker(worker)
        db.session.expire_all()
        first = db.session.get(ImportRun, import_run.id)
        first_start, done_before = first.started_at, journals()
        assert first.status == ImportStatus.RUNNING and 1 <= done_before < 4

        time.sleep(0.01)
        registry = StartedJobRegistry(queue=get_queue("imports", Redis.from_url(
            app.config["REDIS_URL"])))
        registry.cleanup(timestamp=time.time() + 3600)
        run_jobs(app)

        record = db.session.get(ImportRun, import_run.id)
        assert record.status == ImportStatus.SUCCEEDED
        assert journals() == 4
        assert record.summary == {"journal": 4}  # both attempts together
        assert record.started_at == first_start
        assert record.attempts == 2


# -- 3. catching up by itself ---------------------------------------------------------------


def automatic_import(app, name: str, day: date) -> ImportRun:
    import_run = start_automatic_import(administration(name).id, day)
    assert import_run is not None
    run_jobs(app)
    return db.session.get(ImportRun, import_run.id)


def stored_periods(name: str) -> list[int]:
    from portal.models import PayrollRun

    return sorted(db.session.scalars(select(PayrollRun.period_end).where(
        PayrollRun.administration_id == administration(name).id)))


def test_months_missed_while_nmbrs_was_down_are_imported_once_it_answers(app, nmbrs):
    assert automatic_import(app, JANSEN, date(2026, 2, 20)).status == ImportStatus.SUCCEEDED
    assert stored_periods(JANSEN) == [2]
    nmbrs.down = True
    for day in (date(2026, 3, 20), date(2026, 4, 20)):
        assert automatic_import(app, JANSEN, day).status == ImportStatus.FAILED
    task = db.session.scalar(select(Task))
    assert task.status == TaskStatus.OPEN

    nmbrs.down = False
    assert automatic_import(app, JANSEN, date(2026, 5, 20)).status == ImportStatus.SUCCEEDED
    assert stored_periods(JANSEN) == [2, 3, 4, 5]  # March and April caught up
    jansen = administration(JANSEN)
    assert counts(jansen.id) == {"runs": 4, "journals": 4, "payslips": 8, "tax": 4}
    assert db.session.get(Task, task.id).status == TaskStatus.COMPLETED  # only now


def test_catching_up_is_bounded_and_older_months_become_a_task(app):
    assert automatic_import(app, JANSEN, date(2026, 1, 20)).status == ImportStatus.SUCCEEDED
    # Nothing ran in February, March and April; not in May's first weeks either.
    assert automatic_import(app, JANSEN, date(2026, 6, 2)).status == ImportStatus.SUCCEEDED
    assert stored_periods(JANSEN) == [1, 3, 4, 5]  # January and February: over 3 months back
    task = db.session.scalar(select(Task).where(Task.cause == "catch-up.limit"))
    assert task.is_open and "February 2026" in task.message and "by hand" in task.message
    # The next day's import leaves the task open: February is still missing.
    automatic_import(app, JANSEN, date(2026, 6, 3))
    assert db.session.get(Task, task.id).is_open


# -- 4. one outage, one task ------------------------------------------------------------------


def test_an_outage_gives_one_task_listing_the_administrations_until_all_caught_up(app, nmbrs):
    nmbrs.down = True
    assert "Queued 3" in dispatch(app, TODAY)
    run_jobs(app)
    tasks = db.session.scalars(select(Task)).all()
    assert len(tasks) == 1
    task = tasks[0]
    assert task.administration_id is None and task.cause == "nmbrs.unreachable"
    for name in (BAKKERIJ, JANSEN, "Tandartspraktijk Smit"):
        assert f'"{name}"' in task.message
    assert "will be retried" not in task.message and "What to do" in task.message

    nmbrs.down = False
    next_day = date(2026, 5, 21)
    assert automatic_import(app, BAKKERIJ, next_day).status == ImportStatus.SUCCEEDED
    task = db.session.get(Task, task.id)
    assert task.is_open and f'"{BAKKERIJ}"' not in task.message and f'"{JANSEN}"' in task.message

    assert "Queued 2" in dispatch(app, next_day)
    run_jobs(app)
    assert db.session.get(Task, task.id).status == TaskStatus.COMPLETED
    assert db.session.scalar(select(func.count(Task.id))) == 1


def test_a_manual_import_while_nmbrs_is_down_fails_with_a_task_naming_the_retries(app, nmbrs):
    """Found by ruff (F821): this path named `current_app` without importing it."""
    nmbrs.down = True
    bakkerij = administration(BAKKERIJ)
    import_run = start_manual_import(bakkerij.id, None, "employees", {})
    run_jobs(app)
    assert db.session.get(ImportRun, import_run.id).status == ImportStatus.FAILED
    task = db.session.scalar(select(Task).where(Task.administration_id == bakkerij.id))
    assert task is not None and task.cause == "nmbrs.unreachable"
    assert f"also after {len(app.config['IMPORT_RETRY_INTERVALS'])} retries" in task.message
