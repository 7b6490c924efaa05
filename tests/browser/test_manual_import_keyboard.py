"""A manual import by keyboard only, with live progress (issue 6, item 4).

The app is served on a real port, the Nmbrs sandbox answers the screens and the import. A
thread stands in for the RQ worker and runs the real job function (`jobs.imports`), or, where
the job frame cannot be imported yet (it needs the settings and task services), the real
`AdministrationImporter` alone. The import pauses after its first document until the page shows
"1 of 8", so the test sees the progress without depending on timing.
"""

import threading
from datetime import date
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select

from portal import demo_data
from portal.config import DEFAULTS
from portal.extensions import db
from portal.models import (
    Administration,
    Domain,
    ImportRun,
    ImportStatus,
    JournalEntry,
    Portal,
    PortalRole,
    User,
)
from portal.models._common import utcnow
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.sandbox.testing import running_sandbox
from portal.services import nmbrs_access
from portal.services.import_progress import Progress
from portal.services.importer import AdministrationImporter
from tests.browser._server import chromium_page, serve
from tests.conftest import PASSWORD, database_url, hashed, make_app, redis_url

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TODAY = date(2026, 6, 15)
REDIS_URL = redis_url(13)
EMAIL = "admin@vandijk.example"


def _chromium_page():
    return chromium_page(timeout_ms=15_000)


def _focused(page) -> dict:
    return page.evaluate("() => { const e = document.activeElement; return {tag: e.tagName,"
                         " id: e.id, text: (e.innerText || e.value || '').trim()}; }")


def _tab_to(page, matches, limit=80) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = _focused(page)
        if matches(current):
            return current
    raise AssertionError(f"Tab never reached the element; last focus: {_focused(page)}")


@pytest.fixture(params=["real-job", "importer-only"])
def site(request, tmp_path, monkeypatch):
    """The app on a real port with one portal administrator, the sandbox behind it.

    "real-job": the real `jobs.imports.manual_import` runs in a thread in place of the RQ
    worker, with the portal's Nmbrs settings pointing at the sandbox. "importer-only": the real `AdministrationImporter` in a
    thread, the job frame and the credentials stood in for."""
    real_job = request.param == "real-job"
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    with running_sandbox(today=TODAY, latency=0.02) as sandbox_url:
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
                       HTMX_VENDORED=True, RATELIMIT_STORAGE_URI="memory://",
                       REDIS_URL=REDIS_URL, DOCUMENT_STORE_PATH=str(tmp_path / "documents"),
                       NMBRS_SOAP_URL=sandbox_url, NMBRS_RETRY_BUDGET_SECONDS=0)
        with app.app_context():
            db.drop_all()
            db.create_all()
            administration_id = _seed()

        def client_for(_administration, **_options):
            client = NmbrsClient.from_config({**DEFAULTS, "NMBRS_SOAP_URL": sandbox_url},
                                             demo_data.SANDBOX_USERNAME, demo_data.SANDBOX_TOKEN)
            client.verify()
            return client

        if not real_job:
            monkeypatch.setattr(nmbrs_access, "client_for", client_for)
        monkeypatch.setattr("portal.views.imports._today", lambda: TODAY)
        worker = _Worker(app, None if real_job else client_for)
        original_advance = Progress.advance

        def gated_advance(progress, by=1):
            """After the first document, wait until the test has seen "1 of 8" on the page."""
            original_advance(progress, by)
            worker.seen_first_run.wait(timeout=30)

        monkeypatch.setattr(Progress, "advance", gated_advance)
        monkeypatch.setattr("jobs.enqueue.start_manual_import", worker.start)
        with serve(app) as base_url:
            yield app, base_url, administration_id, worker
        worker.join()
    with app.app_context():
        db.session.remove()
        db.drop_all()
        for engine in db.engines.values():
            engine.dispose()
    redis.flushdb()
    redis.close()


def _seed() -> int:
    portal = Portal(name=demo_data.PORTAL_NAME, nmbrs_enabled=True)
    domain = Domain(portal=portal, name="bakkerij-de-vries")
    administration = Administration(domain=domain, name="Bakkerij De Vries B.V.",
                                    relation_code="1", payroll_contract=True)
    user = User(portal=portal, email=EMAIL, portal_role=PortalRole.ADMIN, password_hash=hashed())
    db.session.add_all([portal, domain, administration, user])
    db.session.flush()
    # Both variants need a connected link: the import page shows no runs without one (issue 15).
    from portal.models import NmbrsSettings

    db.session.add(NmbrsSettings(
        portal_id=portal.id, scope="portal", username=demo_data.SANDBOX_USERNAME,
        token=demo_data.SANDBOX_TOKEN, subdomain=demo_data.SANDBOX_SUBDOMAIN,
        import_payslips=True, import_journals=True, import_tax_assessments=True,
        import_late_runs=False, first_day=1, last_day=31))
    db.session.commit()
    return administration.id


class _Worker:
    """Stands in for `start_manual_import` + the RQ worker: one queued ImportRun, then the
    import in a thread — the real job function, or (client given) the real importer alone."""

    def __init__(self, app, client_for=None):
        self.app, self.client_for = app, client_for
        self.seen_first_run = threading.Event()
        self.threads = []

    def start(self, administration_id, user, kind, request):
        from jobs.enqueue import active_import

        if active_import(administration_id, kind) is not None:
            return None
        import_run = ImportRun(administration_id=administration_id, kind=kind, request=request,
                               requested_by_id=user.id, status=ImportStatus.QUEUED)
        db.session.add(import_run)
        db.session.commit()
        thread = threading.Thread(target=self._work, args=(import_run.id,), daemon=True)
        self.threads.append(thread)
        thread.start()
        return import_run

    def _work(self, import_run_id):
        with self.app.app_context():
            if self.client_for is None:
                from jobs.imports import manual_import

                manual_import(import_run_id)
            else:
                self._import(import_run_id)
            db.session.remove()

    def _import(self, import_run_id):
        import_run = db.session.get(ImportRun, import_run_id)
        import_run.status, import_run.started_at = ImportStatus.RUNNING, utcnow()
        db.session.commit()
        client = self.client_for(import_run.administration)
        importer = AdministrationImporter(import_run.administration, client, directory=client,
                                          import_run_id=import_run_id,
                                          progress=Progress(import_run_id))
        request = import_run.request
        importer.import_selected_runs(request["year"], set(request["run_ids"]),
                                      set(request["documents"]))
        import_run.status, import_run.finished_at = ImportStatus.SUCCEEDED, utcnow()
        import_run.summary = dict(importer.result.summary)
        db.session.commit()

    def join(self):
        self.seen_first_run.set()
        for thread in self.threads:
            thread.join(timeout=30)


def test_manual_import_by_keyboard_with_live_progress(site):
    from playwright.sync_api import expect

    app, base_url, administration_id, worker = site
    ARTIFACTS.mkdir(exist_ok=True)
    with _chromium_page() as page:
        page.goto(f"{base_url}/administrations/{administration_id}")
        # Signed out: the login form has the focus.
        expect(page.get_by_label("E-mail")).to_be_focused()
        page.keyboard.type(EMAIL)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        expect(page.get_by_label("Password")).to_have_value(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Bakkerij De Vries B.V.")

        _tab_to(page, lambda f: f["text"] == "Import from Nmbrs")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base_url}/administrations/{administration_id}/import")
        expect(page.get_by_role("heading", level=1)).to_have_text("Import from Nmbrs")

        # January and February: never imported, so "Not yet imported" in June.
        january = page.get_by_role("checkbox", name="January 2026 (run 1)")
        february = page.get_by_role("checkbox", name="February 2026 (run 2)")
        _tab_to(page, lambda f: f["id"] == january.get_attribute("id"))
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        assert _focused(page)["id"] == february.get_attribute("id")
        page.keyboard.press("Space")
        expect(january).to_be_checked()
        expect(february).to_be_checked()
        _tab_to(page, lambda f: f["id"] == "start-import")
        page.screenshot(path=str(ARTIFACTS / "manual-import-form.png"), full_page=True)
        polls = []
        page.on("request", lambda r: polls.append(r.url) if "/imports/" in r.url else None)
        page.keyboard.press("Enter")

        progress = page.locator("#progress-manual")
        expect(progress).to_contain_text("1 of 8 documents imported")
        expect(progress.locator("progress")).to_have_attribute("value", "1")
        page.screenshot(path=str(ARTIFACTS / "manual-import-progress.png"), full_page=True)
        # The page stays usable while it polls: the focus stays put, the form can be used.
        seen = len(polls)
        for _ in range(100):  # the fragment keeps asking for itself
            if len(polls) > seen:
                break
            page.wait_for_timeout(100)
        assert len(polls) > seen
        expect(progress).to_contain_text("1 of 8 documents imported")
        assert _focused(page)["id"] == "start-import"
        page.keyboard.press("Shift+Tab")
        assert _focused(page)["id"] == "document-annual_statements"
        page.keyboard.press("Space")
        worker.seen_first_run.set()

        expect(progress).to_contain_text("done", timeout=30_000)
        expect(progress).to_contain_text("Journal entries: 2")
        expect(progress).to_contain_text("Pay slips: 6")
        expect(progress.locator("[hx-trigger]")).to_have_count(0)  # polling stopped
        expect(page.locator("#import-progress")).to_have_attribute("role", "status")
        expect(page.locator("#document-annual_statements")).to_be_checked()  # not re-rendered
        assert _focused(page)["id"] == "document-annual_statements"
        page.screenshot(path=str(ARTIFACTS / "manual-import-done.png"), full_page=True)

        # The import history lists it, reached by keyboard.
        _tab_to(page, lambda f: f["text"] == "Import history")
        page.keyboard.press("Enter")
        expect(page.locator("#import-history")).to_contain_text(EMAIL)
        expect(page.locator("#import-history")).to_contain_text("Manual import 2026")

        # The imported journal entries, balanced, with a CSV export.
        _tab_to(page, lambda f: f["text"] == "Journal entries")
        page.keyboard.press("Enter")
        entries = page.locator("article.journal-entry")
        expect(entries).to_have_count(2)
        for index in range(2):
            totals = entries.nth(index).locator("tfoot td.amount")
            assert totals.nth(0).inner_text() == totals.nth(1).inner_text()
        page.screenshot(path=str(ARTIFACTS / "journal-entries.png"), full_page=True)
        _tab_to(page, lambda f: f["text"] == "Pay slips")
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="Download")).to_have_count(6)
        headings = page.locator("#payslips h3")
        expect(headings).to_have_text(["February 2026 (run 2)", "January 2026 (run 1)"])
        page.screenshot(path=str(ARTIFACTS / "payslips.png"), full_page=True)

    with app.app_context():
        assert db.session.scalar(select(func.count(JournalEntry.id))) == 2
        assert db.session.scalar(select(ImportRun.status)) == ImportStatus.SUCCEEDED
