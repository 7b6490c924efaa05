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

from flask import Blueprint, Response, abort, request, send_file, stream_with_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.authz import can_manage_domain, load_administration
from portal.extensions import db
from portal.models import (
    AnnualStatement,
    Employee,
    ImportRun,
    JournalEntry,
    PayrollRun,
    PaySlip,
    TaxAssessment,
)
from portal.services import document_store, import_overview
from portal.services.periods import period_label
from portal.htmx import render
from portal.validators import page_number

bp = Blueprint("documents", __name__)

PER_PAGE = 50
CSV_HEADER = ("run", "date", "account", "description", "cost center", "debit", "credit")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


bp.add_app_template_global(period_label, "period_label")


@bp.app_template_global("run_label")
def run_label(run: PayrollRun) -> str:
    return f"{period_label(run.year, run.period_end)} (run {run.number})"


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


@bp.get("/administrations/<int:administration_id>/payslips")
def payslips(administration_id):
    administration = load_administration(administration_id)
    page = _paginate(
        select(PaySlip).join(PaySlip.payroll_run).join(PaySlip.employee)
        .where(PaySlip.administration_id == administration.id)
        .options(selectinload(PaySlip.payroll_run), selectinload(PaySlip.employee))
        .order_by(PayrollRun.year.desc(), PayrollRun.number.desc(), Employee.number))
    # Newest run first (Jinja's groupby would sort the runs by id instead).
    groups = [(run, list(slips)) for run, slips
              in itertools.groupby(page.items, key=lambda slip: slip.payroll_run)]
    return render("documents/payslips.html", "documents/_payslips.html",
                  **_context(administration, page=page, groups=groups))


@bp.get("/payslips/<int:payslip_id>.pdf")
def payslip_pdf(payslip_id):
    slip = db.session.get(PaySlip, payslip_id)
    if slip is None:
        abort(404)
    load_administration(slip.administration_id)
    run = slip.payroll_run
    name = (f"payslip-{run.year}-{run.period_end:02d}-{slip.employee.number:04d}-"
            f"{_slug(slip.employee.name)}.pdf")
    return _send_pdf(slip.storage_key, name)


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
    statement = db.session.get(AnnualStatement, statement_id)
    if statement is None:
        abort(404)
    load_administration(statement.administration_id)
    name = (f"annual-statement-{statement.year}-{statement.employee.number:04d}-"
            f"{_slug(statement.employee.name)}.pdf")
    return _send_pdf(statement.storage_key, name)


def _slug(text: str) -> str:
    """ASCII only, lower case, words joined by hyphens: "Fatima El Amrani" → "fatima-el-amrani"."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "employee"


def _send_pdf(storage_key: str, download_name: str):
    try:
        path = document_store.path_of(storage_key)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=download_name, conditional=False, etag=False)
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
    administration = load_administration(administration_id)
    page = _paginate(_journal_query(administration.id))
    return render("documents/journals.html", "documents/_journals.html",
                  **_context(administration, page=page))


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

    name = f"journal-entries-{_slug(administration.name)}.csv"
    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store, private"
    return response


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
                     .order_by(TaxAssessment.year.desc(), TaxAssessment.period.desc()))
    return render("documents/tax_assessments.html", "documents/_tax_assessments.html",
                  **_context(administration, page=page))


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
