"""The dashboard: the link, the last and next automatic round, open tasks by cause,
administrations without an Nmbrs company and this month's documents; per role; and a constant
number of queries whatever the size of the portal."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.models import (
    Administration,
    CompanyLink,
    Domain,
    DomainMembership,
    DomainRole,
    Employee,
    ImportRun,
    ImportStatus,
    JournalEntry,
    NmbrsSettings,
    PayrollRun,
    PaySlip,
)
from portal.models._common import utcnow
from portal.services.tasks import raise_task


def _connect(world, rejected=False):
    db.session.add(NmbrsSettings(
        portal_id=world.portal.id, scope="portal", username="salaris@vandijk.nl", token="secret",
        connected_by_id=world.users["portal-admin"].id, connected_at=datetime(2026, 11, 2, 8, 30),
        credentials_rejected_at=utcnow() if rejected else None))
    db.session.commit()


def _round(administration, status, summary=None, error=None, when=None):
    run = ImportRun(administration_id=administration.id, kind="automatic", status=status,
                    summary=summary or {}, error=error, created_at=when or utcnow())
    db.session.add(run)
    return run


def _documents(administration, count):
    run = PayrollRun(administration_id=administration.id, nmbrs_run_id=administration.id,
                     year=2026, number=11, period_start=11, period_end=11, description="Nov")
    db.session.add(run)
    db.session.flush()
    db.session.add(JournalEntry(administration_id=administration.id, payroll_run_id=run.id,
                                booking_date=date(2026, 11, 30)))
    for number in range(count):
        employee = Employee(administration_id=administration.id, number=number + 1,
                            name=f"Medewerker {number}")
        db.session.add(employee)
        db.session.flush()
        db.session.add(PaySlip(administration_id=administration.id, payroll_run_id=run.id,
                               employee_id=employee.id, booking_date=date(2026, 11, 30),
                               storage_key=f"k{administration.id}-{number}", size=1, sha256="0"))


def _consent(world, domain, expires_in=None, failed_ago=None):
    from portal.models import NmbrsConsent

    now = utcnow()
    consent = NmbrsConsent(
        portal_id=world.portal.id, domain_id=domain.id, debtor_guid=f"guid-{domain.id}",
        debtor_name=f"Debiteur {domain.name}", refresh_token="refresh", access_token="access",
        refresh_token_expires_at=now + expires_in if expires_in is not None else None,
        refresh_failed_at=now - failed_ago if failed_ago is not None else None)
    db.session.add(consent)
    return consent


def _grow(world, count):
    """`count` administrations more in a second domain, each with every kind of line."""
    domain = Domain(portal=world.portal, name=f"groot-{count}", nmbrs_enabled=True)
    db.session.add(domain)
    db.session.flush()
    _consent(world, domain, expires_in=timedelta(days=2))  # one to renew per grown domain
    for number in range(count):
        administration = Administration(domain=domain, name=f"Administratie {number:04d}",
                                        relation_code=str(number))
        db.session.add(administration)
        db.session.flush()
        outcome = number % 3
        if outcome == 0:
            _round(administration, ImportStatus.SUCCEEDED, {"payslips": 2, "journal": 1})
            _documents(administration, 2)
        elif outcome == 1:
            _round(administration, ImportStatus.SUCCEEDED, {})
            # One Nmbrs company per administration of a portal: ids unique over every _grow.
            db.session.add(CompanyLink(administration_id=administration.id,
                                       company_id=count * 100_000 + number,
                                       company_name="x", company_number=str(number)))
        else:
            _round(administration, ImportStatus.FAILED, error="Nmbrs did not answer.")
            raise_task(administration, cause="company.not-found", title="t", message="m")
    db.session.commit()


@pytest.fixture
def busy(world):
    _connect(world)
    bakery = world.administration
    _round(bakery, ImportStatus.FAILED, error="No Nmbrs company matches.")
    raise_task(bakery, cause="company.not-found", title="Importing payroll documents failed.",
               message="m")
    raise_task(bakery, cause="payslip.unknown-employee:7", title="t", message="m")
    other = Administration(domain=world.domain, name="Banketbakkerij Smit B.V.",
                           relation_code="2", payroll_contract=True)
    db.session.add(other)
    db.session.flush()
    db.session.add(CompanyLink(administration_id=other.id, company_id=5, company_name="Smit",
                               company_number="2"))
    _round(other, ImportStatus.SUCCEEDED, {"payslips": 3, "journal": 1})
    _documents(other, 3)
    # Another domain the domain's members do not see.
    hidden_domain = Domain(portal=world.portal, name="slagerij-jansen")
    hidden = Administration(domain=hidden_domain, name="Slagerij Jansen", relation_code="9",
                            payroll_contract=True)
    db.session.add_all([hidden_domain, hidden])
    db.session.flush()
    _round(hidden, ImportStatus.FAILED, error="Nmbrs did not answer.")
    db.session.commit()
    return world


def _page(client_as, user):
    response = client_as(user).get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_portal_staff_see_the_link_the_rounds_tasks_unlinked_and_documents(busy, client_as):
    page = _page(client_as, busy.users["portal-back-office"])
    # The link: protocol, who, since when.
    assert "SOAP" in page and "salaris@vandijk.nl" in page
    assert "by admin@example.nl on 02-11-2026 09:30" in page  # 08:30 UTC is 09:30 in Amsterdam
    # The last round, per administration, with counts; each line to its import history.
    assert "Imported: 1 · nothing new: 0 · failed: 2 · waiting: 0." in page
    assert (f'href="/administrations/{busy.administration.id}/imports#import-') in page
    assert "No Nmbrs company matches." in page and "Slagerij Jansen" in page
    assert "1 payroll journal entry, 3 pay slips" in page
    assert "Next round:" in page
    # Open tasks by cause, each to the task list of that cause.
    assert 'href="/tasks?status=open&amp;assigned=all&amp;cause=company.not-found"' in page
    assert "No Nmbrs company found</a>: 1" in page
    assert "Pay slip of an unknown employee</a>: 1" in page
    # Unlinked administrations, one click to the chooser.
    assert (f'href="/administrations/{busy.administration.id}/nmbrs-company">Choose the Nmbrs '
            "company for Bakkerij De Vries B.V.") in page
    assert "Banketbakkerij Smit B.V." not in page.split('id="dashboard-unlinked"')[1].split(
        "</section>")[0]
    # This month's documents.
    assert "Banketbakkerij Smit B.V.</a>: 1 payroll journal entry, 3 pay slips" in page


def test_a_paused_link_says_so(world, client_as):
    _connect(world, rejected=True)
    page = _page(client_as, world.users["portal-admin"])
    assert "Paused since" in page and "Nmbrs refused the credentials" in page


def test_without_a_link_the_dashboard_says_where_to_connect(world, client_as):
    page = _page(client_as, world.users["portal-admin"])
    assert 'id="dashboard-connect-link" href="/settings/nmbrs"' in page
    assert "No automatic import has run yet." in page


def test_a_portal_on_rest_alone_is_connected_by_its_domains_consents(world, client_as):
    from portal.models import NmbrsConsent
    from portal.models._common import utcnow

    db.session.add(NmbrsConsent(portal_id=world.portal.id, domain=world.domain, debtor_guid="g",
                                refresh_token="r", active_since=utcnow()))
    db.session.commit()
    page = _page(client_as, world.users["portal-admin"])
    assert "Connected over the Nmbrs REST API: 1 domain imports" in page
    assert "Not connected" not in page and 'id="dashboard-connect-link"' not in page


def test_domain_members_see_only_their_domain_and_no_portal_matters(busy, client_as):
    member = busy.users["domain-back-office"]
    page = _page(client_as, member)
    assert "Bakkerij De Vries B.V." in page and "Banketbakkerij Smit B.V." in page
    assert "Slagerij Jansen" not in page
    assert "Imported: 1 · nothing new: 0 · failed: 1 · waiting: 0." in page
    assert "salaris@vandijk.nl" not in page and 'id="dashboard-tasks"' not in page
    # Only portal staff choose the Nmbrs company (issue 12): members get the administration.
    assert "/nmbrs-company" not in page
    assert f'href="/administrations/{busy.administration.id}"' in page


def test_management_sees_the_administration_but_not_the_chooser(busy, client_as):
    from tests.conftest import add_user

    manager = add_user(busy.portal, "directie@example.nl", domain=busy.domain,
                       domain_role=DomainRole.MANAGEMENT)
    db.session.commit()
    page = _page(client_as, manager)
    assert "Bakkerij De Vries B.V." in page
    assert "/nmbrs-company" not in page
    assert f'href="/administrations/{busy.administration.id}"' in page


def test_a_user_without_a_role_sees_an_empty_dashboard(busy, client_as):
    page = _page(client_as, busy.users["no-role"])
    assert "Bakkerij De Vries B.V." not in page and "Slagerij Jansen" not in page


def test_only_the_latest_round_counts(world, client_as):
    _connect(world)
    _round(world.administration, ImportStatus.FAILED, error="Old failure.",
           when=utcnow() - timedelta(days=3))
    _round(world.administration, ImportStatus.SUCCEEDED, {}, when=utcnow())
    db.session.commit()
    page = _page(client_as, world.users["portal-admin"])
    assert "Old failure." not in page
    assert "Imported: 0 · nothing new: 1 · failed: 0 · waiting: 0." in page


def _queries(client, path="/") -> int:
    statements = []
    engine = db.engine

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("role", ["portal-admin", "domain-back-office"])
def test_the_dashboard_costs_the_same_queries_on_a_small_and_a_large_portal(
        busy, client_as, role):
    client = client_as(busy.users[role])
    client.get("/")  # warm up: the session's first request loads the user
    _grow(busy, 6)
    small = _queries(client)
    _grow(busy, 60)
    large = _queries(client)
    assert small == large, f"{small} queries with 6 more administrations, {large} with 66 more"
    page = client.get("/").get_data(as_text=True)
    if role == "portal-admin":
        assert "failed: 24" in page  # 2 + 22 failed in the grown domains: they are on the page


def test_a_member_of_the_large_domain_also_costs_constant_queries(busy, client_as):
    _grow(busy, 6)
    domain = db.session.query(Domain).filter_by(name="groot-6").one()
    db.session.add(DomainMembership(user=busy.users["domain-back-office"], domain=domain,
                                    role=DomainRole.HRM))
    db.session.commit()
    client = client_as(busy.users["domain-back-office"])
    small = _queries(client)
    _grow(busy, 40)
    assert _queries(client) == small


def test_the_dashboard_in_dutch(busy, client_as):
    page = client_as(busy.users["portal-admin"]).get(
        "/", headers={"Accept-Language": "nl-NL,nl;q=0.9"}).get_data(as_text=True)
    assert "Geïmporteerd: 1 · niets nieuws: 0 · mislukt: 2 · wachtend: 0." in page
    assert "1 loonjournaalpost, 3 loonstroken" in page
    assert "Kies het Nmbrs-bedrijf voor Bakkerij De Vries B.V." in page
    assert "door admin@example.nl op 02-11-2026 09:30" in page


def test_the_next_round_is_at_the_dispatch_time_in_amsterdam_whatever_the_server_zone(
        world, app, client_as, monkeypatch):
    import time as system_time

    from portal.services.dispatch_time import next_dispatch

    # The server runs in UTC (or anywhere else): 06:00 still means 06:00 in Amsterdam.
    monkeypatch.setenv("TZ", "America/New_York")
    system_time.tzset()
    try:
        assert next_dispatch(datetime(2026, 11, 30, 4, 59)) == datetime(2026, 11, 30, 5, 0)
        assert next_dispatch(datetime(2026, 11, 30, 5, 0)) == datetime(2026, 12, 1, 5, 0)
        assert next_dispatch(datetime(2026, 6, 30, 12, 0)) == datetime(2026, 7, 1, 4, 0)  # DST
        page = _page(client_as, world.users["portal-admin"])
    finally:
        monkeypatch.delenv("TZ")
        system_time.tzset()
    assert "Next round: " in page
    assert page.split('id="dashboard-next-round">')[1].split("</p>")[0].endswith(" 06:00.")


def test_consents_to_renew_each_with_a_reconnect_link(world, client_as):
    """REST consents that expire within 7 days, have expired or could not be refreshed."""
    domains = {name: Domain(portal=world.portal, name=name)
               for name in ("verloopt", "verlopen", "mislukt", "in-orde")}
    db.session.add_all(domains.values())
    db.session.flush()
    _consent(world, domains["verloopt"], expires_in=timedelta(days=3))
    _consent(world, domains["verlopen"], expires_in=timedelta(days=-1))
    _consent(world, domains["mislukt"], expires_in=timedelta(days=20),
             failed_ago=timedelta(hours=2))
    _consent(world, domains["in-orde"], expires_in=timedelta(days=20))
    db.session.commit()
    page = _page(client_as, world.users["portal-back-office"])
    listed = page.split('id="dashboard-consents"')[1].split("</ul>")[0]
    assert listed.index("mislukt") < listed.index("verlopen") < listed.index("verloopt")
    assert "in-orde" not in listed
    assert "mislukt (Nmbrs debtor Debiteur mislukt): the consent could not be refreshed on" in listed
    assert ("verlopen (Nmbrs debtor Debiteur verlopen): the consent expired on" in listed
            and "imports of this domain stopped." in listed)
    assert "verloopt (Nmbrs debtor Debiteur verloopt): the consent expires on" in listed
    for name in ("verloopt", "verlopen", "mislukt"):
        assert (f'href="/settings/nmbrs/rest#domain-{domains[name].id}">Reconnect {name}</a>'
                in listed)
    # Dutch, with the date as 30-11-2026 14:05.
    world.users["portal-back-office"].locale = "nl"
    db.session.commit()
    dutch = _page(client_as, world.users["portal-back-office"])
    assert "Nmbrs REST-toestemmingen om te vernieuwen" in dutch
    assert ">Opnieuw koppelen: verloopt</a>" in dutch
    import re
    assert re.search(r"de toestemming verloopt op \d\d-\d\d-\d{4} \d\d:\d\d\.", dutch)
    # Domain members see nothing of it (the link is the portal's).
    db.session.add(DomainMembership(user=world.users["domain-back-office"],
                                    domain=domains["verlopen"], role=DomainRole.BACK_OFFICE))
    db.session.commit()
    assert "dashboard-consents" not in _page(client_as, world.users["domain-back-office"])
