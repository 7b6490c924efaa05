"""A domain moves to REST on its own: the factory's REST side, int ids kept, quota pauses."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from portal import demo_data, stored_text
from portal.extensions import db
from portal.models import NmbrsConsent, NmbrsIdMap
from portal.models._common import utcnow
from portal.nmbrs.rest.errors import QuotaExceeded
from portal.nmbrs.sandbox.guids import guid
from portal.nmbrs.sandbox.rest_server import running_rest_sandbox
from portal.services.nmbrs_access import NotConnected, client_for
from portal.services.nmbrs_id_map import NotMigrated
from portal.services.nmbrs_rest_access import ConsentPaused
from tests.conftest import fresh_app
from tests.nmbrs_rest.rest_helpers import connect_domain


@pytest.fixture(scope="module")
def sandbox():
    with running_rest_sandbox() as running:
        yield running


@pytest.fixture
def app(tmp_path, sandbox):
    with fresh_app(tmp_path, NMBRS_IDENTITY_URL=sandbox.root, NMBRS_REST_URL=sandbox.root) as app:
        yield app


@pytest.fixture
def domain(world):
    world.domain.name = demo_data.DOMAINS[0].name
    db.session.commit()
    return world.domain


def client_for_domain(domain):
    """The factory's client for an administration of the domain."""
    return client_for(domain.administrations[0])


def test_a_domain_on_soap_gets_no_rest_client(domain, sandbox):
    connect_domain(sandbox, domain, active=False)

    with pytest.raises(NotConnected):  # SOAP, for which this portal has no credentials
        client_for_domain(domain)


def test_objects_first_seen_over_rest_get_stable_negative_ids(domain, sandbox):
    connect_domain(sandbox, domain)
    client = client_for_domain(domain)
    year = sandbox.app.soap.world.year

    [debtor] = client.debtors()
    companies = client.companies(debtor.id)
    runs = client.runs(companies[0].id, year)
    again = client_for_domain(domain).runs(companies[0].id, year)

    assert debtor.id < 0 and all(c.id < 0 for c in companies) and runs[0].id < 0
    assert [r.id for r in again] == [r.id for r in runs]
    assert client.journal(companies[0].id, runs[0].id, year).is_balanced


def test_ids_mapped_from_soap_are_used_as_they_are(domain, sandbox, world):
    soap_company = next(c for c in sandbox.app.soap.world.companies if c.debtor_id == 1001)
    db.session.add(NmbrsIdMap(portal_id=world.portal.id, entity="Company",
                              int_id=soap_company.id, guid=guid("Company", soap_company.id),
                              source="converter"))
    connect_domain(sandbox, domain)
    client = client_for_domain(domain)
    year = sandbox.app.soap.world.year

    assert soap_company.id in [c.id for c in client.companies()]
    assert len(client.employees(soap_company.id)) == len(soap_company.employees)
    assert client.work_costs(soap_company.id, year)


def test_an_int_id_never_mapped_is_a_clear_error(domain, sandbox):
    connect_domain(sandbox, domain)

    with pytest.raises(NotMigrated, match="nmbrs-migrate-to-rest"):
        client_for_domain(domain).runs(54601, 2026)


def test_quota_exceeded_pauses_the_domain(domain, sandbox):
    consent = connect_domain(sandbox, domain)
    sandbox.app.rest.api.quota_exceeded = True
    try:
        with pytest.raises(QuotaExceeded):
            client_for_domain(domain).debtors()
    finally:
        sandbox.app.rest.api.quota_exceeded = False

    db.session.expire_all()
    assert db.session.get(NmbrsConsent, consent.id).paused_until > utcnow()
    with pytest.raises(ConsentPaused, match="paused") as paused:
        client_for_domain(domain)
    consent = db.session.get(NmbrsConsent, consent.id)
    amsterdam = consent.paused_until.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Amsterdam"))
    shown = f"{amsterdam:%d-%m-%Y %H:%M}"
    assert f"paused until {shown}." in str(paused.value)  # Amsterdam time, also in English
    with force_locale("nl"):
        assert f"gepauzeerd tot {shown}." in stored_text.render(paused.value.text)
    consent = db.session.get(NmbrsConsent, consent.id)
    consent.paused_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client_for_domain(domain).protocol == "rest"


def test_imports_mapping_new_objects_at_once_all_get_distinct_ids(world):
    """Workers importing different administrations of one portal at the same time all reach for
    the next free negative id; every one of them gets an id (found with the import bench: 4
    workers failed with 'Could not map Nmbrs Employee')."""
    import threading

    from portal.services.nmbrs_id_map import IdMap

    portal_id, engine = world.portal.id, db.engine
    mapped, failures = {}, []

    def map_employees(worker: int) -> None:
        ids = IdMap(engine, portal_id)
        try:
            for n in range(25):
                guid = f"00000000-0000-0000-{worker:04d}-{n:012d}"
                mapped[guid] = ids.int_for("Employee", guid)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=map_employees, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    assert len(mapped) == 200 and len(set(mapped.values())) == 200
    assert all(int_id < 0 for int_id in mapped.values())


def test_a_run_of_many_new_employees_is_mapped_in_a_few_queries_and_concurrently_too(world):
    """2,000 new employees of one run cost 2,000 round trips one at a time; together they cost
    a few, and two imports meeting the same new employees still agree on their ids."""
    import threading

    from sqlalchemy import event

    from portal.services.nmbrs_id_map import IdMap

    portal_id, engine = world.portal.id, db.engine
    guids = [f"00000000-0000-0000-0001-{n:012d}" for n in range(300)]
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        first = IdMap(engine, portal_id).ints_for("Employee", guids)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 4  # known ones, the lowest id, the insert (and its commit)
    assert len(set(first.values())) == 300 and all(i < 0 for i in first.values())

    more = guids[150:] + [f"00000000-0000-0000-0002-{n:012d}" for n in range(100)]
    answers, failures = [], []

    def map_run() -> None:
        try:
            answers.append(IdMap(engine, portal_id).ints_for("Employee", more))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=map_run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures and all(answer == answers[0] for answer in answers)
    assert all(answers[0][guid] == first[guid] for guid in guids[150:])
    assert len(set(answers[0].values()) | set(first.values())) == 400
