"""Issue 12: ids, page numbers and text that used to give 500s or be stored raw; ids of other
domains answer 404; configuration that must stop the app; the 500 page; security headers."""

import inspect
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app import ConfigurationError
from portal.extensions import db
from portal.forms import PortalForm
from portal.models import Administration, Domain, DomainMembership, DomainRole
from portal.validators import MAX_ID, page_number, parse_id, relation_code_problem, text_problem
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent
HUGE_IDS = ["9223372036854775808", "2147483648", str(MAX_ID + 1), "²", "٣", "1" * 40, "0"]


def administration_count() -> int:
    return db.session.scalar(select(func.count(Administration.id)))


# -- 2. ids and numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("raw_id", HUGE_IDS)
def test_ids_out_of_range_or_not_ascii_digits_are_404(world, client_as, raw_id):
    client = client_as(world.users["portal-admin"])
    for path in (f"/domains/{raw_id}", f"/administrations/{raw_id}",
                 f"/administrations/{raw_id}/payslips", f"/payslips/{raw_id}.pdf",
                 f"/tasks/{raw_id}", f"/settings/nmbrs/domains/{raw_id}"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/users/{raw_id}/role", {"portal_role": ""}).status_code == 404


@pytest.mark.parametrize("page", ["²", "99999999999999999999", "-1", "0", "abc", "1e9", " 2"])
def test_page_numbers_out_of_range_show_a_page_not_a_500(world, client_as, page):
    client = client_as(world.users["portal-admin"])
    administration_id = world.administration.id
    for path in (f"/administrations/{administration_id}/payslips",
                 f"/administrations/{administration_id}/journals",
                 f"/administrations/{administration_id}/imports",
                 "/tasks", "/settings/nmbrs"):
        assert client.get(path, query_string={"page": page}).status_code == 200, path


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "٣"])
def test_task_filters_and_assignee_with_odd_numbers(world, client_as, value):
    from tests.test_tasks import raise_unknown_employee

    task = raise_unknown_employee(world)
    db.session.commit()
    client = client_as(world.users["portal-admin"])
    assert client.get("/tasks", query_string={"domain": value}).status_code == 200
    response = client.post(f"/tasks/{task.id}/assignee", {"assignee": value}, htmx=True)
    assert response.status_code == 422


def test_number_helpers():
    assert parse_id("12") == 12 and parse_id(" 7 ") == 7
    assert [parse_id(v) for v in HUGE_IDS + ["", "-1", "1.0", None]] == [None] * 11
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert page_number("3") == 3 and page_number("²") == 1 and page_number("9" * 30) == 100_000


# -- 3. control and bidi characters --------------------------------------------------------------


BAD_TEXT = ["Bakkerij\x00 B.V.", "Bakkerij\u202eV.B", "Bakkerij\x1b[31m", "Bakkerij\r\nB.V.",
            "Bakkerij\tB.V.", "Bakkerij\u2066B.V.", "Bakkerij\u200fB.V."]


@pytest.mark.parametrize("name", BAD_TEXT)
def test_control_and_bidi_characters_are_refused_on_the_field(world, client_as, name):
    before = administration_count()
    response = client_as(world.users["portal-admin"]).post(
        f"/domains/{world.domain.id}/administrations", {"name": name, "relation_code": "2"},
        htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "control or text-direction characters" in body and 'aria-invalid="true"' in body
    assert administration_count() == before


def test_control_characters_in_a_rename_are_refused(world, client_as):
    path = f"/domains/{world.domain.id}/administrations/{world.administration.id}"
    response = client_as(world.users["portal-admin"]).post(
        path, {"name": "De Vries\x00", "relation_code": "1"})
    assert response.status_code == 422
    assert db.session.get(Administration, world.administration.id).name == "Bakkerij De Vries B.V."


@pytest.mark.parametrize("email", ["admin@example.nl\x00", "\u202eadmin@example.nl"])
def test_control_characters_at_login_are_a_422(world, client, email):
    response = client.post("/login", {"email": email, "password": "whatever it is"})
    assert response.status_code == 422
    assert "control or text-direction characters" in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["abc", "1a", "²", "-1", "1.5", "1 2"])
def test_the_relation_code_is_a_number(world, client_as, code):
    before = administration_count()
    response = client_as(world.users["portal-admin"]).post(
        f"/domains/{world.domain.id}/administrations", {"name": "Nieuw B.V.", "relation_code": code})
    assert response.status_code == 422
    assert "relation code as a whole number" in response.get_data(as_text=True)
    assert administration_count() == before


def test_text_rules():
    assert text_problem("Bakkerij De Vries B.V. — Zoë & Søn 🍞") is None
    assert all(text_problem(text) for text in BAD_TEXT)
    assert text_problem("two\nlines", allow_newlines=True) is None
    assert relation_code_problem(" 001 ") is None and relation_code_problem("x")


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_form_applies_the_text_rules(app):
    """A new form that forgets to inherit from PortalForm fails here."""
    forms = [cls for cls in _all_subclasses(FlaskForm)
             if inspect.getmodule(cls).__name__.startswith("portal.") and cls is not PortalForm]
    assert forms, "no forms found"
    assert [cls.__qualname__ for cls in forms if not issubclass(cls, PortalForm)] == []


# -- 9. other domains of the same portal ---------------------------------------------------------


def test_ids_of_other_domains_of_my_portal_answer_404_not_403(world, client_as):
    neighbour = Domain(portal=world.portal, name="garage-jansen")
    their_administration = Administration(domain=neighbour, name="Garage Jansen B.V.",
                                          relation_code="1")
    db.session.add_all([neighbour, their_administration])
    db.session.commit()
    client = client_as(world.users["domain-back-office"])
    for path in (f"/domains/{neighbour.id}", f"/administrations/{their_administration.id}",
                 f"/administrations/{their_administration.id}/payslips",
                 f"/administrations/{their_administration.id}/import",
                 f"/settings/nmbrs/administrations/{their_administration.id}"):
        assert client.get(path).status_code == 404, path
    response = client.post(f"/domains/{neighbour.id}/administrations",
                           {"name": "X B.V.", "relation_code": "1"})
    assert response.status_code == 404


def test_a_member_who_may_only_look_gets_403_for_a_change(world, client_as):
    from tests.conftest import add_user

    hrm = add_user(world.portal, "hrm@example.nl", domain=world.domain,
                   domain_role=DomainRole.HRM)
    db.session.commit()
    response = client_as(hrm).post(f"/domains/{world.domain.id}/administrations",
                                   {"name": "X B.V.", "relation_code": "1"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(DomainMembership.id))) == 2


# -- 6. keys that must be set, the 500 page ------------------------------------------------------


GOOD_SECRET = "a" * 64


@pytest.mark.parametrize("config,message", [
    ({"SECRET_KEY": "CHANGE-ME"}, "SECRET_KEY is still the placeholder"),
    ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY is too short"),
    ({"ENCRYPTION_KEYS": []}, "ENCRYPTION_KEYS is not set"),
    ({"ENCRYPTION_KEYS": ["CHANGE-ME"]}, "ENCRYPTION_KEYS key 1 is still the placeholder"),
    ({"ENCRYPTION_KEYS": ["not-a-key"]}, "ENCRYPTION_KEYS key 1 is not a Fernet key"),
])
def test_the_app_refuses_to_start_without_proper_keys(tmp_path, config, message):
    settings = {"SECRET_KEY": GOOD_SECRET, "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
                "TESTING": False, "DEMO_MODE": False, **config}
    with pytest.raises(ConfigurationError) as failure:
        make_app(tmp_path, **settings)
    assert message in str(failure.value)
    assert "/etc/payroll-link/env" in str(failure.value)


def test_placeholders_are_refused_even_in_the_demo(tmp_path):
    with pytest.raises(ConfigurationError, match="placeholder"):
        make_app(tmp_path, TESTING=False, DEMO_MODE=True, SECRET_KEY="CHANGE-ME")


def test_proper_keys_and_the_demo_start(tmp_path):
    make_app(tmp_path, TESTING=False, SECRET_KEY=GOOD_SECRET,
             ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    demo = make_app(tmp_path, TESTING=False, DEMO_MODE=True, SECRET_KEY=None, ENCRYPTION_KEYS=[])
    assert demo.config["SECRET_KEY"]


def test_an_unexpected_error_shows_the_layout_without_a_traceback(app, world, client_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("secret internals: api_token=abc")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = client_as(world.users["portal-admin"]).get("/broken-for-test")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body and "<nav" in body
    assert "Traceback" not in body and "api_token" not in body and "RuntimeError" not in body


# -- 12. headers and the example settings ------------------------------------------------------


def test_hsts_over_https_and_a_permissions_policy(client):
    plain = client.get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    assert "camera=()" in plain.headers["Permissions-Policy"]
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_example_settings_give_the_nmbrs_rate_limit_per_second():
    text = (ROOT / ".deploy/env.example").read_text()
    block = text[:text.index("# NMBRS_RATE_LIMIT")].rsplit("\n\n", 1)[-1]
    assert "per SECOND" in block and "per minute" not in block
