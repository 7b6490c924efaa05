"""Signing in, throttling, CSRF, password change, and the layout's security settings."""

import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from app import ConfigurationError, create_app
from portal.extensions import db
from portal.models import Administration, Employee, User
from portal.services import accounts
from tests.conftest import PASSWORD, Client, make_app


def sign_in(client: Client, email: str, password: str = PASSWORD, next_url: str | None = None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": email, "password": password})


def test_sign_in_and_out(world, client):
    response = sign_in(client, "Admin@Example.nl ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Van Dijk &amp; Partners" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(world, client):
    response = sign_in(client, "admin@example.nl", "wrong password!")
    assert response.status_code == 422
    assert "E-mail or password is wrong." in response.get_data(as_text=True)
    response = sign_in(client, "nobody@example.nl", "wrong password!")
    assert "E-mail or password is wrong." in response.get_data(as_text=True)


@pytest.mark.parametrize("target,expected", [
    ("/domains", "/domains"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
])
def test_login_only_redirects_inside_the_app(world, client, target, expected):
    response = sign_in(client, "admin@example.nl", next_url=target)
    assert response.headers["Location"] == expected


def test_post_without_csrf_token_is_rejected(world, client_as):
    client = client_as(world.users["portal-admin"])
    response = client.post("/domains", {"name": "zonder-token"}, csrf=False)
    assert response.status_code == 400
    assert "out of date" in response.get_data(as_text=True)
    assert db.session.scalar(text("select count(*) from domain where name = 'zonder-token'")) == 0


def test_login_throttling_kicks_in(world, client):
    statuses = [sign_in(client, "admin@example.nl", "guess number one").status_code
                for _ in range(6)]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    # Even the right password is refused while throttled.
    assert sign_in(client, "admin@example.nl").status_code == 429


def test_password_change_ends_other_sessions(world, client_as, client):
    user = world.users["portal-back-office"]
    other_session = client_as(user)
    assert other_session.get("/").status_code == 200
    sign_in(client, user.email)
    response = client.post("/account/password", {
        "current_password": PASSWORD, "new_password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other_session.get("/").status_code == 302  # the other one is signed out
    assert db.session.get(User, user.id).check_password("a brand new passphrase")


def test_password_change_validation(world, client_as):
    client = client_as(world.users["portal-admin"])
    response = client.post("/account/password", {
        "current_password": PASSWORD, "new_password": "short", "confirm_password": "short"})
    assert response.status_code == 422
    assert "Use at least 12 characters." in response.get_data(as_text=True)
    response = client.post("/account/password", {
        "current_password": PASSWORD, "new_password": "long enough here",
        "confirm_password": "long enough there"})
    assert "The two passwords differ." in response.get_data(as_text=True)


def test_passwords_are_hashed_with_argon2id(world):
    assert db.session.get(User, world.users["portal-admin"].id).password_hash.startswith(
        "$argon2id$")


def test_pages_carry_security_headers_and_no_cache(world, client_as):
    response = client_as(world.users["portal-admin"]).get("/domains")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_comes_pinned_from_the_cdn_with_integrity_or_vendored(tmp_path, world, client_as):
    body = client_as(world.users["portal-admin"]).get("/").get_data(as_text=True)
    assert 'src="/static/vendor/htmx-2.0.11.min.js"' in body  # the tests use the vendored copy
    assert 'integrity="sha384-' in body

    cdn_app = make_app(tmp_path, HTMX_VENDORED=False)
    page = cdn_app.test_client().get("/login").get_data(as_text=True)
    script = re.search(r'<script src="([^"]+htmx[^"]+)" integrity="([^"]+)"', page)
    assert script.group(1) == "https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js"
    assert script.group(2) == (
        "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg")


def test_vendored_htmx_is_the_pinned_release(app):
    """The vendored file must be byte-identical to the one the SRI hash pins."""
    import base64
    import hashlib
    from pathlib import Path

    from portal.config import HTMX_INTEGRITY

    data = (Path(app.static_folder) / "vendor/htmx-2.0.11.min.js").read_bytes()
    digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert HTMX_INTEGRITY == f"sha384-{digest}"


def test_secret_key_is_required_outside_testing_and_demo(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    with pytest.raises(ConfigurationError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_employee_iban_and_bsn_are_encrypted_at_rest_and_shown_masked(world, client_as):
    db.session.add(Employee(administration_id=world.administration.id, number=7,
                            name="Jan de Vries", iban="NL91ABNA0417164300", bsn="111222333"))
    db.session.commit()
    raw = db.session.execute(text("select iban, bsn from employee")).one()
    assert "NL91ABNA" not in raw.iban and "111222333" not in raw.bsn
    page = client_as(world.users["domain-back-office"]).get(
        f"/administrations/{world.administration.id}").get_data(as_text=True)
    assert "Jan de Vries" in page and "•••• 4300" in page and "•••• 33" in page
    assert "NL91ABNA0417164300" not in page and "111222333" not in page


def test_secrets_fail_closed_without_encryption_keys(world, app):
    app.config["ENCRYPTION_KEYS"] = []
    from portal.crypto import EncryptionNotConfigured

    db.session.add(Employee(administration_id=world.administration.id, number=8, name="X",
                            bsn="123456782"))
    with pytest.raises(StatementError) as failure:
        db.session.flush()
    assert isinstance(failure.value.orig, EncryptionNotConfigured)
    db.session.rollback()


def test_account_service_rejects_duplicate_email(world):
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_user(world.portal, "ADMIN@example.nl", "long enough password", None)


def test_administration_lookup_uses_hybrid_contract(world):
    assert db.session.scalar(select(Administration.has_active_payroll_contract).where(
        Administration.id == world.administration.id))
