"""The imported documents of an administration: pay slips, journal entries (and their CSV),
payroll tax assessments, annual statements and the import history.

Anyone who may view the domain sees them (`load_administration`); PDFs are streamed from the
document store, never read into memory.
"""

import csv
import io
import itertools
import re
import unicodedata
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from portal.authz import can_manage_domain, load_administration
from portal.extensions import db
from portal.htmx import render, saved
from portal.i18n import local_period_label
from portal.models import (
    AnnualStatement,
    DocumentVersion,
    Employee,
    ImportRun,
    JournalEntry,
    PayrollRun,
    PaySlip,
    TaxAssessment,
    WorkCostPeriod,
)
from portal.services import document_changes, document_store, import_overview
from portal.validators import page_number

bp = Blueprint("documents", __name__)

PER_PAGE = 50
CSV_HEADER = ("run", "date", "account", "description", "cost center", "debit", "credit")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@bp.app_template_global("run_label")
def run_label(run: PayrollRun) -> str:
    """"May 2026 (run 5)" in the reader's language (templates and the CSV export)."""
    return gettext("%(period)s (run %(number)s)",
                   period=local_period_label(run.year, run.period_end), number=run.number)


def _paginate(statement):
    """The requested page; past the end, the last page (a bad page number is page 1)."""
    wanted = page_number(request.args.get("page"))
    page = db.paginate(statement, page=wanted, per_page=PER_PAGE, error_out=False)
    if wanted > 1 and wanted > page.pages:
        page = db.paginate(statement, page=max(page.pages, 1), per_page=PER_PAGE, error_out=False)
    return page


def _context(administration, **context):
    from flask_login import current_user

    return dict(administration=administration, domain=administration.domain,
                may_manage=can_manage_domain(current_user, administration.domain), **context)


# -- pay slips --------------------------------------------------------------------------------


class DocumentFilter:
    """?year= and ?employee= of a document list, read leniently (bad values are ignored)."""

    def __init__(self, args, years: list[int], employees: list[Employee] | None = None):
        year = args.get("year", "")
        self.year = int(year) if year.isdigit() and int(year) in years else None
        employee = args.get("employee", "")
        ids = {e.id for e in employees or []}
        self.employee = int(employee) if employee.isdigit() and int(employee) in ids else None
        self.years, self.employees = years, employees or []

    def args(self, **changes) -> dict:
        values = {"year": self.year, "employee": self.employee, **changes}
        return {key: value for key, value in values.items() if value not in (None, "")}


def _run_years(administration_id: int) -> list[int]:
    return list(db.session.scalars(
        select(PayrollRun.year).where(PayrollRun.administration_id == administration_id)
        .distinct().order_by(PayrollRun.year.desc())))


@bp.get("/administrations/<int:administration_id>/payslips")
def payslips(administration_id):
    """Pay slips per run, newest first; filterable by year and employee."""
    administration = load_administration(administration_id)
    employees = list(db.session.scalars(
        select(Employee).where(Employee.administration_id == administration.id)
        .order_by(Employee.number)))
    filters = DocumentFilter(request.args, _run_years(administration.id), employees)
    query = (select(PaySlip).join(PaySlip.payroll_run).join(PaySlip.employee)
             .where(PaySlip.administration_id == administration.id))
    if filters.year is not None:
        query = query.where(PayrollRun.year == filters.year)
    if filters.employee is not None:
        query = query.where(PaySlip.employee_id == filters.employee)
    page = _paginate(
        query.options(selectinload(PaySlip.payroll_run), selectinload(PaySlip.employee))
        .order_by(PayrollRun.year.desc(), PayrollRun.number.desc(), Employee.number))
    # Newest run first (Jinja's groupby would sort the runs by id instead).
    groups = [(run, list(slips)) for run, slips
              in itertools.groupby(page.items, key=lambda slip: slip.payroll_run)]
    return render("documents/payslips.html", "documents/_payslips.html",
                  **_context(administration, page=page, groups=groups, filters=filters,
                             **_versions(document_changes.PAYSLIP, page.items)))


@bp.get("/payslips/<int:payslip_id>.pdf")
def payslip_pdf(payslip_id):
    return _pdf_download(PaySlip, payslip_id, lambda slip: (
        f"payslip-{slip.payroll_run.year}-{slip.payroll_run.period_end:02d}-"
        f"{slip.employee.number:04d}-{_slug(slip.employee.name)}.pdf"))


# -- annual statements ------------------------------------------------------------------------


@bp.get("/administrations/<int:administration_id>/annual-statements")
def annual_statements(administration_id):
    administration = load_administration(administration_id)
    page = _paginate(
        select(AnnualStatement).join(AnnualStatement.employee)
        .where(AnnualStatement.administration_id == administration.id)
        .options(selectinload(AnnualStatement.employee))
        .order_by(AnnualStatement.year.desc(), Employee.number))
    return render("documents/annual_statements.html", "documents/_annual_statements.html",
                  **_context(administration, page=page))


@bp.get("/annual-statements/<int:statement_id>.pdf")
def annual_statement_pdf(statement_id):
    return _pdf_download(AnnualStatement, statement_id, lambda statement: (
        f"annual-statement-{statement.year}-{statement.employee.number:04d}-"
        f"{_slug(statement.employee.name)}.pdf"))


def _slug(text: str) -> str:
    """ASCII only, lower case, words joined by hyphens: "Fatima El Amrani" → "fatima-el-amrani"."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "employee"


def _readable(model, document_id: int):
    """A stored document and its administration, 404 unless the user may read that."""
    document = db.session.get(model, document_id)
    if document is None:
        abort(404)
    return document, load_administration(document.administration_id)


def _pdf_download(model, document_id: int, file_name) -> Response:
    """The PDF download of every kind of document: `file_name(document)` names the file."""
    document, _administration = _readable(model, document_id)
    try:
        path = document_store.path_of(document.storage_key)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    return _download(send_file(path, mimetype="application/pdf", as_attachment=True,
                               download_name=file_name(document), conditional=False,
                               etag=False))


def _download(response: Response, file_name: str | None = None) -> Response:
    """A file to save, never to render or to keep in a cache."""
    if file_name is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store, private"
    return response


# -- journal entries --------------------------------------------------------------------------


def _journal_query(administration_id: int):
    return (select(JournalEntry).join(JournalEntry.payroll_run)
            .where(JournalEntry.administration_id == administration_id)
            .options(selectinload(JournalEntry.lines), selectinload(JournalEntry.payroll_run))
            .order_by(JournalEntry.booking_date.desc(), PayrollRun.number.desc()))


@bp.get("/administrations/<int:administration_id>/journals")
def journals(administration_id):
    """Payroll journal entries, newest first; filterable by year and by an employee's runs."""
    administration = load_administration(administration_id)
    employees = list(db.session.scalars(
        select(Employee).where(Employee.administration_id == administration.id)
        .order_by(Employee.number)))
    filters = DocumentFilter(request.args, _run_years(administration.id), employees)
    query = _journal_query(administration.id)
    if filters.year is not None:
        query = query.where(PayrollRun.year == filters.year)
    if filters.employee is not None:
        # The entries of the runs that paid the employee (a journal entry is per run).
        query = query.where(JournalEntry.payroll_run_id.in_(
            select(PaySlip.payroll_run_id).where(PaySlip.employee_id == filters.employee)))
    page = _paginate(query)
    return render("documents/journals.html", "documents/_journals.html",
                  **_context(administration, page=page, filters=filters,
                             **_versions(document_changes.JOURNAL, page.items)))


@bp.get("/administrations/<int:administration_id>/journals.csv")
def journals_csv(administration_id):
    """One row per journal line: run, date (ISO), account, description, cost center, debit,
    credit (decimal point, two decimals). Text cells that a spreadsheet would run as a formula
    start with a quote."""
    administration = load_administration(administration_id)
    entries = db.session.scalars(_journal_query(administration.id)).all()

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for entry in reversed(entries):  # oldest first, as a ledger reads
            for line in entry.lines:
                writer.writerow([
                    _safe_cell(run_label(entry.payroll_run)), entry.booking_date.isoformat(),
                    _safe_cell(line.account), _safe_cell(line.description),
                    _safe_cell(line.cost_center), _amount(line.debit), _amount(line.credit)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if not entries:
            yield buffer.getvalue()

    return _download(Response(stream_with_context(rows()), mimetype="text/csv"),
                     f"journal-entries-{_slug(administration.name)}.csv")


def _safe_cell(value) -> str:
    text = str(value or "")
    return "'" + text if text.startswith(_FORMULA_START) else text


def _amount(value) -> str:
    return f"{Decimal(value or 0).quantize(Decimal('0.01'))}"


# -- payroll tax assessments ------------------------------------------------------------------


@bp.get("/administrations/<int:administration_id>/tax-assessments")
def tax_assessments(administration_id):
    administration = load_administration(administration_id)
    page = _paginate(select(TaxAssessment)
                     .where(TaxAssessment.administration_id == administration.id)
                     .options(defer(TaxAssessment.xml))
                     .order_by(TaxAssessment.year.desc(), TaxAssessment.period.desc()))
    with_xml = set(db.session.scalars(
        select(TaxAssessment.id).where(TaxAssessment.administration_id == administration.id,
                                       TaxAssessment.xml.is_not(None))))
    return render("documents/tax_assessments.html", "documents/_tax_assessments.html",
                  **_context(administration, page=page, with_xml=with_xml,
                             **_versions(document_changes.TAX_ASSESSMENT, page.items)))


@bp.get("/tax-assessments/<int:assessment_id>.xml")
def tax_assessment_xml(assessment_id):
    """The payroll tax assessment (loonaangifte) as Nmbrs sent it: an XML download."""
    assessment, administration = _readable(TaxAssessment, assessment_id)
    if not assessment.xml:
        abort(404)
    return _download(Response(assessment.xml, mimetype="application/xml"),
                     f"loonaangifte-{assessment.year}-{assessment.period:02d}-"
                     f"{_slug(administration.name)}.xml")


# -- WKR payroll balance ----------------------------------------------------------------------


@bp.get("/administrations/<int:administration_id>/wkr")
def work_costs(administration_id):
    """The WKR payroll balance (loonsom and the other WKR figures) per period of a year, for
    everyone who may read the administration. Retrieving it from Nmbrs is on the Import page."""
    administration = load_administration(administration_id)
    years = list(db.session.scalars(
        select(WorkCostPeriod.year).where(WorkCostPeriod.administration_id == administration.id)
        .distinct().order_by(WorkCostPeriod.year.desc())))
    year_arg = request.args.get("year", "")
    year = int(year_arg) if year_arg.isdigit() and int(year_arg) in years else (
        years[0] if years else None)
    rows = list(db.session.scalars(
        select(WorkCostPeriod).where(WorkCostPeriod.administration_id == administration.id,
                                     WorkCostPeriod.year == year)
        .order_by(WorkCostPeriod.period))) if year is not None else []
    totals = {name: sum((getattr(row, name) for row in rows), Decimal("0.00"))
              for name in ("fiscal_wage", "work_cost_payroll", "work_cost_financial",
                           "available_space", "to_pay")}
    return render("documents/work_costs.html", "documents/_work_costs.html",
                  **_context(administration, years=years, year=year, rows=rows, totals=totals))


# -- changed in Nmbrs after import ------------------------------------------------------------

_PAGE_OF_KIND = {document_changes.JOURNAL: ".journals", document_changes.PAYSLIP: ".payslips",
                 document_changes.TAX_ASSESSMENT: ".tax_assessments"}


def _versions(kind: str, documents) -> dict:
    """Pending new versions from Nmbrs and counts of kept earlier versions, by document id."""
    ids = [document.id for document in documents]
    return {"pending": document_changes.pending_by_document(kind, ids),
            "earlier": document_changes.earlier_counts(kind, ids)}


@bp.post("/administrations/<int:administration_id>/document-versions/<int:version_id>/accept")
def accept_version(administration_id, version_id):
    """Accept the version Nmbrs sends now; the replaced one is kept as an earlier version.

    For those who manage the domain (portal staff, the domain's Back office)."""
    administration = load_administration(administration_id, manage=True)
    version = db.session.get(DocumentVersion, version_id)
    if version is None or version.administration_id != administration.id:
        abort(404)
    target = url_for(_PAGE_OF_KIND[version.kind], administration_id=administration.id)
    try:
        document_changes.accept(version, current_user)
    except document_changes.NothingToAccept as error:  # accepted already: nothing to do
        db.session.rollback()
        return saved(str(error), target)
    db.session.commit()
    return saved(gettext("The new version from Nmbrs is now the document; the earlier one is "
                         "kept."), target)


# -- import history ---------------------------------------------------------------------------


@bp.get("/administrations/<int:administration_id>/imports")
def history(administration_id):
    administration = load_administration(administration_id)
    page = _paginate(select(ImportRun)
                     .where(ImportRun.administration_id == administration.id)
                     .options(selectinload(ImportRun.requested_by))
                     .order_by(ImportRun.created_at.desc(), ImportRun.id.desc()))
    return render("documents/history.html", "documents/_history.html",
                  **_context(administration, page=page, kind_labels=import_overview.KIND_LABELS,
                             summary_lines=import_overview.summary_lines))
