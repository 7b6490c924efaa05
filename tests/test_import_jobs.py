"""The import engine with a real Redis, a real RQ worker and the local Nmbrs sandbox."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from jobs.dispatch import dispatch_daily_imports, due_administrations
from jobs.enqueue import start_automatic_import, start_manual_import
from portal import demo_data
from portal.extensions import db
from portal.models import (
    Employee,
    ImportRun,
    ImportStatus,
    JournalEntry,
    NmbrsSettings,
    PayrollRun,
    PaySlip,
    Task,
    TaskStatus,
    TaxAssessment,
)
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.errors import NmbrsUnavailable
from portal.nmbrs.sandbox.testing import running_sandbox
from portal.services import import_progress
from tests.imports_helpers import administration, counts, linked_demo_app, run_jobs

TODAY = date(2026, 5, 20)  # the sandbox has runs for January–May of 2026
BAKKERIJ = "Bakkerij De Vries B.V."
JANSEN = "Installatiebedrijf Jansen B.V."


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(today=TODAY) as url:
        yield url


@pytest.fixture
def app(tmp_path, sandbox):
    with linked_demo_app(tmp_path, sandbox) as app:
        yield app


def automatic_import(app, name: str, day: date = TODAY) -> ImportRun:
    import_run = start_automatic_import(administration(name).id, day)
    assert import_run is not None
    run_jobs(app)
    return db.session.get(ImportRun, import_run.id)


def test_automatic_import_brings_this_months_documents(app):
    import_run = automatic_import(app, BAKKERIJ)
    assert import_run.status == ImportStatus.SUCCEEDED, import_run.error
    bakkerij = administration(BAKKERIJ)
    runs = db.session.scalars(select(PayrollRun).where(
        PayrollRun.administration_id == bakkerij.id)).all()
    assert [(r.year, r.period_end) for r in runs] == [(2026, 5)]  # the current month only
    assert counts(bakkerij.id) == {"runs": 1, "journals": 1, "payslips": 3, "tax": 1}
    # April's declaration: May's is only ready after May.
    tax = db.session.scalar(select(TaxAssessment))
    assert (tax.year, tax.period, tax.booking_date) == (2026, 4, date(2026, 4, 30))
    assert import_run.summary == {"journal": 1, "payslips": 3,
                                  "tax_assessments": 1}


def test_importing_twice_gives_the_same_counts(app):
    automatic_import(app, BAKKERIJ)
    first = counts(administration(BAKKERIJ).id)
    # The same day's import is never queued twice; the next day's finds nothing new.
    assert start_automatic_import(administration(BAKKERIJ).id, TODAY) is None
    second_run = automatic_import(app, BAKKERIJ, date(2026, 5, 21))
    assert second_run.status == ImportStatus.SUCCEEDED
    assert counts(administration(BAKKERIJ).id) == first
    assert second_run.summary == {}
    # A manual import of the same run afterwards adds nothing either.
    client_runs = _runs(app, BAKKERIJ)
    may = next(r for r in client_runs if r.period_end == 5)
    manual = start_manual_import(administration(BAKKERIJ).id, None, "manual", {
        "year": 2026, "run_ids": [may.id], "documents": ["journal", "payslips",
                                                         "tax_assessments"]})
    run_jobs(app)
    assert db.session.get(ImportRun, manual.id).status == ImportStatus.SUCCEEDED
    assert counts(administration(BAKKERIJ).id) == first


def _runs(app, name):
    client = NmbrsClient.from_config(app.config, "demo@vandijk-partners.nl",
                                     "demo-token-7f3a9c2e5b1d4f60a8e2")
    client.verify()
    from portal.models import CompanyLink

    link = db.session.scalar(select(CompanyLink).where(
        CompanyLink.administration_id == administration(name).id))
    if link is None:
        debtor = next(d for d in client.debtors() if d.name == "Bakkerij de Vries B.V.")
        company = next(c for c in client.companies(debtor.id) if c.name == name)
        return client.runs(company.id, 2026)
    return client.runs(link.company_id, 2026)


def test_journals_balance_and_land_on_the_last_day_of_the_period(app):
    runs = _runs(app, BAKKERIJ)
    thirteenth = next(r for r in runs if r.period_end == 13)
    february = next(r for r in runs if r.period_end == 2)
    import_run = start_manual_import(administration(BAKKERIJ).id, None, "manual", {
        "year": 2026, "run_ids": [thirteenth.id, february.id], "documents": ["journal"]})
    run_jobs(app)
    assert db.session.get(ImportRun, import_run.id).status == ImportStatus.SUCCEEDED
    assert import_progress.read(import_run.id) == (2, 2)  # "2 of 2 documents imported"
    entries = {e.payroll_run.period_end: e for e in db.session.scalars(select(JournalEntry))}
    assert entries[2].booking_date == date(2026, 2, 28)
    assert entries[13].booking_date == date(2026, 12, 31)  # the 13th period on 31 December
    for entry in entries.values():
        assert entry.total_debit == entry.total_credit > Decimal("0")
        assert all(isinstance(line.debit, Decimal) for line in entry.lines)
    assert db.session.scalar(select(PaySlip.id)) is None  # only the chosen document type


def test_a_missing_employee_is_created_from_nmbrs(app):
    bakkerij = administration(BAKKERIJ)
    fatima = db.session.scalar(select(Employee).where(Employee.number == 2,
                                                      Employee.administration_id == bakkerij.id))
    db.session.delete(fatima)
    db.session.commit()
    assert automatic_import(app, BAKKERIJ).status == ImportStatus.SUCCEEDED
    created = db.session.scalar(select(Employee).where(Employee.number == 2,
                                                       Employee.administration_id == bakkerij.id))
    assert created.name == "Fatima El Amrani"
    assert created.iban == "NL20INGB0001234567" and created.city == "Utrecht"
    assert counts(bakkerij.id)["payslips"] == 3


def test_an_employee_found_by_bsn_is_updated_not_duplicated(app):
    bakkerij = administration(BAKKERIJ)
    jan = db.session.scalar(select(Employee).where(Employee.number == 1,
                                                   Employee.administration_id == bakkerij.id))
    jan.number, jan.name = 901, "J. de Vries (old number)"
    db.session.commit()
    import_run = start_manual_import(bakkerij.id, None, "employees", {})
    run_jobs(app)
    assert db.session.get(ImportRun, import_run.id).status == ImportStatus.SUCCEEDED
    employees = db.session.scalars(select(Employee).where(
        Employee.administration_id == bakkerij.id)).all()
    assert sorted(e.number for e in employees) == [1, 2, 3]
    assert db.session.get(Employee, jan.id).name == "Jan de Vries"


def test_a_task_a_job_made_reads_in_the_language_of_its_reader(app):
    """The job has no reader: it stores the message id and its parameters, and each page
    shows them in the language of the user who reads it (Settings → Language)."""
    from html import unescape

    from portal.models import PortalRole, User
    from tests.conftest import Client

    bakkerij = administration(BAKKERIJ)
    bakkerij.name = "Bakkerij De Vries Holding B.V."
    db.session.commit()
    import_run = automatic_import(app, "Bakkerij De Vries Holding B.V.")
    task = db.session.scalar(select(Task))
    user = db.session.scalar(select(User).where(User.portal_role == PortalRole.ADMIN))
    client = Client(app).sign_in(user)

    def page(locale, path):
        user.locale = locale
        db.session.commit()
        return unescape(client.get(path).get_data(as_text=True))

    dutch = page("nl", f"/tasks/{task.id}")
    assert "Geen Nmbrs-bedrijf gevonden voor Bakkerij De Vries Holding B.V." in dutch
    assert 'Administratie: "Bakkerij De Vries Holding B.V.". Debiteur "' in dutch
    assert "kies het Nmbrs-bedrijf op de pagina van de administratie." in dutch
    assert ">De mislukte import</a>" in dutch
    assert "The failed import" not in dutch and "Administration:" not in dutch
    english = page("en", f"/tasks/{task.id}")
    assert "No Nmbrs company found for Bakkerij De Vries Holding B.V." in english
    assert 'Administration: "Bakkerij De Vries Holding B.V.". Debtor "' in english
    assert ">The failed import</a>" in english
    # The import history says why the import failed, in the reader's language too.
    history = f"/administrations/{bakkerij.id}/imports"
    assert "heeft geen Nmbrs-bedrijf met de naam" in page("nl", history)
    assert "mislukt" in page("nl", history)
    assert "has no Nmbrs company named" in page("en", history)
    assert import_run.error.startswith('Administration: "Bakkerij De Vries Holding B.V.". Debtor')


def test_a_mismatched_company_gives_a_task(app):
    bakkerij = administration(BAKKERIJ)
    bakkerij.name = "Bakkerij De Vries Holding B.V."
    db.session.commit()
    import_run = automatic_import(app, "Bakkerij De Vries Holding B.V.")
    assert import_run.status == ImportStatus.FAILED
    task = db.session.scalar(select(Task))
    assert task.cause == "company.not-found" and task.administration_id == bakkerij.id
    assert "Bakkerij De Vries Holding B.V." in task.message
    assert "choose the Nmbrs company" in task.message
    assert [label for label, _url in task.links] == ["Choose the Nmbrs company",
                                                     "The failed import"]
    assert task.links[1][1] == (f"/administrations/{bakkerij.id}/imports"
                                f"#import-{import_run.id}")
    assert counts(bakkerij.id)["runs"] == 0

    # Fixing the name makes the next day's import succeed and completes the task by itself.
    bakkerij.name = BAKKERIJ
    db.session.commit()
    assert automatic_import(app, BAKKERIJ, date(2026, 5, 21)).status == ImportStatus.SUCCEEDED
    assert db.session.get(Task, task.id).status == TaskStatus.COMPLETED


def test_matching_ignores_case_and_spacing(app):
    jansen = administration(JANSEN)
    jansen.name, jansen.relation_code = "  installatiebedrijf   JANSEN b.v. ", "001"
    db.session.commit()
    assert automatic_import(app, jansen.name).status == ImportStatus.SUCCEEDED


def test_a_transient_failure_is_retried_and_then_succeeds(app, monkeypatch):
    failures = {"left": 1}
    original = NmbrsClient.runs

    def flaky_runs(self, company_id, year):
        if failures["left"]:
            failures["left"] -= 1
            raise NmbrsUnavailable()
        return original(self, company_id, year)

    monkeypatch.setattr(NmbrsClient, "runs", flaky_runs)
    import_run = automatic_import(app, BAKKERIJ)
    assert failures["left"] == 0
    assert import_run.status == ImportStatus.SUCCEEDED
    assert counts(administration(BAKKERIJ).id)["payslips"] == 3
    assert db.session.scalar(select(Task.id)) is None  # retried before any task is made


def test_a_failure_that_persists_becomes_one_task(app, monkeypatch):
    def down(self, company_id, year):
        raise NmbrsUnavailable()

    monkeypatch.setattr(NmbrsClient, "runs", down)
    import_run = automatic_import(app, BAKKERIJ)
    assert import_run.status == ImportStatus.FAILED
    tasks = db.session.scalars(select(Task)).all()
    assert len(tasks) == 1 and "not reachable" in tasks[0].message


def test_invalid_credentials_pause_automatic_imports(app):
    row = db.session.scalar(select(NmbrsSettings))
    row.token = "a-token-nmbrs-does-not-know"
    db.session.commit()
    import_run = automatic_import(app, BAKKERIJ)
    assert import_run.status == ImportStatus.FAILED
    db.session.refresh(row)
    assert row.credentials_rejected_at is not None
    task = db.session.scalar(select(Task))
    assert task.cause.startswith("credentials.invalid") and task.administration_id is None
    assert "a-token-nmbrs-does-not-know" not in task.message
    assert due_administrations(TODAY) == []  # paused until the credentials change


def test_dispatcher_respects_the_day_window_and_the_settings(app):
    row = db.session.scalar(select(NmbrsSettings))
    payroll = sorted(a.id for a in map(administration, [
        BAKKERIJ, JANSEN, "Tandartspraktijk Smit"]))
    assert due_administrations(TODAY) == payroll
    row.first_day, row.last_day = 21, 31
    db.session.commit()
    assert due_administrations(TODAY) == []
    assert due_administrations(date(2026, 5, 21)) == payroll
    row.first_day, row.last_day = 25, 31
    db.session.commit()
    assert due_administrations(date(2026, 2, 28)) == payroll  # 31 = February's last day
    row.first_day, row.last_day = 1, 31
    row.import_payslips = row.import_journals = row.import_tax_assessments = False
    db.session.commit()
    assert due_administrations(TODAY) == []


def test_dispatcher_queues_each_import_once(app):
    assert dispatch_daily_imports(TODAY.isoformat()) == 3
    assert dispatch_daily_imports(TODAY.isoformat()) == 0  # already queued: not again
    run_jobs(app)
    statuses = [r.status for r in db.session.scalars(select(ImportRun))]
    assert statuses == [ImportStatus.SUCCEEDED] * 3


def test_late_runs_are_imported_only_when_switched_on(app):
    automatic_import(app, JANSEN)
    assert counts(administration(JANSEN).id)["runs"] == 1
    row = db.session.scalar(select(NmbrsSettings))
    row.import_late_runs = True
    db.session.commit()
    automatic_import(app, JANSEN, date(2026, 5, 21))
    assert counts(administration(JANSEN).id)["runs"] == 5  # January to May


def test_wkr_payroll_balance_is_retrieved(app):
    from portal.models import WorkCostPeriod

    smit = administration("Tandartspraktijk Smit")
    import_run = start_manual_import(smit.id, None, "work-costs", {"year": 2026})
    run_jobs(app)
    assert db.session.get(ImportRun, import_run.id).status == ImportStatus.SUCCEEDED
    periods = db.session.scalars(select(WorkCostPeriod).order_by(WorkCostPeriod.period)).all()
    assert [p.period for p in periods] == [1, 2, 3, 4, 5]
    assert periods[0].fiscal_wage == Decimal("7750.00")  # 5100.00 + 2650.00


def test_annual_statements_are_imported_by_hand(app):
    from portal.models import AnnualStatement

    smit = administration("Tandartspraktijk Smit")
    start_manual_import(smit.id, None, "manual", {
        "year": 2026, "run_ids": [], "documents": ["annual_statements"]})
    run_jobs(app)
    statements = db.session.scalars(select(AnnualStatement)).all()
    # Every employee of the year, of every employee type, including the one who left in April.
    assert len(statements) == 5 and all(s.year == 2026 for s in statements)


def test_a_late_run_missing_a_pay_slip_is_completed_later(app):
    """An earlier run with a pay slip missing counts as not yet imported, and gets completed."""
    row = db.session.scalar(select(NmbrsSettings))
    row.import_late_runs = True
    db.session.commit()
    automatic_import(app, JANSEN)
    jansen = administration(JANSEN)
    assert counts(jansen.id) == {"runs": 5, "journals": 5, "payslips": 10, "tax": 1}
    march = db.session.scalar(select(PayrollRun).where(PayrollRun.administration_id == jansen.id,
                                                       PayrollRun.period_end == 3))
    assert march.employee_count == 2
    db.session.delete(db.session.scalars(select(PaySlip).where(
        PaySlip.payroll_run_id == march.id)).first())
    db.session.commit()

    automatic_import(app, JANSEN, date(2026, 5, 21))
    assert counts(jansen.id) == {"runs": 5, "journals": 5, "payslips": 10, "tax": 1}


def test_a_failed_enqueue_leaves_no_blocking_import(app, monkeypatch):
    from redis.exceptions import ConnectionError as RedisDown

    from jobs import enqueue

    def redis_down(*args, **kwargs):
        raise RedisDown("Redis is not reachable")

    monkeypatch.setattr(enqueue, "get_queue", redis_down)
    with pytest.raises(RedisDown):
        start_manual_import(administration(BAKKERIJ).id, None, "employees", {})
    assert db.session.scalar(select(ImportRun.id)) is None
    monkeypatch.undo()
    assert start_manual_import(administration(BAKKERIJ).id, None, "employees", {}) is not None


def test_a_database_started_anew_on_the_same_redis_still_imports(app):
    """Redis keeps finished jobs for an hour (failed ones a week); a database started anew
    (`make clean-demo`, a restored backup, SQLite reusing ids) hands out the same import ids.
    The import is queued and runs all the same, instead of being refused as a duplicate."""
    from sqlalchemy import delete

    from portal.models import JournalLine

    assert automatic_import(app, BAKKERIJ).status == ImportStatus.SUCCEEDED
    db.session.execute(delete(JournalLine))
    for model in (JournalEntry, PaySlip, TaxAssessment, Task, ImportRun, PayrollRun):
        db.session.execute(delete(model))
    db.session.commit()

    again = automatic_import(app, BAKKERIJ)

    assert again is not None and again.status == ImportStatus.SUCCEEDED, again.error
    assert counts(administration(BAKKERIJ).id)["journals"] == 1


def test_last_import_summary_on_the_settings_screen(app):
    from portal.models import Portal
    from portal.services.import_status import last_import_summary

    portal = db.session.scalar(select(Portal))
    assert last_import_summary(portal) is None
    automatic_import(app, BAKKERIJ)
    assert last_import_summary(portal).endswith(f"automatic, {BAKKERIJ}: succeeded")


def test_the_next_dispatch_is_always_in_the_schedule(app):
    from datetime import UTC, datetime

    from redis import Redis
    from rq.registry import ScheduledJobRegistry

    from jobs.dispatch import ensure_dispatch_scheduled
    from jobs.queue import get_queue

    registry = ScheduledJobRegistry(queue=get_queue("default", Redis.from_url(
        app.config["REDIS_URL"])))
    # Times in UTC; Amsterdam is UTC+2 in May: 03:00 UTC is 05:00 there, before 06:00.
    ensure_dispatch_scheduled(datetime(2026, 5, 20, 3, 0))  # before 06:00: today's
    ensure_dispatch_scheduled(datetime(2026, 5, 20, 3, 30))  # a second worker starts
    assert registry.get_job_ids() == ["dispatch-20260520"]
    # At 06:00 Amsterdam time, i.e. 04:00 UTC, whatever the server's own time zone.
    assert registry.get_scheduled_time("dispatch-20260520") == datetime(
        2026, 5, 20, 4, 0, tzinfo=UTC)
    dispatch_daily_imports("2026-05-20")
    assert "dispatch-20260521" in registry.get_job_ids()
    ensure_dispatch_scheduled(datetime(2026, 5, 21, 4, 30))  # 06:30 there: tomorrow's
    assert "dispatch-20260522" in registry.get_job_ids()


def test_dispatch_imports_command_queues_todays_imports(app):
    result = app.test_cli_runner().invoke(args=["dispatch-imports", "--day", "2026-05-20"])
    assert result.exit_code == 0, result.output
    assert "Queued 3 automatic import(s)" in result.output
    run_jobs(app)
    assert counts(administration(BAKKERIJ).id)["payslips"] == 3


# -- every employee's pay slip, and no wasted calls (issue 16) --------------------------------


def sandbox_calls(sandbox_url: str) -> list[str]:
    """The operations the sandbox answered so far, oldest first."""
    import requests

    return requests.get(sandbox_url.replace("/soap/v3", "/_sandbox/calls"), timeout=5).json()


def test_a_run_with_employees_of_three_types_stores_a_pay_slip_for_each(app, sandbox):
    """May's run of Tandartspraktijk Smit pays two employees of type 1, an on-call worker
    (type 3) and an intern (type 2) who joined this year and are not in the portal yet."""
    smit = administration("Tandartspraktijk Smit")
    before = len(sandbox_calls(sandbox))
    import_run = automatic_import(app, "Tandartspraktijk Smit")
    assert import_run.status == ImportStatus.SUCCEEDED, import_run.error
    slips = db.session.scalars(select(PaySlip).where(PaySlip.administration_id == smit.id)).all()
    assert sorted(slip.employee.number for slip in slips) == [100, 101, 103, 104]
    created = {e.number: e for e in db.session.scalars(select(Employee).where(
        Employee.administration_id == smit.id, Employee.number.in_([103, 104])))}
    assert created[103].name == "Eva Kok" and created[104].name == "Sem de Boer"
    assert created[103].iban == "NL55ABNA0501234567"
    assert db.session.scalar(select(Task.id)) is None  # no "unknown employee" task
    # Details only of the two unknown employees: one bank-account call each.
    calls = sandbox_calls(sandbox)[before:]
    assert calls.count("EmployeeService/BankAccount_GetListCurrent") == 2
    assert calls.count("EmployeeService/List_GetByCompany") == len(demo_data.EMPLOYEE_TYPES)


def test_import_all_employees_imports_every_type(app):
    smit = administration("Tandartspraktijk Smit")
    import_run = start_manual_import(smit.id, None, "employees", {})
    run_jobs(app)
    assert db.session.get(ImportRun, import_run.id).status == ImportStatus.SUCCEEDED
    numbers = db.session.scalars(select(Employee.number).where(
        Employee.administration_id == smit.id)).all()
    assert sorted(numbers) == [100, 101, 102, 103, 104]


def test_an_automatic_import_of_a_known_administration_asks_only_what_it_needs(app, sandbox):
    """Company linked and employees known: no Environment_Get, no debtor or company lists, no
    employee details; WageTax_GetList once; one pay slip call per employee of the run."""
    from portal.models import CompanyLink

    bakkerij = administration(BAKKERIJ)
    company = next(c for c in _sandbox_client(app).companies() if c.name == BAKKERIJ)
    db.session.add(CompanyLink(administration_id=bakkerij.id, company_id=company.id,
                               company_name=company.name, company_number=str(company.number)))
    db.session.commit()
    before = len(sandbox_calls(sandbox))

    assert automatic_import(app, BAKKERIJ).status == ImportStatus.SUCCEEDED

    assert sandbox_calls(sandbox)[before:] == [
        "CompanyService/Run_GetList",
        "CompanyService/Journals_GetByRunCompany_v2",
        "CompanyService/Run_GetEmployeesByRunCompany",
        *["CompanyService/SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2"] * 3,
        "CompanyService/WageTax_GetList",
        "CompanyService/WageTax_GetXML",
    ]


def test_a_manual_import_of_several_runs_asks_wage_tax_once_per_year(app, sandbox):
    runs = _runs(app, BAKKERIJ)
    wanted = [r.id for r in runs if r.period_end in (2, 3, 4)]
    before = len(sandbox_calls(sandbox))
    start_manual_import(administration(BAKKERIJ).id, None, "manual", {
        "year": 2026, "run_ids": wanted, "documents": ["tax_assessments"]})
    run_jobs(app)
    calls = sandbox_calls(sandbox)[before:]
    assert calls.count("CompanyService/WageTax_GetList") == 1
    assert calls.count("CompanyService/WageTax_GetXML") == 3
    assert "DebtorService/Environment_Get" not in calls


def test_the_import_page_does_not_ask_for_the_subdomain(app, sandbox):
    from portal.models import User
    from tests.conftest import Client

    admin = db.session.scalar(select(User).where(User.email == "admin@vandijk-partners.nl"))
    client = Client(app).sign_in(admin)
    url = f"/administrations/{administration(BAKKERIJ).id}/import"
    before = len(sandbox_calls(sandbox))
    assert client.get(f"{url}?year=2026").status_code == 200
    assert sandbox_calls(sandbox)[before:] == []  # the page itself asks Nmbrs nothing (issue 14)
    runs = client.get(f"{url}/runs?year=2026", htmx=True)  # the run list the page loads
    assert runs.status_code == 200 and "Mei 2026" in runs.get_data(as_text=True)
    calls = sandbox_calls(sandbox)[before:]
    assert "DebtorService/Environment_Get" not in calls and calls


def _sandbox_client(app):
    client = NmbrsClient.from_config(app.config, "demo@vandijk-partners.nl",
                                     "demo-token-7f3a9c2e5b1d4f60a8e2")
    client.verify()
    return client


def test_a_company_linked_to_another_administration_is_not_matched_again(app):
    from sqlalchemy.exc import IntegrityError

    from portal.models import CompanyLink

    company = next(c for c in _sandbox_client(app).companies() if c.name == BAKKERIJ)
    vastgoed = administration("De Vries Vastgoed B.V.")
    db.session.add(CompanyLink(administration_id=vastgoed.id, company_id=company.id,
                               company_name=company.name, company_number="1"))
    db.session.commit()

    import_run = automatic_import(app, BAKKERIJ)
    assert import_run.status == ImportStatus.FAILED
    task = db.session.scalar(select(Task))
    assert task.cause == "company.taken"
    assert ('already linked to administration "De Vries Vastgoed B.V." of domain '
            '"bakkerij-de-vries"') in task.message
    assert counts(administration(BAKKERIJ).id)["runs"] == 0

    # The database refuses it too, whoever writes the link.
    db.session.add(CompanyLink(administration_id=administration(BAKKERIJ).id,
                               company_id=company.id, company_name=company.name,
                               company_number="1"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_company_numbered_differently_is_not_guessed_but_offered_first(app):
    """Hoveniersbedrijf Mulder's Nmbrs company is numbered 12, its relation code is 1."""
    from portal.services import company_links

    mulder = administration("Hoveniersbedrijf Mulder V.O.F.")
    mulder.payroll_contract = True
    db.session.commit()
    import_run = automatic_import(app, mulder.name)
    assert import_run.status == ImportStatus.FAILED
    assert db.session.scalar(select(Task)).cause == "company.not-found"
    choices = company_links.company_choices(mulder, _sandbox_client(app), see_all=True)
    assert choices.debtor.name == "Hoveniers Mulder V.O.F."  # matched to "hoveniers-mulder"
    assert [(c.name, c.number) for c in choices.candidates] == [
        ("Hoveniersbedrijf Mulder V.O.F.", 12)]


# -- the one client factory (issue 9) ---------------------------------------------------------


def test_the_factory_uses_the_stored_subdomain_and_keeps_a_new_one(app, sandbox):
    from portal.extensions import redis_connection
    from portal.services import nmbrs_access

    row = db.session.scalar(select(NmbrsSettings))
    before = len(sandbox_calls(sandbox))
    nmbrs_access.client_for_credentials(row.id).debtors()
    assert sandbox_calls(sandbox)[before:] == ["DebtorService/List_GetAll"]

    # Nmbrs moved the environment: one 1001, one Environment_Get, the new sub-domain is kept.
    row.subdomain = "oude-omgeving"
    db.session.commit()
    before = len(sandbox_calls(sandbox))
    nmbrs_access.client_for_credentials(row.id).debtors()
    assert sandbox_calls(sandbox)[before:] == [
        "DebtorService/List_GetAll", "DebtorService/Environment_Get", "DebtorService/List_GetAll"]
    db.session.commit()
    assert db.session.get(NmbrsSettings, row.id).subdomain == demo_data.SANDBOX_SUBDOMAIN

    # Credentials stored without a sub-domain: found once and kept.
    row.subdomain = None
    db.session.commit()
    nmbrs_access.client_for_credentials(row.id)
    db.session.commit()
    assert db.session.get(NmbrsSettings, row.id).subdomain == demo_data.SANDBOX_SUBDOMAIN

    # Employee types: once per credentials, however many clients ask.
    redis = redis_connection()
    before = len(sandbox_calls(sandbox))
    for _ in range(2):
        nmbrs_access.client_for_credentials(row.id, redis=redis).employee_types()
    assert sandbox_calls(sandbox)[before:] == ["EmployeeService/EmployeeType_GetList"]


def test_the_factory_refuses_missing_credentials(app):
    from portal.services import nmbrs_access

    row = db.session.scalar(select(NmbrsSettings))
    db.session.delete(row)
    db.session.commit()
    with pytest.raises(nmbrs_access.NotConnected):
        nmbrs_access.client_for(administration(BAKKERIJ))
    with pytest.raises(nmbrs_access.NotConnected):
        nmbrs_access.client_for_credentials(row.id)


class OverlappingPayslips:
    """Wraps the SOAP pay slip call: each is held a moment, so calls that may overlap do; counts
    how many ran at once and fails the `fail_call`-th call once (Nmbrs unavailable)."""

    def __init__(self, original, fail_call=None):
        import threading

        self.original, self.fail_call = original, fail_call
        self.lock = threading.Lock()
        self.calls = self.running = self.most_at_once = 0

    def __call__(self, *args):
        import time

        with self.lock:
            self.calls += 1
            number = self.calls
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(0.2)
            if number == self.fail_call:
                raise NmbrsUnavailable()
            return self.original(*args)
        finally:
            with self.lock:
                self.running -= 1


@pytest.mark.parametrize("fail_call", [None, 2])
def test_a_runs_pay_slips_are_fetched_a_few_at_a_time_and_each_imported_once(
        tmp_path, sandbox, monkeypatch, fail_call):
    from portal.nmbrs import payslips

    spy = OverlappingPayslips(payslips.get_employee_payslips, fail_call)
    monkeypatch.setattr(payslips, "get_employee_payslips", spy)
    with linked_demo_app(tmp_path, sandbox, NMBRS_CALLS_AT_ONCE=3) as app:
        import_run = automatic_import(app, BAKKERIJ)
        bakkerij = administration(BAKKERIJ)
        slips = db.session.scalars(select(PaySlip).where(
            PaySlip.administration_id == bakkerij.id)).all()

        assert import_run.status == ImportStatus.SUCCEEDED, import_run.error
        assert spy.most_at_once == 3
        assert len(slips) == 3 == len({slip.employee_id for slip in slips})
        assert import_run.attempts == (2 if fail_call else 1)
