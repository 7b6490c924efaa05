"""Issue 10, property: whatever Nmbrs corrects and whatever we re-import or accept, the database
holds Nmbrs' latest content (as the document, or as its pending new version) plus the earlier
versions that were accepted away — never a duplicate document, never a second pending version.

Hypothesis draws sequences of corrections in the sandbox, manual imports (real Redis, real RQ
worker) and acceptances; each example starts from a fresh demo portal and sandbox."""

import hashlib
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from jobs.enqueue import start_manual_import
from portal import demo_data
from portal.extensions import db
from portal.models import (
    CompanyLink,
    DocumentVersion,
    ImportRun,
    ImportStatus,
    JournalEntry,
    PayrollRun,
    PaySlip,
    TaxAssessment,
)
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.sandbox.testing import sandbox_server
from portal.services import document_changes
from tests.imports_helpers import administration, linked_demo_app, run_jobs
from tests.test_import_jobs import JANSEN, TODAY

MONTHS = (1, 2, 3, 4, 5)
DOCUMENTS = ["journal", "payslips", "tax_assessments"]

operations = st.lists(st.one_of(
    st.tuples(st.just("journal"), st.sampled_from(MONTHS)),
    st.tuples(st.just("payslip"), st.sampled_from(MONTHS), st.sampled_from((0, 1))),
    st.tuples(st.just("declaration"), st.sampled_from(MONTHS[:-1])),
    st.tuples(st.just("import"), st.sets(st.sampled_from(MONTHS), min_size=1)),
    st.tuples(st.just("accept"), st.integers(min_value=0, max_value=9)),
), min_size=1, max_size=6)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=operations)
def test_the_database_is_nmbrs_latest_plus_kept_earlier_versions(steps):
    with tempfile.TemporaryDirectory() as folder, sandbox_server(today=TODAY) as served:
        with linked_demo_app(Path(folder), served.url) as app:
            _run(app, served.app, steps)


def _run(app, nmbrs, steps) -> None:
    company = next(c for c in nmbrs.world.companies if c.name == JANSEN)
    runs = {r.period: r for r in company.runs}
    accepted = Counter()
    for step in steps:
        kind = step[0]
        if kind == "journal":
            nmbrs.world.change_journal(runs[step[1]].id)
        elif kind == "payslip":
            paid = company.employees_in(step[1])
            nmbrs.world.change_payslip(runs[step[1]].id, paid[step[2] % len(paid)].id)
        elif kind == "declaration":
            nmbrs.world.change_declaration(company.id * 100 + step[1])
        elif kind == "import":
            _import(app, [runs[month].id for month in sorted(step[1])])
            _check(app, company, accepted, months=step[1])  # what was just re-checked
        else:
            _accept_one(step[1], accepted)
    _import(app, [runs[month].id for month in MONTHS])  # re-checks everything
    _check(app, company, accepted)


def _import(app, run_ids) -> None:
    import_run = start_manual_import(administration(JANSEN).id, None, "manual", {
        "year": 2026, "run_ids": run_ids, "documents": DOCUMENTS})
    run_jobs(app)
    assert db.session.get(ImportRun, import_run.id).status == ImportStatus.SUCCEEDED


def _accept_one(index: int, accepted: Counter) -> None:
    pending = db.session.scalars(select(DocumentVersion).where(
        DocumentVersion.state == "pending").order_by(DocumentVersion.id)).all()
    if not pending:
        return
    version = pending[index % len(pending)]
    accepted[(version.kind, version.document_id)] += 1
    document_changes.accept(version, None)
    db.session.commit()


def _latest(kind: str, document_id: int, own):
    """What the database holds as the latest content: the pending version, else the document."""
    pending = db.session.scalar(select(DocumentVersion).where(
        DocumentVersion.kind == kind, DocumentVersion.document_id == document_id,
        DocumentVersion.state == "pending"))
    return pending, (own if pending is None else None)


def _check(app, company, accepted: Counter, months=frozenset(MONTHS)) -> None:
    db.session.expire_all()
    jansen = administration(JANSEN)
    client = NmbrsClient.from_config(app.config, demo_data.SANDBOX_USERNAME,
                                     demo_data.SANDBOX_TOKEN, domain=demo_data.SANDBOX_SUBDOMAIN)
    company_id = db.session.scalar(select(CompanyLink.company_id).where(
        CompanyLink.administration_id == jansen.id))
    for stored in db.session.scalars(select(PayrollRun).where(
            PayrollRun.administration_id == jansen.id, PayrollRun.period_end.in_(months))):
        entries = db.session.scalars(select(JournalEntry).where(
            JournalEntry.payroll_run_id == stored.id)).all()
        assert len(entries) == 1  # never a second copy
        entry = entries[0]
        nmbrs_rows = document_changes.journal_rows(
            client.journal(company_id, stored.nmbrs_run_id, stored.year).lines)
        pending, own = _latest("journal", entry.id, entry)
        ours = document_changes.journal_rows(own.lines) if own else pending.content["lines"]
        assert ours == nmbrs_rows
        if pending is not None:  # a pending version differs from the document
            assert pending.content["lines"] != document_changes.journal_rows(entry.lines)
        assert stored.changed_in_nmbrs_at is not None or not _has_pending_of_run(stored.id)
        for slip in db.session.scalars(select(PaySlip).where(
                PaySlip.payroll_run_id == stored.id)):
            employee = next(e for e in company.employees if e.number == slip.employee.number)
            pdf = client.payslip(employee.id, company_id, stored.nmbrs_run_id, stored.year).pdf
            pending, own = _latest("payslip", slip.id, slip)
            ours = own.sha256 if own else pending.content["sha256"]
            assert ours == hashlib.sha256(pdf).hexdigest()
        assert db.session.scalar(select(func.count(PaySlip.id)).where(
            PaySlip.payroll_run_id == stored.id)) == len(company.employees_in(stored.period_end))
    declarations = {d.id: d for d in client.wage_tax_declarations(company_id, 2026)}
    for assessment in db.session.scalars(select(TaxAssessment).where(
            TaxAssessment.administration_id == jansen.id, TaxAssessment.period.in_(months))):
        pending, own = _latest("tax_assessment", assessment.id, assessment)
        ours = own.total if own else Decimal(pending.content["total"])
        assert ours == Decimal(declarations[assessment.nmbrs_declaration_id].total)
    # Earlier versions: exactly one per acceptance, nothing else.
    kept = Counter((v.kind, v.document_id) for v in db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.state == "earlier")))
    assert kept == +accepted
    assert db.session.scalar(select(func.count(PayrollRun.id)).where(
        PayrollRun.administration_id == jansen.id)) == db.session.scalar(
        select(func.count(func.distinct(PayrollRun.nmbrs_run_id))).where(
            PayrollRun.administration_id == jansen.id))


def _has_pending_of_run(payroll_run_id: int) -> bool:
    return db.session.scalar(select(DocumentVersion.id).where(
        DocumentVersion.payroll_run_id == payroll_run_id,
        DocumentVersion.state == "pending")) is not None
