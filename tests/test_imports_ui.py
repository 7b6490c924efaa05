"""Manual import screens: the Nmbrs company chooser, the runs of a year, starting imports and
their live progress; the route × role table of the import and document routes."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from redis import Redis
from sqlalchemy import func, select

from portal import demo_data
from portal.config import DEFAULTS
from portal.extensions import db
from portal.models import (
    AnnualStatement,
    AuditEntry,
    CompanyLink,
    Employee,
    ImportRun,
    ImportStatus,
    JournalEntry,
    JournalLine,
    PayrollRun,
    PaySlip,
    WorkCostPeriod,
)
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.errors import NmbrsUnavailable
from portal.nmbrs.sandbox.testing import running_sandbox
from portal.services import document_store, nmbrs_access
from portal.services.import_progress import Progress
from tests.conftest import LOGIN, redis_url, unexpected_answer

TODAY = date(2026, 6, 15)
REDIS_URL = redis_url(13)
ROLES = ["anonymous", "no-role", "domain-back-office", "portal-back-office", "portal-admin",
         "other-portal"]


@pytest.fixture(scope="module")
def sandbox_url():
    with running_sandbox(today=TODAY) as base_url:
        yield base_url


@dataclass(frozen=True)
class SandboxIds:
    company: int  # Bakkerij De Vries B.V.
    other_debtors_company: int  # Tandartspraktijk Smit
    runs: dict  # period → Nmbrs run id, 2026


@pytest.fixture(scope="module")
def ids(sandbox_url) -> SandboxIds:
    """The sandbox's ids, read from it (they are the sandbox's business, not ours)."""
    client = _sandbox_client(sandbox_url)
    companies = {c.name: c.id for c in client.companies()}
    company = companies["Bakkerij De Vries B.V."]
    runs = {run.period_end: run.id for run in client.runs(company, 2026)}
    return SandboxIds(company, companies["Tandartspraktijk Smit"], runs)


def _sandbox_client(sandbox_url):
    client = NmbrsClient.from_config({**DEFAULTS, "NMBRS_SOAP_URL": sandbox_url},
                                     demo_data.SANDBOX_USERNAME, demo_data.SANDBOX_TOKEN)
    client.verify()
    return client


@pytest.fixture
def connected(world):
    """The portal's Nmbrs link is connected (imports are refused without it, issue 15)."""
    from portal.models import NmbrsSettings

    if not db.session.query(NmbrsSettings).filter_by(portal_id=world.portal.id,
                                                     scope="portal").count():
        db.session.add(NmbrsSettings(portal_id=world.portal.id, scope="portal",
                                     username=demo_data.SANDBOX_USERNAME,
                                     token=demo_data.SANDBOX_TOKEN))
        db.session.commit()


@pytest.fixture
def nmbrs(monkeypatch, sandbox_url, connected):
    """Screens talk to the sandbox; the settings service is not the point here."""
    calls = []

    def client_for(administration, **_options):
        calls.append(administration.id)
        return _sandbox_client(sandbox_url)

    monkeypatch.setattr(nmbrs_access, "client_for", client_for)
    monkeypatch.setattr("portal.views.imports._today", lambda: TODAY)
    return calls


@pytest.fixture
def redis_db(app):
    app.config["REDIS_URL"] = REDIS_URL
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def fake_start(monkeypatch, connected):
    """start_manual_import that records the call and creates a queued ImportRun only."""
    started = []

    def start(administration_id, user, kind, request):
        run = ImportRun(administration_id=administration_id, kind=kind, request=request,
                        requested_by_id=user.id, status=ImportStatus.QUEUED)
        db.session.add(run)
        db.session.commit()
        started.append((kind, request))
        return run

    monkeypatch.setattr("jobs.enqueue.start_manual_import", start)
    return started


def _stored_documents(app, world, tmp_path, ids):
    app.config["DOCUMENT_STORE_PATH"] = str(tmp_path / "store")
    a = world.administration
    employee = Employee(administration_id=a.id, number=1, name="Jan de Vries")
    run = PayrollRun(administration_id=a.id, nmbrs_run_id=ids.runs[1], year=2026, number=1,
                     period_start=1, period_end=1, description="Januari 2026",
                     employee_count=1)  # the importer records the run's employees
    db.session.add_all([employee, run])
    db.session.flush()
    stored = document_store.save_pdf(b"%PDF-1.4\n%%EOF\n")
    slip = PaySlip(administration_id=a.id, payroll_run_id=run.id, employee_id=employee.id,
                   booking_date=date(2026, 1, 31), storage_key=stored.key, size=stored.size,
                   sha256=stored.sha256)
    statement = AnnualStatement(administration_id=a.id, employee_id=employee.id, year=2025,
                                storage_key=stored.key, size=stored.size, sha256=stored.sha256)
    entry = JournalEntry(administration_id=a.id, payroll_run_id=run.id,
                         booking_date=date(2026, 1, 31),
                         lines=[JournalLine(position=1, account="4000", debit=Decimal("10.00"),
                                            credit=Decimal("0.00")),
                                JournalLine(position=2, account="1600", debit=Decimal("0.00"),
                                            credit=Decimal("10.00"))])
    import_run = ImportRun(administration_id=a.id, kind="manual", status=ImportStatus.SUCCEEDED)
    db.session.add_all([slip, statement, entry, import_run])
    db.session.commit()
    return slip.id, statement.id, import_run.id


# -- the route × role table -------------------------------------------------------------------


def routes(world, ids, slip_id, statement_id, import_run_id):
    a = world.administration.id
    company_id = str(ids.company)
    # No role in the domain: its administrations do not exist for the user (404, issue 12).
    view = [LOGIN, 404, 200, 200, 200, 404]
    manage_get = [LOGIN, 404, 200, 200, 200, 404]
    manage_post = [LOGIN, 404, 303, 303, 303, 404]
    # Linking to an Nmbrs company is for portal staff only, not the domain's Back office
    # (issue 12: the chooser may list companies of other clients).
    link_get = [LOGIN, 404, 403, 200, 200, 404]
    link_post = [LOGIN, 404, 403, 303, 303, 404]
    return {
        ("GET", f"/administrations/{a}/nmbrs-company", None): link_get,
        ("GET", f"/administrations/{a}/nmbrs-company/section", None): view,
        ("POST", f"/administrations/{a}/nmbrs-company", ("company_id", company_id)): link_post,
        ("GET", f"/administrations/{a}/import", None): manage_get,
        ("GET", f"/administrations/{a}/import/runs", None): manage_get,
        ("POST", f"/administrations/{a}/import", "runs"): manage_post,
        ("POST", f"/administrations/{a}/import/employees", None): manage_post,
        ("POST", f"/administrations/{a}/import/work-costs", ("year", "2026")): manage_post,
        ("GET", f"/administrations/{a}/imports/{import_run_id}", None): view,
        ("GET", f"/administrations/{a}/imports", None): view,
        ("GET", f"/administrations/{a}/payslips", None): view,
        ("GET", f"/administrations/{a}/journals", None): view,
        ("GET", f"/administrations/{a}/journals.csv", None): view,
        ("GET", f"/administrations/{a}/tax-assessments", None): view,
        ("GET", f"/administrations/{a}/annual-statements", None): view,
        ("GET", f"/payslips/{slip_id}.pdf", None): view,
        ("GET", f"/annual-statements/{statement_id}.pdf", None): view,
    }


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_route_role_table(app, world, client_as, nmbrs, fake_start, tmp_path, ids, role_index,
                          role):
    stored = _stored_documents(app, world, tmp_path, ids)
    failures = []
    for (method, path, form), expected_by_role in routes(world, ids, *stored).items():
        expected = expected_by_role[role_index]
        client = client_as(world.users.get(role))
        if method == "POST":
            if form == "runs":
                data = {"year": "2026", "run_ids": [str(ids.runs[1])], "documents": ["journal"]}
            else:
                data = dict([form]) if form else {}
            response = client.post(path, data)
        else:
            response = client.get(path)
        response.close()
        failures += unexpected_answer(method, path, expected, response)
        # Queued imports would make the next POST of the same kind "already running".
        db.session.execute(ImportRun.__table__.update().values(status="succeeded"))
        db.session.commit()
    assert not failures, "\n".join(failures)


def test_posts_without_csrf_token_are_refused(world, client_as, fake_start):
    a = world.administration.id
    response = client_as(world.users["portal-admin"]).post(
        f"/administrations/{a}/import/employees", csrf=False)
    assert response.status_code == 400
    assert fake_start == []


# -- the Nmbrs company ------------------------------------------------------------------------


def test_administration_page_shows_the_linked_company(world, client_as):
    db.session.add(CompanyLink(administration_id=world.administration.id, company_id=54701,
                               company_name="Bakkerij De Vries B.V.", company_number="1"))
    db.session.commit()
    page = client_as(world.users["portal-admin"]).get(
        f"/administrations/{world.administration.id}").get_data(as_text=True)
    assert 'id="nmbrs-company"' in page
    assert "Bakkerij De Vries B.V. (company number 1)" in page and "matched automatically" in page
    assert 'id="employees"' in page  # the employees table stays


def test_company_chooser_lists_the_debtors_companies_and_stores_the_choice(world, client_as,
                                                                           nmbrs, ids):
    a = world.administration
    client = client_as(world.users["portal-back-office"])
    page = client.get(f"/administrations/{a.id}/nmbrs-company").get_data(as_text=True)
    assert "Bakkerij De Vries B.V. (number 1)" in page
    assert "Tandartspraktijk Smit" not in page  # another debtor's company
    assert demo_data.SANDBOX_TOKEN not in page

    response = client.post(f"/administrations/{a.id}/nmbrs-company",
                           {"company_id": str(ids.company)},
                           htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "chosen by pbo@example.nl" in body and "autofocus" in body
    link = db.session.scalar(select(CompanyLink).where(CompanyLink.administration_id == a.id))
    assert (link.company_id, link.company_number) == (ids.company, "1")
    assert link.chosen_by_id == world.users["portal-back-office"].id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "nmbrs.company_chosen"))
    assert entry.details["company_id"] == ids.company


def test_company_chooser_lists_every_company_when_no_debtor_has_the_domain_name(world,
                                                                               client_as, nmbrs):
    world.domain.name = "bakkerij de vries (oud)"
    db.session.commit()
    page = client_as(world.users["portal-admin"]).get(
        f"/administrations/{world.administration.id}/nmbrs-company").get_data(as_text=True)
    assert "Tandartspraktijk Smit (number 1)" in page
    assert "No single Nmbrs debtor is named like" in page
    # The administration's own company comes first, among the companies named like it.
    assert page.index("Bakkerij De Vries B.V. (number 1)") < page.index("Tandartspraktijk Smit")
    assert "Named or numbered like this administration" in page


def test_a_domain_back_office_cannot_see_or_link_other_clients_companies(world, client_as,
                                                                         nmbrs, ids):
    """Issue 12: with no debtor named like the domain, the chooser listed every company of the
    firm's Nmbrs login to the domain's Back office, who could link Smit's company and import
    its pay slips. Linking, and any list beyond the domain's own debtor, is portal staff's."""
    world.domain.name = "nieuwe-klant"
    db.session.commit()
    client = client_as(world.users["domain-back-office"])
    a = world.administration.id
    page = client.get(f"/administrations/{a}/nmbrs-company")
    assert page.status_code == 403
    assert "Tandartspraktijk Smit" not in page.get_data(as_text=True)
    response = client.post(f"/administrations/{a}/nmbrs-company",
                           {"company_id": str(ids.other_debtors_company)})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(CompanyLink.id))) == 0
    shown = client.get(f"/administrations/{a}").get_data(as_text=True)
    assert "Choose the Nmbrs company" not in shown  # no link to a page it may not use


def test_company_choices_of_a_domain_role_stay_inside_its_debtor(world, sandbox_url):
    from portal.services import company_links

    world.domain.name = "nieuwe-klant"  # no debtor matches
    client = _sandbox_client(sandbox_url)
    assert company_links.company_choices(world.administration, client,
                                         see_all=False).companies == []
    everything = company_links.company_choices(world.administration, client, see_all=True)
    assert "Tandartspraktijk Smit" in {c.name for c in everything.companies}


def test_a_company_linked_elsewhere_cannot_be_linked_again(world, client_as, nmbrs, ids):
    from portal.models import Administration

    other = Administration(domain=world.domain, name="Bakkerij De Vries Oud B.V.",
                           relation_code="9", payroll_contract=True)
    db.session.add(other)
    db.session.flush()
    db.session.add(CompanyLink(administration_id=other.id, company_id=ids.company,
                               company_name="Bakkerij De Vries B.V.", company_number="1"))
    db.session.commit()
    response = client_as(world.users["portal-admin"]).post(
        f"/administrations/{world.administration.id}/nmbrs-company",
        {"company_id": str(ids.company)}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert ('is already linked to administration "Bakkerij De Vries Oud B.V." of domain '
            '"bakkerij-de-vries"') in body.replace("&#34;", '"')
    assert db.session.scalar(select(func.count(CompanyLink.id))) == 1


def test_choosing_another_debtors_company_is_refused(world, client_as, nmbrs, ids):
    response = client_as(world.users["portal-admin"]).post(
        f"/administrations/{world.administration.id}/nmbrs-company",
        {"company_id": str(ids.other_debtors_company)})
    assert response.status_code == 422
    assert "Choose one of the Nmbrs companies" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CompanyLink.id))) == 0


def test_nmbrs_errors_are_shown_as_a_message(world, client_as, monkeypatch, connected):
    def unavailable(_administration, **_options):
        raise NmbrsUnavailable()

    monkeypatch.setattr(nmbrs_access, "client_for", unavailable)
    client = client_as(world.users["portal-admin"])
    # The import page shows the error in its run list (the fragment, or the page without JS).
    for path in ("nmbrs-company", "import/runs?year=2026"):
        response = client.get(f"/administrations/{world.administration.id}/{path}")
        assert response.status_code == 200
        assert "Nmbrs is not reachable" in response.get_data(as_text=True)


def test_not_connected_without_settings_service(world, client_as):
    """Without credentials (or before the settings service exists) the run list says so."""
    response = client_as(world.users["portal-admin"]).get(
        f"/administrations/{world.administration.id}/import/runs")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Nmbrs is not connected" in body or "credentials" in body


# -- the runs of a year -----------------------------------------------------------------------


def test_import_page_lists_runs_with_what_is_imported(app, world, client_as, nmbrs, tmp_path,
                                                      ids):
    # January: the journal and one pay slip of one employee.
    _stored_documents(app, world, tmp_path, ids)
    db.session.add(WorkCostPeriod(administration_id=world.administration.id, year=2026, period=1,
                                  fiscal_wage=Decimal("9235.75"), work_cost_payroll=Decimal(0),
                                  work_cost_financial=Decimal(0),
                                  available_space=Decimal("177.33"), to_pay=Decimal(0)))
    db.session.add(WorkCostPeriod(administration_id=world.administration.id, year=2026, period=2,
                                  fiscal_wage=Decimal("9235.75"), work_cost_payroll=Decimal(0),
                                  work_cost_financial=Decimal(0),
                                  available_space=Decimal("177.33"), to_pay=Decimal(0)))
    db.session.commit()
    # Without JavaScript the run list is a page of its own (with JavaScript, the same fragment).
    page = client_as(world.users["portal-back-office"]).get(
        f"/administrations/{world.administration.id}/import/runs?year=2026").get_data(as_text=True)
    assert "January 2026 (run 1)" in page and "June 2026 (run 6)" in page
    assert "July 2026" not in page  # the sandbox's today is in June
    january = page[page.index(f'id="run-{ids.runs[1]}"'):page.index(f'id="run-{ids.runs[2]}"')]
    assert "<td>Yes</td>" in january and "<td>1 of 1</td>" in january
    # Earlier months never imported are pointed out; the current month is not "late".
    february = page[page.index(f'id="run-{ids.runs[2]}"'):page.index(f'id="run-{ids.runs[3]}"')]
    # (issue 15: the statuses say what is missing and why)
    assert "Missing from an earlier month" in february
    june = page[page.index(f'id="run-{ids.runs[6]}"'):]
    assert "Missing from an earlier month" not in june.split("</tr>")[0]
    assert "Not imported yet" in june.split("</tr>")[0]
    assert "Import all employees" in page and "Retrieve WKR payroll balance 2026" in page
    assert 'id="fiscal-wage-total">€18,471.50<' in page


def test_manual_import_validation_no_run_no_document(world, client_as, nmbrs, fake_start, ids):
    client = client_as(world.users["portal-admin"])
    url = f"/administrations/{world.administration.id}/import"
    response = client.post(url, {"year": "2026", "documents": ["journal"]}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="run_ids-error"' in body and "Choose at least one run" in body
    assert response.headers["HX-Retarget"] == "#manual-import"
    response = client.post(url, {"year": "2026", "run_ids": [str(ids.runs[1])]})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Choose at least one kind of document" in body
    assert re.search(rf'value="{ids.runs[1]}"[^>]*checked', body)  # the choice is kept
    assert fake_start == []


def test_manual_import_queues_a_job(app, world, client_as, nmbrs, redis_db, monkeypatch, ids):
    from jobs.queue import get_queue

    client = client_as(world.users["domain-back-office"])
    response = client.post(f"/administrations/{world.administration.id}/import",
                           {"year": "2026", "run_ids": [str(ids.runs[2]), str(ids.runs[1])],
                            "documents": ["journal", "payslips"]}, htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "queued" in body and 'hx-trigger="load delay:1s"' in body
    run = db.session.scalar(select(ImportRun))
    assert run.kind == "manual" and run.status == ImportStatus.QUEUED
    assert run.request == {"year": 2026, "run_ids": sorted([ids.runs[1], ids.runs[2]]),
                           "documents": ["journal", "payslips"]}
    assert run.requested_by_id == world.users["domain-back-office"].id
    job_ids = get_queue("imports", connection=redis_db).job_ids
    assert job_ids == [run.job_id]

    # A second start while the first is queued: a clear message, nothing new queued.
    again = client.post(f"/administrations/{world.administration.id}/import",
                        {"year": "2026", "run_ids": [str(ids.runs[3])], "documents": ["journal"]},
                        htmx=True)
    assert "already queued or running" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 1
    assert len(get_queue("imports", connection=redis_db).job_ids) == 1


def test_without_javascript_a_start_redirects_to_the_import_page(world, client_as, nmbrs,
                                                                 fake_start):
    client = client_as(world.users["portal-admin"])
    a = world.administration.id
    response = client.post(f"/administrations/{a}/import/work-costs", {"year": "2025"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/administrations/{a}/import?year=2025"
    assert fake_start == [("work-costs", {"year": 2025})]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "WKR payroll balance" in page and "queued" in page and "Refresh" in page


def test_employees_and_work_costs_buttons_queue_their_kind(app, world, client_as, nmbrs,
                                                          redis_db, monkeypatch):
    client = client_as(world.users["portal-admin"])
    a = world.administration.id
    client.post(f"/administrations/{a}/import/employees", htmx=True)
    # One import at a time per administration (issue 10): the first one has to finish first.
    db.session.scalar(select(ImportRun)).status = ImportStatus.SUCCEEDED
    db.session.commit()
    client.post(f"/administrations/{a}/import/work-costs", {"year": "2026"}, htmx=True)
    runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    assert [(r.kind, r.request) for r in runs] == [("employees", {}),
                                                  ("work-costs", {"year": 2026})]


# -- live progress ----------------------------------------------------------------------------


def test_progress_fragment_states(app, world, client_as, redis_db):
    run = ImportRun(administration_id=world.administration.id, kind="manual",
                    status=ImportStatus.QUEUED, request={"year": 2026})
    db.session.add(run)
    db.session.commit()
    client = client_as(world.users["domain-back-office"])
    url = f"/administrations/{world.administration.id}/imports/{run.id}"

    queued = client.get(url, htmx=True).get_data(as_text=True)
    assert "queued" in queued and 'hx-trigger="load delay:1s"' in queued and "<html" not in queued

    run.status = ImportStatus.RUNNING
    db.session.commit()
    Progress(run.id).expect(3)
    Progress(run.id).advance()
    running = client.get(url, htmx=True).get_data(as_text=True)
    assert "1 of 3 documents imported" in running
    assert '<progress id="import-run-' in running and 'max="3" value="1"' in running
    assert 'hx-trigger="load delay:1s"' in running

    run.status, run.summary = ImportStatus.SUCCEEDED, {"journal": 3, "payslips": 9}
    db.session.commit()
    done = client.get(url, htmx=True).get_data(as_text=True)
    assert "done" in done and "Journal entries: 3" in done and "Pay slips: 9" in done
    assert "hx-trigger" not in done  # polling stops by itself

    run.status, run.error = ImportStatus.FAILED, "Nmbrs refused the request."
    db.session.commit()
    failed = client.get(url, htmx=True).get_data(as_text=True)
    assert "failed" in failed and "Nmbrs refused the request." in failed
    assert "hx-trigger" not in failed

    page = client.get(url).get_data(as_text=True)  # without htmx: a page with a status region
    assert 'role="status"' in page and 'aria-live="polite"' in page


def test_progress_of_another_administration_is_404(world, client_as):
    run = ImportRun(administration_id=world.other_administration.id, kind="manual",
                    status=ImportStatus.QUEUED)
    db.session.add(run)
    db.session.commit()
    response = client_as(world.users["portal-admin"]).get(
        f"/administrations/{world.administration.id}/imports/{run.id}")
    assert response.status_code == 404


def test_queue_unreachable_is_a_message_not_a_500(world, client_as, nmbrs, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    def down(*_args, **_kwargs):
        raise RedisConnectionError("connection refused")

    monkeypatch.setattr("jobs.enqueue.start_manual_import", down)
    response = client_as(world.users["portal-admin"]).post(
        f"/administrations/{world.administration.id}/import/employees", htmx=True)
    assert response.status_code == 200
    assert "import queue cannot be reached" in response.get_data(as_text=True)


# -- in Dutch ---------------------------------------------------------------------------------

DUTCH = {"Accept-Language": "nl"}


def test_in_dutch_the_progress_reads_as_a_dutch_sentence(app, world, client_as, redis_db):
    run = ImportRun(administration_id=world.administration.id, kind="manual",
                    status=ImportStatus.RUNNING, request={"year": 2026})
    db.session.add(run)
    db.session.commit()
    Progress(run.id).expect(3)
    Progress(run.id).advance()
    client = client_as(world.users["domain-back-office"])

    running = client.get(f"/administrations/{world.administration.id}/imports/{run.id}",
                         htmx=True, headers=DUTCH).get_data(as_text=True)

    assert "1 van 3 documenten geïmporteerd." in running
    assert "Vernieuwen om de laatste voortgang te zien" in running  # without JavaScript


def test_in_dutch_the_company_section_and_chooser_read_as_dutch_sentences(world, client_as,
                                                                         nmbrs, ids):
    a = world.administration
    client = client_as(world.users["portal-back-office"])
    url = f"/administrations/{a.id}"

    not_linked = client.get(url, headers=DUTCH).get_data(as_text=True)
    chooser = client.get(f"{url}/nmbrs-company", headers=DUTCH).get_data(as_text=True)
    chosen = client.post(f"{url}/nmbrs-company", {"company_id": str(ids.company)}, htmx=True,
                         headers=DUTCH).get_data(as_text=True)
    runs = client.get(f"{url}/import/runs?year=2026", headers=DUTCH).get_data(as_text=True)

    assert ("Nog niet gekoppeld. De eerste import zoekt bij debiteur „bakkerij-de-vries” het "
            "bedrijf met de naam „Bakkerij De Vries B.V.” en bedrijfsnummer 1." in not_linked)
    assert "Bakkerij De Vries B.V. (nummer 1)" in chooser
    assert "Met de naam of het nummer van deze administratie" in chooser  # the group's label
    assert re.search(r"Bakkerij De Vries B\.V\. \(bedrijfsnummer 1\), gekozen door "
                     r"pbo@example\.nl op \d\d-\d\d-\d{4}\.", chosen)
    assert "januari 2026 (run 1)" in runs and "WKR-loonsom 2026 ophalen" in runs


def test_in_dutch_a_company_matched_automatically_reads_as_a_dutch_sentence(world, client_as):
    db.session.add(CompanyLink(administration_id=world.administration.id, company_id=54701,
                               company_name="Bakkerij De Vries B.V.", company_number="1"))
    db.session.commit()

    page = client_as(world.users["portal-admin"]).get(
        f"/administrations/{world.administration.id}", headers=DUTCH).get_data(as_text=True)

    assert "Bakkerij De Vries B.V. (bedrijfsnummer 1), automatisch gekoppeld." in page
