"""Payroll tax assessments are found again over REST by their human key: company, year, period
AND serial number (a period can hold a correction with serial 2) — in the migration and in REST
imports. Nothing is imported twice."""

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import CompanyLink, NmbrsConsent, NmbrsIdMap, TaxAssessment
from portal.nmbrs.errors import NmbrsError
from portal.nmbrs.types import Company, WageTaxDeclaration
from portal.services.nmbrs_id_map import IdMap, MappedRestClient
from portal.services.nmbrs_migration import migrate_domain
from portal.stored_text import render

COMPANY_GUID = "0a1b2c3d-0000-4000-8000-000000000001"
SOAP_COMPANY = 54701


def declaration(guid_or_id, period: int, serial: int, total: str = "100") -> WageTaxDeclaration:
    return WageTaxDeclaration(
        id=guid_or_id, serial_number=serial, payment_reference=f"ref-{period}-{serial}",
        total=Decimal(total), period=period, year=2026, status="Verzonden", sent_at=None,
        period_start=date(2026, period, 1), period_end=date(2026, period, 28))


# Period 3 has the declaration (serial 1) and its correction (serial 2), period 4 one.
REST_DECLARATIONS = [declaration("guid-3-1", 3, 1), declaration("guid-3-2", 3, 2),
                     declaration("guid-4-1", 4, 1)]


class FakeRest:
    """The REST side of one debtor (GUIDs)."""

    def companies(self, debtor_id=None):
        return [Company(id=COMPANY_GUID, number=1, name="Bakkerij De Vries B.V.")]

    def runs(self, company_id, year):
        return []

    def wage_tax_declarations(self, company_id, year):
        assert company_id == COMPANY_GUID
        return list(REST_DECLARATIONS)


class SoapWithoutConverters:
    """SOAP still answers its lists; the converters are not needed for declarations."""

    class transport:  # noqa: N801 - the converters call transport.call
        @staticmethod
        def call(*args):
            raise NmbrsError("no converter in this test")

    def wage_tax_declarations(self, company_id, year):
        assert company_id == SOAP_COMPANY
        return [declaration(703, 3, 1), declaration(704, 3, 2), declaration(705, 4, 1)]


@pytest.fixture
def linked(world):
    administration = world.administration
    db.session.add(CompanyLink(portal_id=world.portal.id, administration_id=administration.id,
                               company_id=SOAP_COMPANY, company_name=administration.name,
                               company_number="1"))
    db.session.commit()
    return administration


def assessment(administration, nmbrs_id: int, period: int, serial: int | None) -> TaxAssessment:
    row = TaxAssessment(administration_id=administration.id, nmbrs_declaration_id=nmbrs_id,
                        year=2026, period=period, serial_number=serial,
                        period_start=date(2026, period, 1), period_end=date(2026, period, 28),
                        booking_date=date(2026, period, 28), total=Decimal("100.00"))
    db.session.add(row)
    db.session.commit()
    return row


def mapped(portal_id: int) -> dict[int, str]:
    return {row.int_id: row.guid for row in db.session.scalars(
        select(NmbrsIdMap).filter_by(portal_id=portal_id, entity="WageTax"))}


def test_the_migration_maps_declarations_by_period_and_serial_number(world, linked):
    assessment(linked, 704, 3, 2)  # the correction, serial kept at import
    assessment(linked, 703, 3, None)  # imported before serials were kept: SOAP says serial 1
    consent = NmbrsConsent(portal_id=world.portal.id, domain=world.domain,
                           debtor_guid="d0000000-0000-4000-8000-000000000001",
                           refresh_token="r", scopes="")
    db.session.add(consent)
    db.session.commit()

    report = migrate_domain(consent, lambda _a: SoapWithoutConverters(), FakeRest(),
                            dry_run=False)

    assert mapped(world.portal.id) == {703: "guid-3-1", 704: "guid-3-2"}
    assert report.mapped["WageTax"] == 2
    assert not any(item.kind == "declaration" for item in report.unmapped)


def test_an_ambiguous_period_without_serial_number_is_reported_not_guessed(world, linked):
    assessment(linked, 703, 3, None)  # no serial, and SOAP no longer answers
    consent = NmbrsConsent(portal_id=world.portal.id, domain=world.domain,
                           debtor_guid="d0000000-0000-4000-8000-000000000001",
                           refresh_token="r", scopes="")
    db.session.add(consent)
    db.session.commit()

    report = migrate_domain(consent, lambda _a: None, FakeRest(), dry_run=True)

    assert "declaration 2026/3 of Bakkerij De Vries B.V." in map(str, report.unmapped)
    assert mapped(world.portal.id) == {}
    [missing] = [item for item in report.unmapped if item.kind == "declaration"]
    with force_locale("nl"):
        assert render(missing.detail) == "2026/3 van Bakkerij De Vries B.V."  # on the page


def test_a_rest_import_adopts_soap_imported_declarations_by_their_human_key(world, linked):
    """Imported over SOAP after the migration (or missed by it): the REST list finds them by
    (company, year, period, serial) and keeps their ids; only the new one gets a new id."""
    assessment(linked, 704, 3, 2)
    assessment(linked, 705, 4, 1)
    ids = IdMap(db.engine, world.portal.id)
    with Session(db.engine) as session:
        ids.add(session, "Company", SOAP_COMPANY, COMPANY_GUID, "converter")
        session.commit()

    client = MappedRestClient(FakeRest(), ids)
    answered = client.wage_tax_declarations(SOAP_COMPANY, 2026)
    again = MappedRestClient(FakeRest(), IdMap(db.engine, world.portal.id)) \
        .wage_tax_declarations(SOAP_COMPANY, 2026)

    by_key = {(d.period, d.serial_number): d.id for d in answered}
    assert by_key[(3, 2)] == 704 and by_key[(4, 1)] == 705  # the stored documents' ids
    assert by_key[(3, 1)] < 0  # never imported: an id of its own
    assert again == answered  # the same ids the next time
    assert mapped(world.portal.id)[704] == "guid-3-2"
