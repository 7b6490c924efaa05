"""End to end with a real worker and the running sandbox (SOAP + REST + OAuth on one port):
a domain imported over REST; a domain imported over SOAP, migrated, and imported over REST gives
identical documents and no duplicates."""

from datetime import date

import pytest
from sqlalchemy import delete, select

from jobs.enqueue import start_automatic_import
from portal.extensions import db
from portal.models import (
    CompanyLink,
    Domain,
    Employee,
    ImportRun,
    ImportStatus,
    JournalEntry,
    JournalLine,
    NmbrsConsent,
    NmbrsIdMap,
    PayrollRun,
    PaySlip,
    TaxAssessment,
)
from portal.nmbrs.sandbox.rest_server import RestOptions, running_rest_sandbox
from portal.services.nmbrs_consent_tokens import store_tokens
from tests.imports_helpers import administration, counts, linked_demo_app, run_jobs
from tests.nmbrs_rest.rest_helpers import connect_domain, sandbox_tokens

TODAY = date(2026, 5, 20)
BAKKERIJ = "Bakkerij De Vries B.V."  # debtor 1
JANSEN = "Installatiebedrijf Jansen B.V."  # debtor 2


@pytest.fixture(scope="module")
def sandbox():
    with running_rest_sandbox(today=TODAY, rest_options=RestOptions(document_pending=1)) as s:
        yield s


@pytest.fixture
def app(tmp_path, sandbox):
    with linked_demo_app(tmp_path, sandbox.soap_url, NMBRS_REST_URL=sandbox.root,
                         NMBRS_IDENTITY_URL=sandbox.root) as app:
        yield app


def domain_named(name: str) -> Domain:
    return db.session.scalar(select(Domain).where(Domain.name == name))


def automatic_import(app, name: str, day: date = TODAY) -> ImportRun:
    import_run = start_automatic_import(administration(name).id, day)
    assert import_run is not None
    run_jobs(app)
    return db.session.get(ImportRun, import_run.id)


def snapshot(administration_id: int) -> dict:
    """What a user sees of the imported documents (no database ids)."""
    runs = {r.id: (r.year, r.number) for r in db.session.scalars(
        select(PayrollRun).filter_by(administration_id=administration_id))}
    numbers = {e.id: e.number for e in db.session.scalars(
        select(Employee).filter_by(administration_id=administration_id))}
    journals = sorted(
        (runs[j.payroll_run_id], j.booking_date,
         tuple((line.account, line.cost_center, line.debit, line.credit)
               for line in j.lines))
        for j in db.session.scalars(select(JournalEntry).filter_by(
            administration_id=administration_id)))
    slips = sorted((runs[s.payroll_run_id], numbers[s.employee_id], s.sha256)
                   for s in db.session.scalars(select(PaySlip).filter_by(
                       administration_id=administration_id)))
    tax = sorted((t.year, t.period, t.total, t.payment_reference, t.period_end)
                 for t in db.session.scalars(select(TaxAssessment).filter_by(
                     administration_id=administration_id)))
    return {"runs": sorted(runs.values()), "journals": journals, "payslips": slips, "tax": tax}


def forget_documents(administration_id: int) -> None:
    entries = select(JournalEntry.id).filter_by(administration_id=administration_id)
    db.session.execute(delete(JournalLine).where(JournalLine.entry_id.in_(entries)))
    for model in (JournalEntry, PaySlip, TaxAssessment):
        db.session.execute(delete(model).filter_by(administration_id=administration_id))
    db.session.execute(delete(ImportRun).filter_by(administration_id=administration_id))
    db.session.execute(delete(PayrollRun).filter_by(administration_id=administration_id))
    db.session.commit()


def test_a_domain_imports_over_rest_with_a_real_worker(app, sandbox):
    bakkerij = administration(BAKKERIJ)
    connect_domain(sandbox, bakkerij.domain, debtor_number="1")

    import_run = automatic_import(app, BAKKERIJ)

    assert import_run.status == ImportStatus.SUCCEEDED, import_run.error
    assert counts(bakkerij.id) == {"runs": 1, "journals": 1, "payslips": 3, "tax": 1}
    link = db.session.scalar(select(CompanyLink).filter_by(administration_id=bakkerij.id))
    assert sandbox.app.rest.api._tasks  # documents came from the REST API
    assert link.company_id < 0  # first seen over REST: an id of its own, never a SOAP id


def test_soap_import_migrated_then_rest_import_adds_nothing_and_matches(app, sandbox):
    jansen = administration(JANSEN)
    soap_run = automatic_import(app, JANSEN)
    assert soap_run.status == ImportStatus.SUCCEEDED, soap_run.error
    over_soap = snapshot(jansen.id)
    soap_link = db.session.scalar(select(CompanyLink).filter_by(administration_id=jansen.id))
    consent = connect_domain(sandbox, jansen.domain, debtor_number="2", active=False)

    dry = app.test_cli_runner().invoke(args=["nmbrs-migrate-to-rest", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was changed." in dry.output
    assert db.session.scalar(select(NmbrsIdMap)) is None
    migrated = app.test_cli_runner().invoke(args=["nmbrs-migrate-to-rest"])
    assert migrated.exit_code == 0, migrated.output
    assert "now imports over REST" in migrated.output and "could not map" not in migrated.output
    db.session.expire_all()
    assert db.session.get(NmbrsConsent, consent.id).active_since is not None

    rest_run = automatic_import(app, JANSEN, date(2026, 5, 21))

    assert rest_run.status == ImportStatus.SUCCEEDED, rest_run.error
    assert snapshot(jansen.id) == over_soap  # nothing added twice
    link = db.session.scalar(select(CompanyLink).filter_by(administration_id=jansen.id))
    assert link.company_id == soap_link.company_id  # the company link carried over

    forget_documents(jansen.id)  # now import the same month over REST from scratch
    documents_before = len(sandbox.app.rest.api._tasks)
    again = automatic_import(app, JANSEN, date(2026, 5, 22))

    assert again.status == ImportStatus.SUCCEEDED, again.error
    assert snapshot(jansen.id) == over_soap  # REST brings identical documents
    assert len(sandbox.app.rest.api._tasks) > documents_before  # ... fetched over REST


def _revoke(sandbox, consent):
    sandbox.identity.state.refresh.clear()  # the debtor revoked the app in Nmbrs
    sandbox.identity.expire_access_tokens()


def _other_debtor(sandbox, consent):
    store_tokens(consent, sandbox_tokens(sandbox, "2"))  # a login of another debtor consented
    db.session.commit()


def _quota(sandbox, consent):
    sandbox.app.rest.api.quota_exceeded = True


@pytest.mark.parametrize("problem, label", [
    (_revoke, "Reconnect"),  # 401, then the refresh fails (invalid_grant)
    (_other_debtor, "Reconnect"),  # 403 40303 on the linked company
    (_quota, "Nmbrs REST API"),  # 429 42909: the domain's imports pause
], ids=["consent-revoked", "403-40303", "42909-quota"])
def test_a_rest_consent_problem_is_a_task_linking_to_the_domains_consent(app, sandbox, problem,
                                                                          label):
    from portal.models import Task
    from portal.services.task_causes import task_action

    bakkerij = administration(BAKKERIJ)
    consent = connect_domain(sandbox, bakkerij.domain, debtor_number="1")
    assert automatic_import(app, BAKKERIJ).status == ImportStatus.SUCCEEDED
    problem(sandbox, consent)
    try:
        failed = automatic_import(app, BAKKERIJ, date(2026, 5, 21))
    finally:
        sandbox.app.rest.api.quota_exceeded = False

    assert failed.status == ImportStatus.FAILED
    [task] = db.session.scalars(select(Task).where(Task.import_run_id == failed.id)).all()
    assert [label, f"/settings/nmbrs/rest#domain-{bakkerij.domain.id}"] in task.links
    assert not any(url == "/settings/nmbrs" for _, url in task.links)  # not the SOAP settings
    with app.test_request_context():
        assert task_action(task) == ("Reconnect", "/settings/nmbrs/rest")  # the row's button


def test_move_to_rest_on_the_page_previews_then_switches_and_adds_nothing(app, sandbox):
    """The portal administrator's Move to REST (the CLI's service): a dry run first, then the
    confirmed move; the next import over REST adds nothing and matches."""
    from portal.models import AuditEntry, User
    from tests.conftest import Client

    jansen = administration(JANSEN)
    assert automatic_import(app, JANSEN).status == ImportStatus.SUCCEEDED
    over_soap = snapshot(jansen.id)
    consent = connect_domain(sandbox, jansen.domain, debtor_number="2", active=False)
    domain_id = jansen.domain.id
    users = {u.email: u for u in db.session.scalars(select(User))}
    admin = Client(app).sign_in(users["admin@vandijk-partners.nl"])
    back_office = Client(app).sign_in(users["backoffice@vandijk-partners.nl"])
    preview_url = f"/settings/nmbrs/rest/domains/{domain_id}/move-to-rest/preview"
    move_url = f"/settings/nmbrs/rest/domains/{domain_id}/move-to-rest"

    row = admin.get("/settings/nmbrs/rest").get_data(as_text=True)
    assert f'id="move-{domain_id}"' in row and "Imports use SOAP." in row
    preview = admin.post(preview_url)

    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Move installatiebedrijf-jansen to the REST API" in page
    assert "payroll runs: 1" in page and "payroll tax assessments: 1" in page
    assert 'id="confirm-move"' in page and "Not found over REST" not in page
    db.session.expire_all()
    assert db.session.scalar(select(NmbrsIdMap)) is None  # a dry run changes nothing
    assert db.session.get(NmbrsConsent, consent.id).active_since is None

    assert back_office.post(preview_url).status_code == 403  # portal administrators only
    assert back_office.post(move_url).status_code == 403
    assert admin.post(move_url, csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(NmbrsConsent, consent.id).active_since is None

    moved = admin.post(move_url)

    assert moved.status_code == 303 and moved.headers["Location"].endswith(f"#domain-{domain_id}")
    shown = admin.get("/settings/nmbrs/rest").get_data(as_text=True)
    assert "installatiebedrijf-jansen now imports over the Nmbrs REST API" in shown
    assert "Imports use REST since" in shown and f'id="move-{domain_id}"' not in shown
    db.session.expire_all()
    assert db.session.get(NmbrsConsent, consent.id).active_since is not None
    audit = db.session.scalar(select(AuditEntry).filter_by(action="nmbrs.moved_to_rest"))
    assert audit.user_id == users["admin@vandijk-partners.nl"].id
    assert admin.post(preview_url).status_code == 409  # moved already: says so

    rest_run = automatic_import(app, JANSEN, date(2026, 5, 21))
    assert rest_run.status == ImportStatus.SUCCEEDED, rest_run.error
    assert snapshot(jansen.id) == over_soap


def test_objects_first_seen_over_rest_can_be_chosen_on_the_pages(app, sandbox):
    """Companies and runs first seen over REST have negative ids: the company chooser and the
    manual import take them like any other."""
    import re

    from portal.models import User
    from portal.services.nmbrs_access import client_for
    from tests.conftest import Client

    jansen = administration(JANSEN)
    connect_domain(sandbox, jansen.domain, debtor_number="2")
    [company] = client_for(jansen).companies()
    admin = Client(app).sign_in(db.session.scalar(
        select(User).filter_by(email="admin@vandijk-partners.nl")))

    chosen = admin.post(f"/administrations/{jansen.id}/nmbrs-company",
                        data={"company_id": str(company.id)})
    assert chosen.status_code in (200, 303), chosen.get_data(as_text=True)[:500]
    link = db.session.scalar(select(CompanyLink).filter_by(administration_id=jansen.id))
    assert company.id < 0 and link.company_id == company.id

    page = admin.get(f"/administrations/{jansen.id}/import/runs?year=2026",
                     htmx=True).get_data(as_text=True)
    may = re.search(r'value="(-\d+)" id="run--\d+"', page).group(1)
    started = admin.post(f"/administrations/{jansen.id}/import",
                         data={"year": "2026", "run_ids": [may], "documents": ["journal"]})
    assert started.status_code in (200, 303), started.get_data(as_text=True)[:500]
    run_jobs(app)

    [manual] = db.session.scalars(select(ImportRun).filter_by(administration_id=jansen.id))
    assert manual.status == ImportStatus.SUCCEEDED, manual.error
    assert manual.request["run_ids"] == [int(may)]
    assert counts(jansen.id)["journals"] == 1
