"""The Alembic migrations build, from an empty database, exactly the schema the models describe.

Runs on SQLite (a temporary file) and, when DATABASE_URL points at PostgreSQL, on PostgreSQL: an
operator installs with `flask --app app db upgrade`, never with create_all.
"""

import json
import re

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select

from portal.extensions import db
from portal.models import Administration, Domain, User
from tests.conftest import Client, make_app
from tests.helpers_logging import preserved_logging

# The foundation's tables; later features add more, and the metadata comparison covers those.
FOUNDATION_TABLES = {
    "portal", "user", "domain", "domain_membership", "administration", "employee", "audit_entry",
}


def _drop_everything():
    """The suite shares one PostgreSQL database: start from, and leave, no tables at all."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)


def _table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


@pytest.fixture
def empty_app(tmp_path):
    """The app on an empty database (SQLite temp file, or the DATABASE_URL database emptied)."""
    app = make_app(tmp_path)
    with app.app_context(), preserved_logging():
        _drop_everything()
        assert _table_names() == set()
        yield app
        db.session.remove()
        _drop_everything()
        db.engine.dispose()  # close pooled connections (ResourceWarning on PostgreSQL)


@pytest.fixture
def migrated_app(empty_app):
    with preserved_logging():
        flask_migrate.upgrade()
    yield empty_app
    db.session.remove()
    with preserved_logging():
        flask_migrate.downgrade(revision="base")


def test_upgrade_from_an_empty_database_creates_the_models_schema(migrated_app):
    assert FOUNDATION_TABLES | {"alembic_version"} <= _table_names()
    assert set(db.metadata.tables) | {"alembic_version"} == _table_names()

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], (
        "The models and the migrations disagree; add a migration "
        "(flask --app app db migrate -m '...') and review it."
    )


def test_upgrade_is_at_the_single_head(migrated_app):
    from alembic.script import ScriptDirectory

    config = migrated_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"Several migration heads {heads}: merge them (flask db merge)."
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)


def test_downgrade_to_base_removes_every_table(empty_app):
    with preserved_logging():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
    assert _table_names() <= {"alembic_version"}


LOGIN_LINE = re.compile(r"^\s+(?P<label>.+?)\s+(?P<email>\S+@\S+)\s+(?P<password>\S+)$")


def test_seed_demo_on_the_migrated_database_prints_logins_that_work(migrated_app):
    result = migrated_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output

    logins = [m.groupdict() for m in map(LOGIN_LINE.match, result.output.splitlines()) if m]
    assert len(logins) >= 4
    assert "admin@vandijk-partners.nl" in {login["email"] for login in logins}
    assert db.session.scalar(select(db.func.count(Domain.id))) >= 2
    assert db.session.scalar(select(db.func.count(Administration.id))) >= 2

    for login in logins:
        client = Client(migrated_app)
        response = client.post("/login", data={"email": login["email"],
                                               "password": login["password"]})
        assert response.status_code == 302, f"{login['email']} cannot sign in"
        dashboard = client.get("/")
        assert dashboard.status_code == 200
        assert login["email"] in dashboard.get_data(as_text=True)

    wrong = Client(migrated_app).post("/login", data={"email": logins[0]["email"],
                                                      "password": "not-the-password"})
    assert wrong.status_code == 422


def test_seed_demo_refuses_a_database_that_already_has_users(migrated_app):
    runner = migrated_app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    users = db.session.scalar(select(db.func.count(User.id)))

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert "already has users" in again.output
    assert db.session.scalar(select(db.func.count(User.id))) == users


def _at_revision_with_rows(revision: str, administrations, *statements) -> None:
    """Migrate to `revision`, store a portal, a domain and `administrations` (ids) as rows of
    then, and `statements`; then migrate to the head."""
    from sqlalchemy import text

    with preserved_logging():
        flask_migrate.upgrade(revision=revision)
    rows = [
        "INSERT INTO portal (id, name, nmbrs_enabled, nmbrs_locked, created_at)"
        " VALUES (1, 'P', true, false, '2026-01-01')",
        "INSERT INTO domain (id, portal_id, name, nmbrs_enabled, created_at)"
        " VALUES (1, 1, 'd', false, '2026-01-01')",
        *[f"INSERT INTO administration (id, domain_id, name, relation_code, payroll_contract,"
          f" created_at) VALUES ({i}, 1, 'A{i}', '{i}', true, '2026-01-01')"
          for i in administrations],
        *statements,
    ]
    with db.engine.begin() as connection:
        for statement in rows:
            connection.execute(text(statement))
    with preserved_logging():
        flask_migrate.upgrade()


def test_company_links_get_their_portal_and_a_company_linked_twice_keeps_its_oldest(empty_app):
    from sqlalchemy import text

    _at_revision_with_rows("e7a1locale001", (1, 2, 3), *[
        f"INSERT INTO nmbrs_company_link (id, administration_id, company_id, company_name,"
        f" company_number, linked_at) VALUES ({i}, {i}, {company}, 'C', '1', '2026-01-01')"
        for i, company in ((1, 500), (2, 500), (3, 600))])
    with db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, portal_id, company_id FROM nmbrs_company_link ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, 1, 500), (3, 1, 600)]
    with preserved_logging():
        flask_migrate.downgrade(revision="base")


def test_import_summaries_stored_before_count_under_the_document_types_keys(empty_app):
    from sqlalchemy import text

    from portal.services.import_overview import summary_lines

    _at_revision_with_rows(
        "e7a1nmbrsrest2", (1,),
        "INSERT INTO import_run (id, administration_id, kind, status, request, documents_total,"
        " documents_done, summary, created_at, attempts) VALUES (1, 1, 'automatic', 'succeeded',"
        " '{}', 4, 4, '{\"pay slips\": 3, \"journal entries\": 1, \"employees created\": 2}',"
        " '2026-01-01', 1)")
    with db.engine.connect() as connection:
        summary = connection.execute(text("SELECT summary FROM import_run")).scalar_one()
    summary = summary if isinstance(summary, dict) else json.loads(summary)
    assert summary == {"payslips": 3, "journal": 1, "employees_created": 2}
    with empty_app.test_request_context():
        assert summary_lines(summary) == ["Pay slips: 3", "Journal entries: 1",
                                          "Employees created: 2"]
    with preserved_logging():
        flask_migrate.downgrade(revision="base")
