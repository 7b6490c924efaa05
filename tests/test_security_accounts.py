"""Issue 12: sign-in timing, sessions that end on the server, throttling that cannot lock the
real user out, domain names per portal, double submits, invalid roles, CSRF rotation, common
passwords."""

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Administration, Domain, PortalRole, User, UserSession
from portal.models import accounts as account_models
from portal.services import accounts
from tests.conftest import PASSWORD, Client
from tests.test_migrations import empty_app  # noqa: F401  (fixture)

ADMIN = "admin@example.nl"


def sign_in(client: Client, email=ADMIN, password=PASSWORD, ip="127.0.0.1"):
    return client.post("/login", {"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


# -- 4. the same work for an unknown e-mail address as for a wrong password ----------------------


def test_an_unknown_address_costs_the_same_argon2_work_as_a_wrong_password(world, client,
                                                                           monkeypatch):
    calls = []
    real = account_models._hasher

    class CountingHasher:
        def verify(self, hash_, password):
            calls.append(hash_)
            return real.verify(hash_, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(account_models, "_hasher", CountingHasher())
    assert sign_in(client, ADMIN, "wrong password!").status_code == 422
    assert sign_in(client, "nobody@example.nl", "wrong password!").status_code == 422
    assert len(calls) == 2  # one Argon2 verification each
    assert calls[0].startswith("$argon2id$") and calls[1].startswith("$argon2id$")


# -- 5. logout and "sign out everywhere" end the session on the server ---------------------------


def _cookie(client: Client) -> str:
    return client.http.get_cookie("session").value


def _client_with_cookie(app, value) -> Client:
    copy = Client(app)
    copy.http.set_cookie("session", value)
    return copy


def test_a_cookie_copied_before_logout_no_longer_works(app, world, client):
    assert sign_in(client).status_code == 302
    stolen = _cookie(client)
    assert _client_with_cookie(app, stolen).get("/").status_code == 200
    client.post("/logout")
    assert _client_with_cookie(app, stolen).get("/").status_code == 302
    assert db.session.scalar(select(func.count(UserSession.id))) == 0


def test_sign_out_everywhere_ends_every_session_of_the_user(world, client_as):
    user = world.users["portal-back-office"]
    laptop, phone = client_as(user), client_as(user)
    colleague = client_as(world.users["portal-admin"])
    assert laptop.get("/").status_code == phone.get("/").status_code == 200
    response = laptop.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert colleague.get("/").status_code == 200  # other users are not affected


def test_the_password_page_offers_sign_out_everywhere(world, client_as):
    page = client_as(world.users["portal-admin"]).get("/account/password").get_data(as_text=True)
    assert 'action="/account/sign-out-everywhere"' in page


# -- 8. throttling per (account, IP); a known device is never locked out ------------------------


def test_guessing_from_many_ips_does_not_lock_out_the_real_user(app, world, client):
    device = Client(app)
    assert sign_in(device, ip="198.51.100.7").status_code == 302  # the user's own laptop
    device.post("/logout")
    attacker = Client(app)
    for n in range(30):  # more than the old limit of 20 per account
        response = sign_in(attacker, ADMIN, f"guess {n}", ip=f"203.0.113.{n // 5}")
        assert response.status_code == 422, n
    assert sign_in(device, ip="198.51.100.7").status_code == 302
    assert sign_in(Client(app), ip="198.51.100.8").status_code == 302  # even a new device


def test_the_account_throttle_counts_per_ip_and_spares_known_devices(app, world, client):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # look at the per-account limits only
    device = Client(app)
    assert sign_in(device, ip="192.0.2.50").status_code == 302
    device.post("/logout")
    attacker = Client(app)
    statuses = [sign_in(attacker, ADMIN, "guess", ip="192.0.2.50").status_code
                for _ in range(11)]
    assert statuses == [422] * 10 + [429]
    assert sign_in(Client(app), ADMIN, ip="192.0.2.50").status_code == 429  # unknown device
    assert sign_in(Client(app), ADMIN, ip="192.0.2.51").status_code == 302  # another IP
    assert sign_in(device, ip="192.0.2.50").status_code == 302  # the known device, same IP


def test_the_account_wide_throttle_stops_a_distributed_attack_on_unknown_devices(app, world):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "5 per hour"
    attacker = Client(app)
    for n in range(5):
        assert sign_in(attacker, ADMIN, "guess", ip=f"203.0.113.{n}").status_code == 422
    assert sign_in(attacker, ADMIN, "guess", ip="203.0.113.99").status_code == 429


def test_a_device_cookie_of_another_account_does_not_count(app, world):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "2 per hour"
    device = Client(app)
    assert sign_in(device, "pbo@example.nl").status_code == 302
    device.post("/logout")
    for _ in range(2):
        assert sign_in(device, ADMIN, "guess").status_code == 422
    assert sign_in(device, ADMIN, "guess").status_code == 429


# -- 10. domain names are unique per portal ---------------------------------------------------


def test_a_domain_name_of_another_portal_can_be_used(world, client_as):
    assert world.other_domain.name == "elders"
    response = client_as(world.users["portal-admin"]).post("/domains", {"name": "elders"})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Domain.id)).where(Domain.name == "elders")) == 2
    again = client_as(world.users["portal-admin"]).post("/domains", {"name": "elders"})
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


# -- 11. double submit, invalid role, CSRF rotation, common passwords ---------------------------


def test_a_double_submit_creates_one_administration(world, client_as):
    client = client_as(world.users["domain-back-office"])
    url = f"/domains/{world.domain.id}/administrations"
    form = {"name": "Bakkerij De Vries Holding B.V.", "relation_code": "2"}
    assert client.post(url, form).status_code == 303
    second = client.post(url, form, htmx=True)
    assert second.status_code == 422
    assert "already has an administration" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Administration.id)).where(
        Administration.name == "Bakkerij De Vries Holding B.V.")) == 1


def test_renaming_onto_an_identical_administration_is_refused(world, client_as):
    twin = Administration(domain=world.domain, name="Twin B.V.", relation_code="5")
    db.session.add(twin)
    db.session.commit()
    response = client_as(world.users["portal-admin"]).post(
        f"/domains/{world.domain.id}/administrations/{world.administration.id}",
        {"name": "Twin B.V.", "relation_code": "5"})
    assert response.status_code == 422
    assert db.session.get(Administration, world.administration.id).name == \
        "Bakkerij De Vries B.V."


def test_an_identical_administration_is_refused_by_the_database_too(world):
    db.session.add(Administration(domain=world.domain, name="Bakkerij De Vries B.V.",
                                  relation_code="1"))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("role", ["superuser", "PORTAL-ADMIN", "portal-admin "])
def test_an_invalid_portal_role_is_refused_with_a_message(world, client_as, role):
    user = world.users["no-role"]
    response = client_as(world.users["portal-admin"]).post(f"/users/{user.id}/role",
                                                           {"portal_role": role})
    assert response.status_code == 422
    assert "choose one of the portal roles in the list" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).portal_role is None


def test_a_new_user_with_an_invalid_role_is_refused_on_the_field(world, client_as):
    response = client_as(world.users["portal-admin"]).post("/users", {
        "email": "new@example.nl", "password": "a long enough password", "portal_role": "root"})
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.email == "new@example.nl")) is None


def _csrf_of(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_the_csrf_token_changes_at_sign_in(app, world):
    client = Client(app)
    before = _csrf_of(client.get("/login").get_data(as_text=True))
    assert sign_in(client).status_code == 302
    after = _csrf_of(client.get("/").get_data(as_text=True))
    assert after != before
    refused = client.post("/domains", {"name": "oud-token"}, csrf=False,
                          headers={"X-CSRFToken": before})
    assert refused.status_code == 400
    assert client.post("/domains", {"name": "nieuw-token"}, csrf=False,
                       headers={"X-CSRFToken": after}).status_code == 303


@pytest.mark.parametrize("password,message", [
    ("password1234", "commonly used passwords"),
    ("Password1234!", "commonly used passwords"),
    ("qwertyuiop123", "commonly used passwords"),
    ("x" * 129, "at most 128 characters"),
])
def test_common_and_overlong_passwords_are_refused(world, client_as, password, message):
    client = client_as(world.users["portal-admin"])
    response = client.post("/users", {"email": "new@example.nl", "password": password,
                                       "portal_role": ""})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = client.post("/account/password", {
        "current_password": PASSWORD, "new_password": password, "confirm_password": password})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_good_long_password_is_accepted():
    assert accounts.password_problem("Bakkerij-2026 zomer rooster") is None
    assert accounts.password_problem("y" * 128) is None
    assert PortalRole("portal-admin")


# -- the migration keeps the data --------------------------------------------------------------


def test_the_migration_keeps_domains_and_administrations(empty_app):
    import flask_migrate
    from sqlalchemy import text

    from tests.helpers_logging import preserved_logging

    with preserved_logging():
        flask_migrate.upgrade(revision="d6a1imports001")
    db.session.execute(text(
        "insert into portal (id, name, nmbrs_enabled, created_at) values "
        "(1, 'Firm', false, CURRENT_TIMESTAMP), (2, 'Other', false, CURRENT_TIMESTAMP)"))
    db.session.execute(text(
        "insert into domain (id, portal_id, name, nmbrs_enabled, created_at) values "
        "(1, 1, 'bakkerij', false, CURRENT_TIMESTAMP)"))
    db.session.execute(text(
        "insert into administration (id, domain_id, name, relation_code, payroll_contract, "
        "created_at) values (1, 1, 'Bakkerij B.V.', '1', true, CURRENT_TIMESTAMP)"))
    db.session.commit()
    with preserved_logging():
        flask_migrate.upgrade()
    db.session.execute(text(
        "insert into domain (id, portal_id, name, nmbrs_enabled, created_at) values "
        "(2, 2, 'bakkerij', false, CURRENT_TIMESTAMP)"))  # the same name in another portal
    db.session.commit()
    assert db.session.scalar(text("select count(*) from administration")) == 1
    db.session.execute(text("delete from domain where id = 2"))
    db.session.commit()
    with preserved_logging():
        flask_migrate.downgrade(revision="d6a1imports001")
    assert db.session.scalar(text("select name from administration where id = 1")) == \
        "Bakkerij B.V."
    db.session.remove()
