"""Issue 10 #1: documents that change in Nmbrs after we imported them (corrections,
recalculated runs) are noticed, kept beside the imported version, and accepted by hand.

Real Redis, real RQ workers, the local Nmbrs sandbox with corrections made at run time."""

from datetime import date

import pytest
from sqlalchemy import func, select

from jobs.enqueue import start_automatic_import, start_manual_import
from portal.extensions import db
from portal.models import (
    DocumentVersion,
    DomainRole,
    ImportRun,
    ImportStatus,
    JournalEntry,
    PayrollRun,
    PaySlip,
    PortalRole,
    Task,
    TaskStatus,
    TaxAssessment,
    User,
)
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.sandbox.server import CallCounter
from portal.nmbrs.sandbox.testing import sandbox_server
from tests.conftest import Client, add_user
from tests.imports_helpers import administration, linked_demo_app, run_jobs
from tests.test_import_jobs import JANSEN, TODAY

MAY_21, MAY_22, MAY_23 = date(2026, 5, 21), date(2026, 5, 22), date(2026, 5, 23)
PAYSLIP_CALL = "CompanyService/SalaryDocuments_GetEmployeePayslipsPDFByRunCompany_v2"


@pytest.fixture
def sandbox():
    with sandbox_server(today=TODAY) as served:
        yield served


@pytest.fixture
def nmbrs(sandbox):
    return sandbox.app


@pytest.fixture
def app(tmp_path, sandbox):
    with linked_demo_app(tmp_path, sandbox.url) as app:
        yield app


def company(nmbrs, name=JANSEN):
    return next(c for c in nmbrs.world.companies if c.name == name)


def run_of(nmbrs, month: int, name=JANSEN):
    return next(r for r in company(nmbrs, name).runs if r.period == month)


def automatic_import(app, day: date, name=JANSEN) -> ImportRun:
    import_run = start_automatic_import(administration(name).id, day)
    assert import_run is not None
    run_jobs(app)
    import_run = db.session.get(ImportRun, import_run.id)
    assert import_run.status == ImportStatus.SUCCEEDED, import_run.error
    return import_run


def stored_run(month: int, name=JANSEN) -> PayrollRun:
    return db.session.scalar(select(PayrollRun).where(
        PayrollRun.administration_id == administration(name).id, PayrollRun.period_end == month))


def entry_of(month: int) -> JournalEntry:
    return db.session.scalar(select(JournalEntry).where(
        JournalEntry.payroll_run_id == stored_run(month).id))


def gross(entry_or_rows) -> str:
    lines = getattr(entry_or_rows, "lines", entry_or_rows)
    first = lines[0]
    return str(first.debit) if hasattr(first, "debit") else first[3]


def portal_admin(app) -> Client:
    user = db.session.scalar(select(User).where(User.portal_role == PortalRole.ADMIN))
    return Client(app).sign_in(user)


def test_a_corrected_journal_is_kept_beside_the_imported_one_until_accepted(app, nmbrs):
    automatic_import(app, TODAY)
    before = entry_of(5)
    imported_gross = gross(before)

    nmbrs.world.change_journal(run_of(nmbrs, 5).id)  # a correction in Nmbrs
    import_run = automatic_import(app, MAY_21)
    assert import_run.summary.get("changed_in_nmbrs") == 1
    entry = entry_of(5)
    assert entry.id == before.id and gross(entry) == imported_gross  # not overwritten
    assert db.session.scalar(select(func.count(JournalEntry.id))) == 1  # no second copy
    pending = db.session.scalar(select(DocumentVersion))
    assert (pending.kind, pending.state, pending.document_id) == ("journal", "pending", entry.id)
    assert gross(pending.content["lines"]) != imported_gross
    assert stored_run(5).changed_in_nmbrs_at is not None
    task = db.session.scalar(select(Task).where(Task.cause.startswith("run.changed")))
    assert task.title == ("Run May 2026 of Installatiebedrijf Jansen B.V. changed in Nmbrs "
                          "after import: review and rebook")
    # Nothing failed: no "The failed import" link; its action goes to where the new version is
    # reviewed and accepted (issue 15).
    jansen_id = administration(JANSEN).id
    assert [label for label, _url in task.links] == ["Journal entries", "Pay slips"]
    detail = portal_admin(app).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert (f'id="task-action" class="button primary" href="/administrations/{jansen_id}/'
            'journals">Review and accept the new version</a>') in detail
    assert "The failed import" not in detail

    # The next import finds the same difference: nothing new, the task stays open.
    automatic_import(app, MAY_22)
    assert db.session.scalar(select(func.count(DocumentVersion.id))) == 1
    assert db.session.get(Task, task.id).is_open

    client = portal_admin(app)
    page = client.get(f"/administrations/{administration(JANSEN).id}/journals").get_data(
        as_text=True)
    assert "Changed in Nmbrs on" in page
    # The button is read aloud with the document it accepts (one translated label each).
    assert ('Accept the new version<span class="visually-hidden">: journal entry of May 2026'
            in page)

    accept_url = (f"/administrations/{administration(JANSEN).id}/document-versions/"
                  f"{pending.id}/accept")
    assert client.post(accept_url, csrf=False).status_code == 400  # CSRF
    response = client.post(accept_url)
    assert response.status_code == 303
    entry = entry_of(5)
    assert gross(entry) != imported_gross  # the new version is the document now
    versions = db.session.scalars(select(DocumentVersion)).all()
    assert [(v.state, v.document_id) for v in versions] == [("earlier", entry.id)]
    assert gross(versions[0].content["lines"]) == imported_gross  # the booked one is kept
    assert stored_run(5).changed_in_nmbrs_at is None
    assert db.session.get(Task, task.id).status == TaskStatus.COMPLETED

    automatic_import(app, date(2026, 5, 23))  # Nmbrs and we agree now: nothing changes
    assert db.session.scalar(select(func.count(DocumentVersion.id))) == 1


def test_only_those_who_manage_the_domain_may_accept(app, nmbrs):
    automatic_import(app, TODAY)
    nmbrs.world.change_journal(run_of(nmbrs, 5).id)
    automatic_import(app, MAY_21)
    pending = db.session.scalar(select(DocumentVersion))
    jansen = administration(JANSEN)
    viewer = add_user(jansen.domain.portal, "hrm@example.nl", domain=jansen.domain,
                      domain_role=DomainRole.HRM)  # sees the documents, manages nothing
    outsider = add_user(jansen.domain.portal, "niemand@example.nl")
    db.session.commit()
    url = f"/administrations/{jansen.id}/document-versions/{pending.id}/accept"
    for user in (viewer, outsider):
        assert Client(app).sign_in(user).post(url).status_code in (403, 404)
    assert db.session.get(DocumentVersion, pending.id).state == "pending"


def test_a_corrected_pay_slip_is_kept_beside_the_imported_one(app, nmbrs):
    automatic_import(app, TODAY)
    employee = company(nmbrs).employees[0]
    slip = db.session.scalar(select(PaySlip).join(PaySlip.employee).where(
        PaySlip.payroll_run_id == stored_run(5).id))
    imported_sha = slip.sha256
    nmbrs.world.change_payslip(run_of(nmbrs, 5).id, employee.id)
    automatic_import(app, MAY_21)
    slips = db.session.scalars(select(PaySlip).where(
        PaySlip.payroll_run_id == stored_run(5).id)).all()
    assert len(slips) == 2 and imported_sha in {s.sha256 for s in slips}
    pending = db.session.scalar(select(DocumentVersion))
    assert pending.kind == "payslip" and pending.content["sha256"] not in {s.sha256 for s in slips}
    page = portal_admin(app).get(f"/administrations/{administration(JANSEN).id}/payslips")
    assert "Changed in Nmbrs on" in page.get_data(as_text=True)

    new_sha, document_id = pending.content["sha256"], pending.document_id
    response = portal_admin(app).post(f"/administrations/{administration(JANSEN).id}/"
                                      f"document-versions/{pending.id}/accept")
    assert response.status_code == 303
    assert db.session.get(PaySlip, document_id).sha256 == new_sha
    earlier = db.session.scalar(select(DocumentVersion))
    assert earlier.state == "earlier" and earlier.content["sha256"] == imported_sha


def test_a_corrected_declaration_is_noticed_by_the_next_months_import(app, nmbrs):
    automatic_import(app, TODAY)  # April's declaration (May's comes after May)
    april = db.session.scalar(select(TaxAssessment).where(TaxAssessment.period == 4))
    imported_total = april.total
    nmbrs.world.change_declaration(april.nmbrs_declaration_id)
    automatic_import(app, MAY_21)
    assert db.session.get(TaxAssessment, april.id).total == imported_total
    assert db.session.get(TaxAssessment, april.id).changed_in_nmbrs_at is not None
    pending = db.session.scalar(select(DocumentVersion))
    assert pending.kind == "tax_assessment" and pending.content["total"] == str(
        imported_total + 1)
    task = db.session.scalar(select(Task).where(Task.cause.startswith("tax.changed")))
    assert task.title.startswith("Payroll tax assessment April 2026 of Installatiebedrijf")
    assert [label for label, _url in task.links] == ["Payroll tax assessments"]
    detail = portal_admin(app).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert (f'href="/administrations/{administration(JANSEN).id}/tax-assessments">Review and '
            "accept the new version</a>") in detail
    page = portal_admin(app).get(f"/administrations/{administration(JANSEN).id}/tax-assessments")
    assert "Changed in Nmbrs on" in page.get_data(as_text=True)


@pytest.fixture
def asked(monkeypatch):
    """The run ids whose journal the client asks Nmbrs for."""
    asked = []
    original = NmbrsClient.journal

    def journal(self, company_id, run_id, year):
        asked.append(run_id)
        return original(self, company_id, run_id, year)

    monkeypatch.setattr(NmbrsClient, "journal", journal)
    return asked


def test_final_runs_are_not_asked_again_until_nmbrs_recalculates_them(app, nmbrs, asked):
    jansen = administration(JANSEN)
    april = run_of(nmbrs, 4)
    start_manual_import(jansen.id, None, "manual", {"year": 2026, "run_ids": [april.id],
                                                    "documents": ["journal", "payslips"]})
    run_jobs(app)
    assert stored_run(4).nmbrs_locked is True  # April is locked in Nmbrs
    asked.clear()
    automatic_import(app, MAY_21)
    assert april.id not in asked  # final: locked and the same RunAt as when imported

    nmbrs.world.change_journal(april.id)  # unlocked and recalculated: a new RunAt
    automatic_import(app, MAY_22)
    assert april.id in asked
    assert stored_run(4).changed_in_nmbrs_at is not None


def test_a_run_imported_while_open_costs_one_call_when_locked_then_none(app, nmbrs, asked):
    may = run_of(nmbrs, 5)
    automatic_import(app, TODAY)  # May is still open in Nmbrs
    assert stored_run(5).nmbrs_locked is False
    asked.clear()
    automatic_import(app, MAY_21)
    assert may.id in asked  # open: it may still be recalculated

    nmbrs.world.lock(may.id)  # locked as calculated: the RunAt we imported under
    asked.clear()
    nmbrs.counter = counter = CallCounter()
    automatic_import(app, MAY_22)
    assert asked.count(may.id) == 1  # its journal, as imported: final now
    assert PAYSLIP_CALL not in counter.operations()
    assert stored_run(5).nmbrs_locked is True
    assert stored_run(5).changed_in_nmbrs_at is None

    asked.clear()
    automatic_import(app, MAY_23)
    assert may.id not in asked  # final


def test_a_correction_before_locking_is_noticed_though_run_at_stayed(app, nmbrs):
    may = run_of(nmbrs, 5)
    automatic_import(app, TODAY)  # May is still open in Nmbrs

    nmbrs.world.correct_keeping_run_at(may.id)  # corrected, then locked the same day
    nmbrs.world.lock(may.id)
    automatic_import(app, MAY_21)

    assert stored_run(5).changed_in_nmbrs_at is not None
    assert db.session.scalar(select(Task).where(Task.cause.startswith("run.changed"))) is not None


def test_the_change_task_stays_open_while_the_new_version_waits(app, nmbrs):
    automatic_import(app, TODAY)
    nmbrs.world.change_journal(run_of(nmbrs, 5).id)
    automatic_import(app, MAY_21)
    task = db.session.scalar(select(Task).where(Task.cause.startswith("run.changed")))
    automatic_import(app, date(2026, 6, 2))
    # In August, May is no longer re-checked; the task must not complete by itself.
    automatic_import(app, date(2026, 8, 3))
    assert db.session.get(Task, task.id).is_open
    assert stored_run(5).changed_in_nmbrs_at is not None


def test_a_final_run_costs_no_call_of_its_own_not_even_its_employee_list(app, nmbrs):
    jansen = administration(JANSEN)
    start_manual_import(jansen.id, None, "manual", {"year": 2026, "run_ids": [run_of(nmbrs, 4).id],
                                                    "documents": ["journal", "payslips"]})
    run_jobs(app)
    nmbrs.counter = counter = CallCounter()

    automatic_import(app, MAY_21)  # re-checks April (last month) and May: April is final

    # May's run employees only (each import before asked April's again, for nothing).
    assert counter.operations().count("CompanyService/Run_GetEmployeesByRunCompany") == 1
