"""The imported documents pages: pay slip PDFs, journal entries and their CSV, the history."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    AnnualStatement,
    DomainRole,
    Employee,
    ImportRun,
    ImportStatus,
    JournalEntry,
    JournalLine,
    PayrollRun,
    PaySlip,
    TaxAssessment,
)
from portal.services import document_store
from tests.conftest import add_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def documents(app, world, tmp_path):
    """A run of May 2026 with a balanced journal entry, a pay slip and an annual statement."""
    app.config["DOCUMENT_STORE_PATH"] = str(tmp_path / "store")
    administration = world.administration
    employee = Employee(administration_id=administration.id, number=1, name="Jan de Vrïes")
    run = PayrollRun(administration_id=administration.id, nmbrs_run_id=501, year=2026,
                     number=5, period_start=5, period_end=5, description="Mei 2026")
    db.session.add_all([employee, run])
    db.session.flush()
    stored = document_store.save_pdf(PDF)
    slip = PaySlip(administration_id=administration.id, payroll_run_id=run.id,
                   employee_id=employee.id, booking_date=date(2026, 5, 31),
                   storage_key=stored.key, size=stored.size, sha256=stored.sha256)
    statement = AnnualStatement(administration_id=administration.id, employee_id=employee.id,
                                year=2025, storage_key=stored.key, size=stored.size,
                                sha256=stored.sha256)
    entry = JournalEntry(
        administration_id=administration.id, payroll_run_id=run.id,
        booking_date=date(2026, 5, 31),
        lines=[
            JournalLine(position=1, account="4000", description="Gross wages",
                        cost_center="BAK", debit=Decimal("3850.00"), credit=Decimal("0.00")),
            JournalLine(position=2, account="4100", description="=HYPERLINK(\"x\")",
                        cost_center="", debit=Decimal("693.01"), credit=Decimal("0.00")),
            JournalLine(position=3, account="1600", description="Wage tax payable",
                        cost_center="", debit=Decimal("0.00"), credit=Decimal("1155.00")),
            JournalLine(position=4, account="1610", description="Net wages payable",
                        cost_center="", debit=Decimal("0.00"), credit=Decimal("3388.01")),
        ])
    assessment = TaxAssessment(
        administration_id=administration.id, nmbrs_declaration_id=9001, year=2026, period=5,
        period_start=date(2026, 5, 1), period_end=date(2026, 5, 31),
        booking_date=date(2026, 5, 31), total=Decimal("1848.01"),
        payment_reference="1234.5678.9012.3456", status="Sent")
    db.session.add_all([slip, statement, entry, assessment])
    db.session.commit()
    return {"slip": slip.id, "statement": statement.id, "entry": entry.id}


def test_payslip_download_headers_and_bytes(world, client_as, documents):
    response = client_as(world.users["domain-back-office"]).get(
        f"/payslips/{documents['slip']}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=payslip-2026-05-0001-jan-de-vries.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.get_data() == PDF
    response.close()


def test_annual_statement_download(world, client_as, documents):
    response = client_as(world.users["portal-admin"]).get(
        f"/annual-statements/{documents['statement']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "annual-statement-2025-0001-jan-de-vries.pdf" in response.headers["Content-Disposition"]
    assert response.get_data() == PDF
    response.close()


def test_missing_pdf_file_is_404_not_500(app, world, client_as, documents, tmp_path):
    slip = db.session.get(PaySlip, documents["slip"])
    document_store.path_of(slip.storage_key).unlink()
    response = client_as(world.users["portal-admin"]).get(f"/payslips/{slip.id}.pdf")
    assert response.status_code == 404


def test_payslip_list_per_run(world, client_as, documents):
    page = client_as(world.users["domain-back-office"]).get(
        f"/administrations/{world.administration.id}/payslips").get_data(as_text=True)
    assert "May 2026 (run 5)" in page
    assert "Jan de Vrïes" in page
    assert f"/payslips/{documents['slip']}.pdf" in page


def test_csv_export_rows_and_totals(world, client_as, documents):
    response = client_as(world.users["domain-back-office"]).get(
        f"/administrations/{world.administration.id}/journals.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["run", "date", "account", "description", "cost center", "debit",
                       "credit"]
    lines = rows[1:]
    assert len(lines) == 4
    assert lines[0] == ["May 2026 (run 5)", "2026-05-31", "4000", "Gross wages", "BAK",
                        "3850.00", "0.00"]
    debit = sum(Decimal(row[5]) for row in lines)
    credit = sum(Decimal(row[6]) for row in lines)
    assert debit == credit == Decimal("4543.01")
    # A cell a spreadsheet would run as a formula starts with a quote.
    assert lines[1][3] == "'=HYPERLINK(\"x\")"


def test_csv_of_an_administration_without_journals_has_only_the_header(world, client_as):
    response = client_as(world.users["portal-admin"]).get(
        f"/administrations/{world.administration.id}/journals.csv")
    assert response.get_data(as_text=True).strip() == (
        "run,date,account,description,cost center,debit,credit")


def test_journal_page_shows_lines_and_balanced_totals(world, client_as, documents):
    page = client_as(world.users["portal-back-office"]).get(
        f"/administrations/{world.administration.id}/journals").get_data(as_text=True)
    assert "31-05-2026" in page
    assert "Gross wages" in page and "BAK" in page
    assert page.count('<td class="amount">€4,543.01</td>') == 2  # debit total = credit total
    assert "differ" not in page


def test_tax_assessments_page(world, client_as, documents):
    page = client_as(world.users["portal-back-office"]).get(
        f"/administrations/{world.administration.id}/tax-assessments").get_data(as_text=True)
    assert "May 2026" in page and "1,848.01" in page and "1234.5678.9012.3456" in page


def test_import_history_says_who_what_and_what_failed(world, client_as):
    administration = world.administration
    db.session.add_all([
        ImportRun(administration_id=administration.id, kind="automatic",
                  status=ImportStatus.SUCCEEDED, summary={"payslips": 3, "journal": 1}),
        ImportRun(administration_id=administration.id, kind="manual",
                  requested_by_id=world.users["portal-admin"].id, status=ImportStatus.FAILED,
                  request={"year": 2026}, error="Nmbrs is not reachable."),
    ])
    db.session.commit()
    page = client_as(world.users["domain-back-office"]).get(
        f"/administrations/{administration.id}/imports").get_data(as_text=True)
    assert "automatic" in page and "Pay slips: 3, Journal entries: 1" in page
    assert "admin@example.nl" in page and "Manual import 2026" in page
    assert "Nmbrs is not reachable." in page


def test_lists_are_paged_by_50(world, client_as):
    administration = world.administration
    db.session.add_all([ImportRun(administration_id=administration.id, kind="automatic",
                                  status=ImportStatus.SUCCEEDED, summary={}) for _ in range(51)])
    db.session.commit()
    client = client_as(world.users["portal-admin"])
    first = client.get(f"/administrations/{administration.id}/imports").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Next page" in first
    second = client.get(f"/administrations/{administration.id}/imports?page=2").get_data(
        as_text=True)
    assert second.count("<time") == 1


def test_domain_member_of_any_role_sees_documents_but_cannot_import(app, world, client_as,
                                                                   documents):
    hrm = add_user(world.portal, "hrm@example.nl", domain=world.domain,
                   domain_role=DomainRole.HRM)
    db.session.commit()
    client = client_as(hrm)
    a = world.administration.id
    assert client.get(f"/administrations/{a}/journals").status_code == 200
    download = client.get(f"/payslips/{documents['slip']}.pdf")
    assert download.status_code == 200
    download.close()
    assert client.get(f"/administrations/{a}/import").status_code == 403
    assert client.post(f"/administrations/{a}/import/employees").status_code == 403


def test_other_portal_cannot_download(world, client_as, documents):
    response = client_as(world.users["other-portal"]).get(f"/payslips/{documents['slip']}.pdf")
    assert response.status_code == 404


def test_in_dutch_the_history_pages_and_the_downloads_read_as_dutch(world, client_as, documents):
    administration = world.administration
    db.session.add_all([ImportRun(administration_id=administration.id, kind="automatic",
                                  status=ImportStatus.SUCCEEDED, summary={}) for _ in range(51)])
    db.session.commit()
    client = client_as(world.users["portal-admin"])
    dutch = {"Accept-Language": "nl"}

    history = client.get(f"/administrations/{administration.id}/imports",
                         headers=dutch).get_data(as_text=True)
    payslips = client.get(f"/administrations/{administration.id}/payslips",
                          headers=dutch).get_data(as_text=True)
    statements = client.get(f"/administrations/{administration.id}/annual-statements",
                            headers=dutch).get_data(as_text=True)

    assert "Pagina 1 van 2 (51 in totaal)" in history
    assert "loonstrook van Jan de Vrïes, mei 2026 (run 5)" in payslips  # read aloud with Download
    assert "jaaropgave 2025 van Jan de Vrïes" in statements
