"""Documents that changed in Nmbrs after we imported them (corrections, recalculated runs).

- Every imported document has a content fingerprint: a journal entry the sha256 of its lines
  (account, description, cost centre, debit, credit, in order), a pay slip the sha256 of its
  PDF, a payroll tax assessment the sha256 of its total and payment reference.
- When Nmbrs answers with another fingerprint for a document we have, nothing is overwritten and
  no second document appears: the new content becomes the document's *pending version* (at most
  one; a later change in Nmbrs replaces it, it was never booked), the run or assessment shows
  "changed in Nmbrs on <date>" and one task per run (or assessment) asks to review and rebook.
- Accepting the new version makes it the document and keeps the replaced content as an
  *earlier version* (accountants may have booked it). Should Nmbrs go back to the imported
  content before that, the pending version is dropped.
"""

import hashlib
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select

from portal import document_types
from portal.document_types import VERSION_KINDS
from portal.extensions import db
from portal.models import (
    DocumentVersion,
    JournalEntry,
    JournalLine,
    PayrollRun,
    PaySlip,
    TaxAssessment,
)
from portal.models._common import utcnow
from portal.services import audit, tasks
from portal.stored_text import N_, period, text

JOURNAL, PAYSLIP, TAX_ASSESSMENT = (VERSION_KINDS[key] for key in (
    document_types.JOURNAL, document_types.PAYSLIPS, document_types.TAX_ASSESSMENTS))
PENDING, EARLIER = "pending", "earlier"
CENT = Decimal("0.01")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(CENT))


def journal_rows(lines) -> list[list[str]]:
    """Journal lines (ours or Nmbrs') as [account, description, cost centre, debit, credit]."""
    return [[line.account or "", line.description or "", line.cost_center or "",
             _money(line.debit), _money(line.credit)] for line in lines]


def journal_fingerprint(rows: list[list[str]]) -> str:
    return _sha256("\n".join("|".join(row) for row in rows))


def tax_fingerprint(total, payment_reference) -> str:
    return _sha256(f"{_money(total)}|{payment_reference or ''}")


def entry_fingerprint(entry: JournalEntry) -> str:
    return entry.fingerprint or journal_fingerprint(journal_rows(entry.lines))


def assessment_fingerprint(assessment: TaxAssessment) -> str:
    return assessment.fingerprint or tax_fingerprint(assessment.total,
                                                     assessment.payment_reference)


def pending_version(kind: str, document_id: int) -> DocumentVersion | None:
    return db.session.scalar(select(DocumentVersion).where(
        DocumentVersion.kind == kind, DocumentVersion.document_id == document_id,
        DocumentVersion.state == PENDING))


def note_answer(kind: str, document, current: str, answered: str, content: dict,
                payroll_run: PayrollRun | None = None, xml: str | None = None) -> bool:
    """Compare Nmbrs' answer with the document we have; True when it differs (changed).

    Adds to the session; the caller commits with the rest of the run."""
    pending = pending_version(kind, document.id)
    if answered == current:
        if pending is not None:  # Nmbrs went back to what we imported
            db.session.delete(pending)
        return False
    if pending is not None and pending.fingerprint == answered:
        return True
    now = utcnow()
    if pending is None:
        pending = DocumentVersion(administration_id=document.administration_id, kind=kind,
                                  document_id=document.id, state=PENDING)
        db.session.add(pending)
    pending.payroll_run_id = payroll_run.id if payroll_run is not None else None
    pending.fingerprint, pending.content, pending.xml = answered, content, xml
    pending.detected_at = now
    target = payroll_run if payroll_run is not None else document
    target.changed_in_nmbrs_at = target.changed_in_nmbrs_at or now
    return True


def run_cause(payroll_run: PayrollRun) -> str:
    return f"run.changed:{payroll_run.nmbrs_run_id}"


def assessment_cause(assessment: TaxAssessment) -> str:
    return f"tax.changed:{assessment.nmbrs_declaration_id}"


CHANGE_CAUSES = ("run.changed", "tax.changed")


def is_change_cause(cause: str) -> bool:
    """A task about a document that changed in Nmbrs after import (not an import failure)."""
    return cause.partition(":")[0] in CHANGE_CAUSES


def open_causes(administration_id: int) -> set[str]:
    """The change tasks that stay open: a pending version still waits to be accepted."""
    causes = set()
    for run in db.session.scalars(select(PayrollRun).where(
            PayrollRun.administration_id == administration_id,
            PayrollRun.changed_in_nmbrs_at.is_not(None))):
        causes.add(run_cause(run))
    for assessment in db.session.scalars(select(TaxAssessment).where(
            TaxAssessment.administration_id == administration_id,
            TaxAssessment.changed_in_nmbrs_at.is_not(None))):
        causes.add(assessment_cause(assessment))
    return causes


def run_title(administration, payroll_run: PayrollRun) -> dict:
    return text(N_("Run %(period)s of %(administration)s changed in Nmbrs after import: review "
                   "and rebook"), period=period(payroll_run.year, payroll_run.period_end),
                administration=administration.name)


def assessment_title(administration, assessment: TaxAssessment) -> dict:
    return text(N_("Payroll tax assessment %(period)s of %(administration)s changed in Nmbrs "
                   "after import: review and rebook"),
                period=period(assessment.year, assessment.period),
                administration=administration.name)


# -- accepting the new version ---------------------------------------------------------------


class NothingToAccept(LookupError):
    """The version is not pending any more (accepted meanwhile, or Nmbrs went back)."""


def accept(version: DocumentVersion, user) -> None:
    """Make the pending version the document; keep the replaced content as an earlier version.
    The caller commits."""
    if version.state != PENDING:
        raise NothingToAccept(gettext("This version was already accepted or is no longer pending."))
    document = _document(version)
    earlier = DocumentVersion(administration_id=version.administration_id, kind=version.kind,
                              document_id=version.document_id,
                              payroll_run_id=version.payroll_run_id, state=EARLIER,
                              detected_at=version.detected_at)
    earlier.fingerprint, earlier.content, earlier.xml = _replace(version, document)
    earlier.replaced_at, earlier.replaced_by_id = utcnow(), user.id if user else None
    db.session.add(earlier)
    db.session.delete(version)
    db.session.flush()
    _clear_mark(version, document)
    audit.record(_portal_id(document), "document.change_accepted", document,
                 {"kind": version.kind, "fingerprint": earlier.fingerprint}, user=user)


def _document(version: DocumentVersion):
    model = {JOURNAL: JournalEntry, PAYSLIP: PaySlip, TAX_ASSESSMENT: TaxAssessment}[version.kind]
    return db.session.get(model, version.document_id)


def _replace(version: DocumentVersion, document) -> tuple[str, dict, str | None]:
    """Put the version's content into the document; returns the document's former content."""
    content = version.content
    if version.kind == JOURNAL:
        former = (entry_fingerprint(document), {"lines": journal_rows(document.lines)}, None)
        document.lines = [
            JournalLine(position=i, account=row[0], description=row[1], cost_center=row[2],
                        debit=Decimal(row[3]), credit=Decimal(row[4]))
            for i, row in enumerate(content["lines"], start=1)]
        document.fingerprint = version.fingerprint
        return former
    if version.kind == PAYSLIP:
        former = (document.sha256, {"storage_key": document.storage_key, "size": document.size,
                                    "sha256": document.sha256}, None)
        document.storage_key, document.size = content["storage_key"], content["size"]
        document.sha256 = content["sha256"]
        return former
    former = (assessment_fingerprint(document),
              {"total": _money(document.total), "payment_reference": document.payment_reference,
               "status": document.status}, document.xml)
    document.total = Decimal(content["total"])
    document.payment_reference = content["payment_reference"]
    document.status = content.get("status", document.status)
    document.xml = version.xml
    document.fingerprint = version.fingerprint
    return former


def _clear_mark(version: DocumentVersion, document) -> None:
    """No pending version left for the run (or assessment): the mark and its task go."""
    if version.kind == TAX_ASSESSMENT:
        document.changed_in_nmbrs_at = None
        _resolve(document.administration_id, assessment_cause(document))
        return
    payroll_run = db.session.get(PayrollRun, version.payroll_run_id)
    if payroll_run is None:
        return
    still = db.session.scalar(select(DocumentVersion.id).where(
        DocumentVersion.payroll_run_id == payroll_run.id, DocumentVersion.state == PENDING))
    if still is None:
        payroll_run.changed_in_nmbrs_at = None
        _resolve(payroll_run.administration_id, run_cause(payroll_run))


def _resolve(administration_id: int, cause: str) -> None:
    tasks.resolve_cause(administration_id, cause, N_("The new version from Nmbrs was accepted."))


def _portal_id(document) -> int:
    from portal.models import Administration

    return db.session.get(Administration, document.administration_id).domain.portal_id


def pending_by_document(kind: str, document_ids) -> dict[int, DocumentVersion]:
    """Pending versions of these documents, by document id (for the document pages)."""
    ids = list(document_ids)
    if not ids:
        return {}
    return {v.document_id: v for v in db.session.scalars(select(DocumentVersion).where(
        DocumentVersion.kind == kind, DocumentVersion.document_id.in_(ids),
        DocumentVersion.state == PENDING))}


def earlier_counts(kind: str, document_ids) -> dict[int, int]:
    from sqlalchemy import func

    ids = list(document_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(DocumentVersion.document_id, func.count(DocumentVersion.id))
        .where(DocumentVersion.kind == kind, DocumentVersion.document_id.in_(ids),
               DocumentVersion.state == EARLIER)
        .group_by(DocumentVersion.document_id)).all())
