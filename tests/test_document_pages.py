"""Issue 15's document pages: the WKR payroll balance for every reader, the payroll tax
assessment XML as a download, pay slips and journal entries filtered by year and employee."""

from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    DomainRole,
    Employee,
    JournalEntry,
    PayrollRun,
    PaySlip,
    TaxAssessment,
    WorkCostPeriod,
)
from tests.conftest import LOGIN, add_user, unexpected_answer

XML = '<?xml version="1.0"?><Loonaangifte><TijdvakAangifte>2026-05</TijdvakAangifte></Loonaangifte>'
ROLES = ["anonymous", "no-role", "domain-back-office", "management", "hrm",
         "portal-back-office", "portal-admin", "other-portal"]


@pytest.fixture
def readers(world):
    world.users["management"] = add_user(world.portal, "directie@example.nl", domain=world.domain,
                                         domain_role=DomainRole.MANAGEMENT)
    world.users["hrm"] = add_user(world.portal, "hr@example.nl", domain=world.domain,
                                  domain_role=DomainRole.HRM)
    db.session.commit()
    return world


@pytest.fixture
def papers(readers):
    """Runs of 2025 and 2026, two employees, WKR figures of 2026 and an assessment with XML."""
    a = readers.administration.id
    jan = Employee(administration_id=a, number=1, name="Jan de Vries")
    fatima = Employee(administration_id=a, number=2, name="Fatima El Amrani")
    runs = [PayrollRun(administration_id=a, nmbrs_run_id=n, year=year, number=n, period_start=p,
                       period_end=p, description="run")
            for n, year, p in ((1, 2025, 12), (2, 2026, 5))]
    db.session.add_all([jan, fatima, *runs])
    db.session.flush()
    for run in runs:
        db.session.add(JournalEntry(administration_id=a, payroll_run_id=run.id,
                                    booking_date=date(run.year, run.period_end, 28)))
        for employee in (jan, fatima) if run.year == 2026 else (jan,):
            db.session.add(PaySlip(administration_id=a, payroll_run_id=run.id,
                                   employee_id=employee.id, booking_date=date(run.year, 5, 31),
                                   storage_key=f"k-{run.id}-{employee.id}", size=2048,
                                   sha256="0"))
    for period, wage in ((1, "12000.00"), (2, "12345.67")):
        db.session.add(WorkCostPeriod(
            administration_id=a, year=2026, period=period, fiscal_wage=Decimal(wage),
            work_cost_payroll=Decimal("100.00"), work_cost_financial=Decimal("50.00"),
            available_space=Decimal("230.00"), to_pay=Decimal("0.00")))
    with_xml = TaxAssessment(administration_id=a, nmbrs_declaration_id=1, year=2026, period=5,
                             period_start=date(2026, 5, 1), period_end=date(2026, 5, 31),
                             booking_date=date(2026, 5, 31), total=Decimal("1848.01"), xml=XML)
    without = TaxAssessment(administration_id=a, nmbrs_declaration_id=2, year=2026, period=4,
                            period_start=date(2026, 4, 1), period_end=date(2026, 4, 30),
                            booking_date=date(2026, 4, 30), total=Decimal("1.00"))
    db.session.add_all([with_xml, without])
    db.session.commit()
    return {"xml": with_xml.id, "no_xml": without.id, "jan": jan.id, "fatima": fatima.id}


def routes(world, papers):
    a = world.administration.id
    readable = [LOGIN, 404, 200, 200, 200, 200, 200, 404]
    return {
        f"/administrations/{a}/wkr": readable,
        f"/tax-assessments/{papers['xml']}.xml": readable,
        f"/administrations/{a}/payslips?year=2026&employee={papers['jan']}": readable,
        f"/administrations/{a}/journals?year=2025": readable,
    }


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_document_pages_role_table(readers, papers, client_as, role_index, role):
    client = client_as(readers.users.get(role))
    failures = []
    for path, expected in routes(readers, papers).items():
        failures += unexpected_answer("GET", path, expected[role_index], client.get(path))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["management", "hrm", "domain-back-office"])
def test_the_wkr_page_is_in_the_documents_menu_of_every_reader(readers, papers, client_as, role):
    a = readers.administration.id
    page = client_as(readers.users[role]).get(f"/administrations/{a}/payslips").get_data(
        as_text=True)
    assert f'href="/administrations/{a}/wkr"' in page


def test_the_wkr_page_shows_the_wage_sum_per_period_and_in_total(readers, papers, client_as):
    page = client_as(readers.users["management"]).get(
        f"/administrations/{readers.administration.id}/wkr").get_data(as_text=True)
    assert "WKR payroll balance 2026" in page
    assert "January 2026" in page and "€12,345.67" in page
    assert 'id="wkr-wage-sum">€24,345.67<' in page


def test_the_wkr_page_in_dutch(readers, papers, client_as):
    page = client_as(readers.users["hrm"]).get(
        f"/administrations/{readers.administration.id}/wkr",
        headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "januari 2026" in page and 'id="wkr-wage-sum">€\u00a024.345,67<' in page


def test_without_figures_the_wkr_page_says_so(readers, client_as):
    page = client_as(readers.users["hrm"]).get(
        f"/administrations/{readers.administration.id}/wkr").get_data(as_text=True)
    assert "No WKR payroll balance retrieved yet." in page
    assert "/import#retrieve-work-costs" not in page  # HRM cannot retrieve it


def test_the_tax_assessment_xml_downloads(readers, papers, client_as):
    client = client_as(readers.users["hrm"])
    response = client.get(f"/tax-assessments/{papers['xml']}.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="loonaangifte-2026-05-bakkerij-de-vries-b-v.xml"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data(as_text=True) == XML
    assert client.get(f"/tax-assessments/{papers['no_xml']}.xml").status_code == 404
    assert client.get("/tax-assessments/999999.xml").status_code == 404
    page = client.get(f"/administrations/{readers.administration.id}/tax-assessments").get_data(
        as_text=True)
    assert f'href="/tax-assessments/{papers["xml"]}.xml"' in page
    assert f'href="/tax-assessments/{papers["no_xml"]}.xml"' not in page


def _payslip_rows(page: str) -> list[str]:
    import re

    return re.findall(r"<tr><td>(\d+ [^<]+)</td>", page)


def test_pay_slips_filter_by_year_and_employee(readers, papers, client_as):
    client = client_as(readers.users["hrm"])
    base = f"/administrations/{readers.administration.id}/payslips"
    assert len(_payslip_rows(client.get(base).get_data(as_text=True))) == 3
    assert len(_payslip_rows(client.get(f"{base}?year=2025").get_data(as_text=True))) == 1
    only_fatima = client.get(f"{base}?employee={papers['fatima']}").get_data(as_text=True)
    assert _payslip_rows(only_fatima) == ["2 Fatima El Amrani"]
    both = client.get(f"{base}?year=2025&employee={papers['fatima']}").get_data(as_text=True)
    assert _payslip_rows(both) == [] and "No pay slips match the filter." in both
    # Nonsense is ignored, not a 500.
    assert len(_payslip_rows(client.get(f"{base}?year=abc&employee=-1").get_data(
        as_text=True))) == 3


def test_journal_entries_filter_by_year_and_employee(readers, papers, client_as):
    client = client_as(readers.users["management"])
    base = f"/administrations/{readers.administration.id}/journals"
    assert client.get(base).get_data(as_text=True).count('class="journal-entry"') == 2
    page = client.get(f"{base}?year=2025").get_data(as_text=True)
    assert page.count('class="journal-entry"') == 1 and "December 2025" in page
    fatima = client.get(f"{base}?employee={papers['fatima']}").get_data(as_text=True)
    assert fatima.count('class="journal-entry"') == 1 and "May 2026" in fatima
