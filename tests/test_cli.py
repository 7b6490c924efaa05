"""The operator commands for self-hosting."""

from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from portal import demo_data
from portal.extensions import db
from portal.models import Administration, Domain, Employee, Portal, PortalRole, User
from tests.conftest import TEST_KEY


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_user_with_prompted_password(app):
    result = run(app, "create-user", "Boss@Example.nl", "--role", "portal-admin",
                 input="a long enough secret\na long enough secret\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "boss@example.nl" and user.portal_role == PortalRole.ADMIN
    assert user.check_password("a long enough secret")
    assert "a long enough secret" not in result.output


def test_create_user_refuses_short_password_and_duplicates(app):
    assert "at least 12" in run(app, "create-user", "a@b.nl", "--password", "short").output
    run(app, "create-user", "a@b.nl", "--password", "long enough password")
    result = run(app, "create-user", "a@b.nl", "--password", "long enough password")
    assert result.exit_code != 0 and "already exists" in result.output


def test_enable_feature_and_structure_commands(app):
    assert run(app, "enable-feature", "nmbrs").exit_code == 0
    assert db.session.scalar(select(Portal.nmbrs_enabled))
    bad = run(app, "create-domain", "Bad Name")
    assert bad.exit_code != 0 and "lowercase letters" in bad.output
    assert run(app, "create-domain", "garage-jansen").exit_code == 0
    result = run(app, "create-administration", "garage-jansen", "Garage Jansen B.V.",
                 "--relation-code", "1", "--payroll")
    assert result.exit_code == 0, result.output
    administration = db.session.scalar(select(Administration))
    assert administration.domain.name == "garage-jansen" and administration.payroll_contract
    missing = run(app, "create-administration", "nope", "X", "--relation-code", "1")
    assert missing.exit_code != 0 and "No domain named nope" in missing.output


def test_seed_demo_fills_an_empty_database_once(app):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert [d.name for d in db.session.scalars(select(Domain).order_by(Domain.id))] == [
        d.name for d in demo_data.DOMAINS]
    # Employees who joined during the year are not seeded: the first import creates them.
    assert db.session.scalar(select(func.count(Employee.id))) == sum(
        1 for d in demo_data.DOMAINS for a in d.administrations for e in a.employees if e.seeded)
    admin = db.session.scalar(select(User).where(User.email == "admin@vandijk-partners.nl"))
    password = result.output.split("admin@vandijk-partners.nl")[1].split()[0]
    assert admin.check_password(password)
    assert demo_data.SANDBOX_TOKEN in result.output
    again = run(app, "seed-demo")
    assert again.exit_code != 0 and "already has users" in again.output


def test_rotate_keys_reencrypts_under_the_newest_key(app):
    run(app, "seed-demo")
    new_key = Fernet.generate_key().decode()
    app.config["ENCRYPTION_KEYS"] = [new_key, TEST_KEY]
    result = run(app, "rotate-keys")
    assert result.exit_code == 0, result.output
    app.config["ENCRYPTION_KEYS"] = [new_key]  # the old key can now be dropped
    db.session.expire_all()
    assert {e.bsn for e in db.session.scalars(select(Employee))} >= {"111222333"}
    stored = db.session.execute(text("select bsn from employee")).scalars().first()
    Fernet(new_key).decrypt(stored.encode())


def test_commands_speak_english_where_the_interface_defaults_to_dutch(tmp_path):
    from tests.conftest import fresh_app

    with fresh_app(tmp_path, BABEL_DEFAULT_LOCALE="nl") as dutch_app:
        result = run(dutch_app, "create-user", "a@b.nl", "--password", "short")

    assert "at least 12" in result.output and result.exit_code != 0
