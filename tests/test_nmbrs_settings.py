"""Settings → Nmbrs settings (issue 4): validation, connect, edit, disconnect, overrides, roles,
secrets and speed."""

import logging
import re

import pytest
from sqlalchemy import event, func, insert, inspect, select, text

from portal.extensions import db
from portal.models import Administration, AuditEntry, Domain, NmbrsSettings
from portal.services import nmbrs_link
from portal.services.effective_settings import effective_settings
from tests.conftest import LOGIN, unexpected_answer
from tests.nmbrs_helpers import OTHER_TOKEN, TOKEN, connect_data, fake_nmbrs  # noqa: F401

URL = "/settings/nmbrs"


def admin(world, client_as):
    return client_as(world.users["portal-admin"])


def body(response) -> str:
    return response.get_data(as_text=True)


def portal_row(world):
    return db.session.scalar(select(NmbrsSettings).where(NmbrsSettings.scope == "portal"))


def connect(client, **overrides):
    return client.post(f"{URL}/connect", connect_data(**overrides), htmx=True)


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


# --- validation ---------------------------------------------------------------------------------

VALIDATION = [
    ("username missing", {"username": ""}, "username", "Enter the e-mail address"),
    ("username absent", {"username": None}, "username", "Enter the e-mail address"),
    ("bad e-mail", {"username": "salaris-vandijk"}, "username", "valid e-mail address"),
    ("token missing", {"token": ""}, "token", "Enter the API token."),
    ("token of spaces only", {"token": "     "}, "token", "cannot be only spaces"),
    ("token with a space", {"token": "abc def"}, "token", "has no spaces"),
    ("first day missing", {"first_day": ""}, "first_day", "Enter the first day"),
    ("last day missing", {"last_day": None}, "last_day", "Enter the last day"),
    ("first day 0", {"first_day": "0"}, "first_day", "whole number from 1 to 31"),
    ("last day 32", {"last_day": "32"}, "last_day", "whole number from 1 to 31"),
    ("first day not a number", {"first_day": "abc"}, "first_day", "whole number from 1 to 31"),
    ("last day a fraction", {"last_day": "15.5"}, "last_day", "whole number from 1 to 31"),
    ("negative day", {"first_day": "-3"}, "first_day", "whole number from 1 to 31"),
    ("first after last", {"first_day": "20", "last_day": "10"}, "last_day",
     "cannot be before the first day"),
]


@pytest.mark.parametrize("case,overrides,field,message", VALIDATION,
                         ids=[case[0] for case in VALIDATION])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_connect_validation(world, client_as, fake_nmbrs, case, overrides, field, message, htmx):
    response = admin(world, client_as).post(f"{URL}/connect", connect_data(**overrides), htmx=htmx)

    assert response.status_code == 422
    html = body(response)
    assert message in field_error(html, field)
    tag = re.search(rf'<input [^>]*id="{field}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and f"{field}-error" in tag and "autofocus" in tag
    assert ("<html" in html) is not htmx
    assert db.session.scalar(select(func.count(NmbrsSettings.id))) == 0
    assert fake_nmbrs.calls == []


def test_only_the_first_invalid_field_gets_the_focus(world, client_as, fake_nmbrs):
    html = body(connect(admin(world, client_as), username="", first_day="0"))
    assert html.count("autofocus") == 1
    assert re.search(r'<input [^>]*autofocus[^>]*id="username"', html)


# --- connect ------------------------------------------------------------------------------------

def test_connect_verifies_then_stores_the_link(world, client_as, fake_nmbrs):
    response = connect(admin(world, client_as), import_journals=None, first_day="3",
                       last_day="28", import_late_runs="y")

    assert response.status_code == 200
    html = body(response)
    assert "Connected to Nmbrs" in html and "•••• " + TOKEN[-4:] in html
    assert "salaris@vandijk.nl" in html and "No imports yet" in html
    assert 'id="edit-button"' in html and 'id="disconnect-button"' in html
    assert fake_nmbrs.calls == [("salaris@vandijk.nl", TOKEN)]
    row = portal_row(world)
    assert (row.username, row.token, row.subdomain) == ("salaris@vandijk.nl", TOKEN, "kantoor")
    assert (row.import_payslips, row.import_journals, row.import_late_runs) == (True, False, True)
    assert (row.first_day, row.last_day) == (3, 28)
    assert row.connected_by_id == world.users["portal-admin"].id and row.connected_at
    stored = db.session.execute(text("SELECT token FROM nmbrs_settings")).scalar()
    assert TOKEN not in stored
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "nmbrs.connected"))
    assert entry.user_id == world.users["portal-admin"].id
    assert TOKEN not in str(entry.details)


def test_connect_without_javascript_redirects_to_the_summary(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    assert "Connect to Nmbrs" in body(client.get(URL))
    form_page = client.get(f"{URL}/connect")
    assert form_page.status_code == 200 and "<html" in body(form_page)
    response = client.post(f"{URL}/connect", connect_data())
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    page = body(client.get(URL))
    assert "Connected to Nmbrs" in page and "•••• " + TOKEN[-4:] in page


def test_wrong_token_keeps_the_username_and_empties_the_token(world, client_as, fake_nmbrs):
    fake_nmbrs.answer = nmbrs_link.CredentialsRejected(
        "Nmbrs does not accept this user name and API token. Check both and try again.")
    response = connect(admin(world, client_as))

    assert response.status_code == 422
    html = body(response)
    assert "does not accept" in field_error(html, "token")
    assert re.search(r'<input [^>]*id="username"[^>]*value="salaris@vandijk.nl"', html)
    assert re.search(r'<input [^>]*id="token"[^>]*value=""', html)
    assert TOKEN not in html
    assert portal_row(world) is None


def test_nmbrs_down_gives_a_different_message(world, client_as, fake_nmbrs):
    fake_nmbrs.answer = nmbrs_link.NmbrsUnreachable(
        "Nmbrs cannot be reached right now. Nothing was saved; try again in a few minutes.")
    response = connect(admin(world, client_as))

    assert response.status_code == 422
    html = body(response)
    assert re.search(r'role="alert"[^>]*>Nmbrs cannot be reached', html)
    assert field_error(html, "token") == ""
    assert portal_row(world) is None


def test_connect_twice_is_refused(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    assert connect(client, username="ander@vandijk.nl").status_code == 409
    assert portal_row(world).username == "salaris@vandijk.nl"
    assert client.get(f"{URL}/connect").status_code == 302  # → the edit form


# --- the "all" switch ---------------------------------------------------------------------------

@pytest.mark.parametrize("submitted,expected", [
    # "all" switched on (it was off): the three are set.
    ({"import_all": "y", "import_all_was": "", "import_journals": None}, (True, True, True)),
    # "all" switched off (it was on): the three are cleared.
    ({"import_all": None, "import_all_was": "y"}, (False, False, False)),
    # one of the three turned off while "all" stays as it was: "all" is cleared, the others stay.
    ({"import_journals": None}, (True, False, True)),
    ({"import_all": None, "import_all_was": "", "import_payslips": None}, (False, True, True)),
])
def test_all_switch_rule(world, client_as, fake_nmbrs, submitted, expected):
    response = connect(admin(world, client_as), **submitted)
    assert response.status_code == 200
    row = portal_row(world)
    assert (row.import_payslips, row.import_journals, row.import_tax_assessments) == expected


# --- edit ---------------------------------------------------------------------------------------

def test_edit_form_shows_values_but_never_the_token(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client, first_day="4")
    html = body(client.get(f"{URL}/edit", htmx=True))
    assert re.search(r'<input [^>]*id="username"[^>]*value="salaris@vandijk.nl"', html)
    assert re.search(r'<input [^>]*autocomplete="new-password"[^>]*id="token"[^>]*value=""', html)
    assert 'value="4"' in html and "Leave the field empty to keep it" in html
    assert ">Save<" in html


def test_edit_with_an_empty_token_keeps_the_stored_one(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    response = client.post(f"{URL}/edit", connect_data(token="", first_day="6", last_day="25"),
                           htmx=True)

    assert response.status_code == 200 and "Nmbrs settings saved" in body(response)
    row = portal_row(world)
    assert row.token == TOKEN and (row.first_day, row.last_day) == (6, 25)
    assert len(fake_nmbrs.calls) == 1  # unchanged credentials are not verified again
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "nmbrs.settings_changed"))
    assert entry.details["first_day"] == {"from": 1, "to": 6}


def test_edit_with_changed_credentials_verifies_them_again(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    fake_nmbrs.answer = nmbrs_link.CredentialsRejected("Nmbrs does not accept this API token.")
    response = client.post(f"{URL}/edit", connect_data(token=OTHER_TOKEN), htmx=True)
    assert response.status_code == 422 and "does not accept" in field_error(body(response), "token")
    assert portal_row(world).token == TOKEN

    fake_nmbrs.answer = "kantoor2"
    response = client.post(f"{URL}/edit", connect_data(username="nieuw@vandijk.nl", token=""),
                           htmx=True)
    assert response.status_code == 200
    assert fake_nmbrs.calls[-1] == ("nieuw@vandijk.nl", TOKEN)
    row = portal_row(world)
    assert (row.username, row.subdomain) == ("nieuw@vandijk.nl", "kantoor2")
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "nmbrs.settings_changed"))
    assert entry.details["username"]["to"] == "nieuw@vandijk.nl"


def test_edit_validation_is_422_and_saves_nothing(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    response = client.post(f"{URL}/edit", connect_data(token="", first_day="32"), htmx=True)
    assert response.status_code == 422 and field_error(body(response), "first_day")
    assert portal_row(world).first_day == 1


# --- disconnect ---------------------------------------------------------------------------------

def _row_counts():
    inspector = inspect(db.engine)
    return {table: db.session.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar()
            for table in inspector.get_table_names() if table != "alembic_version"}


def test_disconnect_asks_in_a_dialog_and_works_without_javascript(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    dialog = body(client.get(f"{URL}/disconnect", htmx=True))
    assert dialog.lstrip().startswith("<dialog") and "data-modal" in dialog
    assert ">Disconnect</button>" in dialog and "data-cancel" in dialog
    page = body(client.get(f"{URL}/disconnect"))
    assert "<html" in page and "<dialog" in page and " open" in page
    assert 'href="/settings/nmbrs" data-cancel autofocus>Cancel</a>' in page  # Escape = Cancel


def test_disconnect_deletes_credentials_and_keeps_everything_else(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    client.post(f"/settings/nmbrs/domains/{world.domain.id}",
                {"credentials_mode": "own", "username": "domein@vandijk.nl",
                 "token": OTHER_TOKEN, "imports_mode": "inherit", "days_mode": "inherit"},
                htmx=True)
    before = _row_counts()

    response = client.post(f"{URL}/disconnect", htmx=True)

    assert response.status_code == 200
    html = body(response)
    assert "Disconnected from Nmbrs" in html and 'id="connect-button"' in html
    # The domains table beside it is replaced too: no domain still shows the portal's user.
    assert '<section id="domains" class="panel" aria-labelledby="domains-heading" ' \
        'hx-swap-oob="true">' in html
    assert "salaris@vandijk.nl" not in html
    row = portal_row(world)
    assert row.username is None and row.token is None and row.subdomain is None
    raw = db.session.execute(text("SELECT token FROM nmbrs_settings WHERE scope = 'portal'"))
    assert raw.scalar() is None
    settings = effective_settings(world.administration)
    assert not settings.connected and not settings.auto_import_enabled
    after = _row_counts()
    # Only the audit log grew: imported documents, import history and the rest are untouched.
    assert after.pop("audit_entry") == before.pop("audit_entry") + 1
    assert after == before
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "nmbrs.disconnected"))
    # The domain's own credentials stay stored for a later reconnect.
    own = db.session.scalar(select(NmbrsSettings).where(NmbrsSettings.domain_id.is_not(None)))
    assert own.username == "domein@vandijk.nl"


def test_disconnect_without_javascript(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    response = client.post(f"{URL}/disconnect")
    assert response.status_code == 303
    assert "Connect to Nmbrs" in body(client.get(URL))


# --- secrets ------------------------------------------------------------------------------------

def _pieces(secret, size=8):
    return {secret[i:i + size] for i in range(len(secret) - size + 1)}


def test_the_token_appears_in_no_response_and_no_log_line(world, client_as, fake_nmbrs, caplog):
    caplog.set_level(logging.DEBUG)
    client = admin(world, client_as)
    d, a = world.domain.id, world.administration.id
    responses = [
        client.post(f"{URL}/connect", connect_data(first_day="0")),          # invalid
        connect(client),
        client.post(f"{URL}/edit", connect_data(token=OTHER_TOKEN), htmx=True),
        client.post(f"/settings/nmbrs/domains/{d}",
                    {"credentials_mode": "own", "username": "domein@vandijk.nl",
                     "token": TOKEN[::-1], "imports_mode": "inherit", "days_mode": "inherit"}),
        client.post(f"/settings/nmbrs/administrations/{a}",
                    {"administration-credentials_mode": "own",
                     "administration-username": "adm@vandijk.nl",
                     "administration-token": OTHER_TOKEN[::-1],
                     "administration-imports_mode": "inherit",
                     "administration-days_mode": "inherit"}),
    ]
    for url in (URL, f"{URL}/connection", f"{URL}/edit", f"{URL}/disconnect",
                f"/settings/nmbrs/domains/{d}", f"/settings/nmbrs/administrations/{a}",
                f"/settings/nmbrs/administrations/{a}/row", f"/domains/{d}", "/settings"):
        responses.append(client.get(url))
        responses.append(client.get(url, htmx=True))
    fake_nmbrs.answer = nmbrs_link.CredentialsRejected("Nmbrs does not accept this API token.")
    responses.append(client.post(f"{URL}/edit", connect_data(token=TOKEN + "x"), htmx=True))

    assert any("•••• " + OTHER_TOKEN[-4:] in body(r) for r in responses)
    secrets = (TOKEN, OTHER_TOKEN, TOKEN[::-1], OTHER_TOKEN[::-1])
    pieces = set().union(*(_pieces(secret) for secret in secrets))
    for response in responses:
        html = body(response)
        leaked = [piece for piece in pieces if piece in html]
        assert not leaked, (response.request.path, leaked)
    log = caplog.text + "\n".join(str(record.args) for record in caplog.records)
    assert "connected" in caplog.text  # the link is logged, its token is not
    assert not [piece for piece in pieces if piece in log]
    details = " ".join(str(d) for d in db.session.scalars(select(AuditEntry.details)))
    assert not [piece for piece in pieces if piece in details]


# --- overrides ----------------------------------------------------------------------------------

def test_domain_and_administration_overrides_through_the_screen(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    d, a = world.domain.id, world.administration.id

    # The domain: own import preferences (no journals), credentials and days as portal.
    response = client.post(f"/settings/nmbrs/domains/{d}", {
        "credentials_mode": "inherit", "imports_mode": "own", "days_mode": "inherit",
        "import_all_was": "y", "import_all": "y", "import_payslips": "y",
        "import_tax_assessments": "y", "first_day": "", "last_day": ""}, htmx=True)
    assert response.status_code == 200, body(response)
    assert "Settings of the domain saved" in body(response)
    settings = effective_settings(world.administration)
    assert settings.import_journals is False and settings.sources["import_journals"] == "domain"
    assert settings.sources["first_day"] == "portal" and settings.credentials_source == "portal"

    # The administration: own days (12–15), the rest as domain.
    row_form = body(client.get(f"/settings/nmbrs/administrations/{a}", htmx=True))
    assert row_form.lstrip().startswith('<tr id="administration-') and "As domain" in row_form
    response = client.post(f"/settings/nmbrs/administrations/{a}", {
        "administration-credentials_mode": "inherit", "administration-imports_mode": "inherit",
        "administration-days_mode": "own", "administration-first_day": "12",
        "administration-last_day": "15"}, htmx=True)
    assert response.status_code == 200
    html = body(response)
    assert html.lstrip().startswith('<tr id="administration-')
    assert "12–15" in html and "(administration)" in html and "(domain)" in html
    settings = effective_settings(world.administration)
    assert (settings.first_day, settings.last_day) == (12, 15)
    assert settings.sources["first_day"] == "administration"

    # The portal's domains list shows the domain's values and their sources.
    page = body(client.get(URL))
    domain_row = re.search(r'<tr id="domain-%d">.*?</tr>' % d, page, re.S).group(0)
    assert "Off <span class=\"source source-domain\">(domain)</span>" in domain_row
    assert "1 with different settings" in domain_row

    # "Use the domain settings" removes the administration's override…
    response = client.post(f"/settings/nmbrs/administrations/{a}/reset", htmx=True)
    assert response.status_code == 200
    assert effective_settings(world.administration).sources["first_day"] == "portal"
    # …and "Use the portal settings" the domain's.
    response = client.post(f"/settings/nmbrs/domains/{d}/reset", htmx=True)
    assert response.status_code == 200 and "uses the portal settings" in body(response)
    assert db.session.scalar(select(func.count(NmbrsSettings.id))) == 1
    settings = effective_settings(world.administration)
    assert settings.import_journals is True and set(settings.sources.values()) == {"portal"}
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"nmbrs.override_saved", "nmbrs.override_removed"} <= actions


@pytest.mark.parametrize("language,expected", [
    ("en", ["<title>Nmbrs settings · {administration}",
            "<h1>Nmbrs settings for {administration}</h1>",
            ">Nmbrs settings for {domain}</a>",
            "<h3>Different settings for {administration}</h3>",
            "(now: pay slips On, journals Off, tax assessments On, earlier months Off)",
            "(now: days 1–31)",
            "pay slips: On; payroll journals: Off; payroll tax assessments: On; "
            "runs of earlier months: Off"]),
    ("nl", ["<title>Nmbrs-instellingen · {administration}",
            "<h1>Nmbrs-instellingen voor {administration}</h1>",
            "<h3>Afwijkende instellingen voor {administration}</h3>",
            "(nu: loonstroken Aan, loonjournaalposten Uit, loonaangiftes Aan, eerdere maanden Uit)",
            "loonstroken: Aan; loonjournaalposten: Uit; loonaangiftes: Aan; "
            "runs van eerdere maanden: Uit"]),
])
def test_settings_pages_show_whole_sentences(world, client_as, fake_nmbrs, language, expected):
    """Names and on/off values sit inside one translated sentence, so Dutch reads in Dutch
    order (no sentence glued from English-ordered fragments)."""
    client = admin(world, client_as)
    connect(client, import_journals=None)
    headers = {"Accept-Language": language}
    administration_page = body(client.get(
        f"/settings/nmbrs/administrations/{world.administration.id}", headers=headers))
    portal_page = body(client.get(URL, headers=headers))
    shown = administration_page + portal_page
    for wanted in expected:
        assert wanted.format(administration=world.administration.name,
                             domain=world.domain.name) in shown


def test_override_validation_and_own_credentials(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    d = world.domain.id
    url = f"/settings/nmbrs/domains/{d}"
    base = {"credentials_mode": "own", "imports_mode": "inherit", "days_mode": "own",
            "username": "domein@vandijk.nl", "token": "", "first_day": "9", "last_day": "3"}

    response = client.post(url, base, htmx=True)
    assert response.status_code == 422
    html = body(response)
    assert "Enter the API token." in field_error(html, "token")
    assert "cannot be before" in field_error(html, "last_day")
    assert db.session.scalar(select(func.count(NmbrsSettings.id))) == 1

    fake_nmbrs.answer = nmbrs_link.CredentialsRejected("Nmbrs does not accept this API token.")
    response = client.post(url, {**base, "token": OTHER_TOKEN, "last_day": "20"}, htmx=True)
    assert response.status_code == 422 and "does not accept" in field_error(body(response), "token")

    fake_nmbrs.answer = "domeinomgeving"
    response = client.post(url, {**base, "token": OTHER_TOKEN, "last_day": "20"}, htmx=True)
    assert response.status_code == 200
    settings = effective_settings(world.administration)
    assert settings.username == "domein@vandijk.nl" and settings.credentials_source == "domain"
    own = db.session.scalar(select(NmbrsSettings).where(NmbrsSettings.domain_id == d))
    assert own.token == OTHER_TOKEN
    # Saving again with an empty token keeps the domain's own token, without a new check.
    calls = len(fake_nmbrs.calls)
    assert client.post(url, {**base, "last_day": "21"}, htmx=True).status_code == 200
    assert len(fake_nmbrs.calls) == calls
    db.session.refresh(own)
    assert own.token == OTHER_TOKEN and own.last_day == 21


def test_inherited_groups_ignore_their_fields(world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    response = client.post(f"/settings/nmbrs/domains/{world.domain.id}", {
        "credentials_mode": "inherit", "imports_mode": "inherit", "days_mode": "inherit",
        "username": "", "first_day": "abc"}, htmx=True)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(NmbrsSettings.id))) == 0


def test_domain_back_office_cannot_set_up_the_nmbrs_link_of_its_domain(
        world, client_as, fake_nmbrs):
    """Issue 12 item 7: only portal staff set up the link, different settings included."""
    client = client_as(world.users["domain-back-office"])
    domain_page = body(client.get(f"/domains/{world.domain.id}"))
    assert "/settings/nmbrs/domains/" not in domain_page
    assert client.get(URL).status_code == 403
    assert 'href="/settings/nmbrs"' not in body(client.get("/settings"))
    own_credentials = {"credentials_mode": "own", "username": "dbo@example.nl",
                       "token": OTHER_TOKEN, "imports_mode": "inherit", "days_mode": "own",
                       "first_day": "2", "last_day": "8"}
    administration = world.administration.id
    attempts = [
        client.get(f"/settings/nmbrs/domains/{world.domain.id}"),
        client.post(f"/settings/nmbrs/domains/{world.domain.id}", own_credentials),
        client.post(f"/settings/nmbrs/domains/{world.domain.id}/reset"),
        client.get(f"/settings/nmbrs/administrations/{administration}"),
        client.post(f"/settings/nmbrs/administrations/{administration}",
                    {f"administration-{name}": value for name, value in own_credentials.items()}),
    ]
    assert [response.status_code for response in attempts] == [403] * len(attempts)
    assert db.session.scalar(select(func.count(NmbrsSettings.id))) == 0
    assert fake_nmbrs.calls == []
    # Portal staff reach the domain's settings from the domain page.
    staff_page = body(client_as(world.users["portal-back-office"]).get(
        f"/domains/{world.domain.id}"))
    assert f'href="/settings/nmbrs/domains/{world.domain.id}"' in staff_page


def test_settings_menu_links_to_the_screen_for_portal_staff(world, client_as):
    for role in ("portal-admin", "portal-back-office"):
        html = body(client_as(world.users[role]).get("/settings"))
        assert 'href="/settings/nmbrs">Nmbrs settings</a>' in html
    assert 'href="/settings/nmbrs"' not in body(client_as(world.users["no-role"]).get("/settings"))


# --- the feature switched off ------------------------------------------------------------------

def test_feature_off_says_so_and_offers_nothing_else(world, client_as, fake_nmbrs):
    world.portal.nmbrs_enabled = False
    db.session.commit()
    client = admin(world, client_as)

    html = body(client.get(URL))
    assert "is off for this portal" in html and "flask --app app enable-feature nmbrs" in html
    assert "Connect to Nmbrs" not in html and "<form" not in html.split("</header>")[1]
    assert client.post(f"{URL}/connect", connect_data()).status_code == 409
    assert "is off" in body(client.get(f"/settings/nmbrs/domains/{world.domain.id}"))
    assert f'/settings/nmbrs/domains/{world.domain.id}"' not in body(
        client.get(f"/domains/{world.domain.id}"))
    assert db.session.scalar(select(func.count(NmbrsSettings.id))) == 0
    assert fake_nmbrs.calls == []


# --- roles --------------------------------------------------------------------------------------

ROLES = ["anonymous", "no-role", "domain-back-office", "portal-back-office", "portal-admin",
         "other-portal"]


def routes(world):
    """Route × role, in order (connect before edit and disconnect). The other portal has the
    feature off: its staff see the explanation (200) and every change is refused (409)."""
    d, a = world.domain.id, world.administration.id
    staff = lambda ok: [LOGIN, 403, 403, ok, ok]  # noqa: E731
    return [
        ("GET", URL, staff(200) + [200]),
        ("GET", f"{URL}/connect", staff(200) + [200]),
        ("POST", f"{URL}/connect", staff(303) + [409]),
        ("GET", f"{URL}/connection", staff(302) + [200]),
        ("GET", f"{URL}/edit", staff(200) + [200]),
        ("POST", f"{URL}/edit", staff(303) + [409]),
        ("GET", f"{URL}/disconnect", staff(200) + [200]),
        ("GET", f"/settings/nmbrs/domains/{d}", [LOGIN, 404, 403, 200, 200, 404]),
        ("POST", f"/settings/nmbrs/domains/{d}", [LOGIN, 404, 403, 303, 303, 404]),
        ("POST", f"/settings/nmbrs/domains/{d}/reset", [LOGIN, 404, 403, 303, 303, 404]),
        ("GET", f"/settings/nmbrs/administrations/{a}", [LOGIN, 404, 403, 200, 200, 404]),
        ("GET", f"/settings/nmbrs/administrations/{a}/row", [LOGIN, 404, 403, 302, 302, 404]),
        ("POST", f"/settings/nmbrs/administrations/{a}", [LOGIN, 404, 403, 303, 303, 404]),
        ("POST", f"/settings/nmbrs/administrations/{a}/reset", [LOGIN, 404, 403, 303, 303, 404]),
        ("POST", f"{URL}/disconnect", staff(303) + [409]),
    ]


def form_for(path):
    if path.endswith("/connect") or path.endswith("/edit"):
        return connect_data()
    if "/administrations/" in path:
        return {"administration-credentials_mode": "inherit",
                "administration-imports_mode": "inherit", "administration-days_mode": "own",
                "administration-first_day": "2", "administration-last_day": "9"}
    if "/domains/" in path:
        return {"credentials_mode": "inherit", "imports_mode": "inherit", "days_mode": "own",
                "first_day": "3", "last_day": "9"}
    return {}


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_route_role_table(world, client_as, fake_nmbrs, role_index, role):
    user = world.users.get(role)
    failures = []
    for method, path, expected_by_role in routes(world):
        expected = expected_by_role[role_index]
        client = client_as(user)
        response = (client.post(path, form_for(path)) if method == "POST" else client.get(path))
        failures += unexpected_answer(method, path, expected, response)
    assert not failures, "\n".join(failures)


def test_htmx_gets_fragments_and_401_without_a_session(world, client_as, client, fake_nmbrs):
    response = client.get(URL, htmx=True, headers={"HX-Current-URL": "http://localhost" + URL})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
    forbidden = client_as(world.users["no-role"]).get(URL, htmx=True)
    assert forbidden.status_code == 403 and "<html" not in body(forbidden)
    fragment = admin(world, client_as).get(f"{URL}/connect", htmx=True)
    assert "<html" not in body(fragment) and 'id="connection"' in body(fragment)


# --- speed --------------------------------------------------------------------------------------

def _build(world, domains: int, administrations_per_domain: int = 10):
    db.session.execute(insert(Domain), [
        {"portal_id": world.portal.id, "name": f"klant-{i:04d}", "nmbrs_enabled": i % 2 == 0}
        for i in range(domains)])
    domain_ids = db.session.scalars(
        select(Domain.id).where(Domain.name.like("klant-%")).order_by(Domain.name)).all()
    db.session.execute(insert(Administration), [
        {"domain_id": domain_id, "name": f"Administratie {domain_id}-{j}",
         "relation_code": str(j + 1), "payroll_contract": j % 2 == 0}
        for domain_id in domain_ids for j in range(administrations_per_domain)])
    administration_ids = db.session.scalars(select(Administration.id).where(
        Administration.domain_id.in_(domain_ids[:20]))).all()
    db.session.execute(insert(NmbrsSettings), [
        {"portal_id": world.portal.id, "domain_id": domain_id,
         "scope": NmbrsSettings.scope_for(domain_id=domain_id), "import_payslips": False,
         "import_journals": True, "import_tax_assessments": True, "import_late_runs": False}
        for domain_id in domain_ids[:10]] + [
        {"portal_id": world.portal.id, "administration_id": administration_id,
         "scope": NmbrsSettings.scope_for(administration_id=administration_id),
         "first_day": 4, "last_day": 6}
        for administration_id in administration_ids])
    db.session.commit()
    return domain_ids


def _count_queries(client, url):
    statements = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements), body(response)


@pytest.mark.parametrize("domains", [5, 500])
def test_the_screen_runs_a_small_constant_number_of_queries(world, client_as, fake_nmbrs,
                                                            domains):
    client = admin(world, client_as)
    connect(client)
    domain_ids = _build(world, domains)

    count, html = _count_queries(client, URL)

    assert count <= 12, count
    assert count == _count_queries(client, URL)[0]
    # Effective settings and their sources are on each row, also of later pages.
    assert '<span class="source source-domain">(domain)</span>' in html
    assert html.count('<tr id="domain-') == min(domains + 1, 50)
    if domains == 500:
        assert "Page 1 of 11" in html
        later, later_html = _count_queries(client, f"{URL}?page=11")
        assert later == count and "klant-0499" in later_html
    # A domain's page: constant too, whatever the number of administrations.
    domain_count, domain_html = _count_queries(client, f"/settings/nmbrs/domains/{domain_ids[0]}")
    assert domain_count <= 12 and "(administration)" in domain_html


def test_query_count_is_the_same_for_5_and_500_domains(world, client_as, fake_nmbrs, app):
    client = admin(world, client_as)
    connect(client)
    _build(world, 5)
    small, _ = _count_queries(client, URL)
    db.session.execute(insert(Domain), [
        {"portal_id": world.portal.id, "name": f"groot-{i:04d}", "nmbrs_enabled": True}
        for i in range(495)])
    domain_ids = db.session.scalars(select(Domain.id).where(Domain.name.like("groot-%"))).all()
    db.session.execute(insert(Administration), [
        {"domain_id": domain_id, "name": f"Groot {domain_id}-{j}", "relation_code": "1"}
        for domain_id in domain_ids for j in range(10)])
    db.session.commit()
    large, _ = _count_queries(client, URL)
    assert small == large


# --- connect against a fake Nmbrs (`responses`): runs once the Nmbrs client is merged ------------

SOAP_OK = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    '<Environment_GetResponse xmlns="https://api.nmbrs.nl/soap/v3/DebtorService">'
    "<Environment_GetResult><Domain>x</Domain><SubDomain>kantoor</SubDomain>"
    "</Environment_GetResult></Environment_GetResponse></soap:Body></soap:Envelope>"
)
SOAP_FAULT_1001 = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Server was unable to process "
    "request. ---&gt; 1001: Invalid Authentication</faultstring><detail /></soap:Fault>"
    "</soap:Body></soap:Envelope>"
)
ENVIRONMENT_GET = "https://api.nmbrs.nl/soap/v3/DebtorService/Environment_Get"


@pytest.fixture
def nmbrs_http(app):
    """`responses` intercepting requests to the configured Nmbrs SOAP URL."""
    import responses

    app.config["NMBRS_RETRY_BUDGET_SECONDS"] = 0  # "down" answers at once, without retries
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.url = app.config["NMBRS_SOAP_URL"].rstrip("/") + "/DebtorService.asmx"
        yield mock


def soap_action(expected):
    """A `responses` matcher for the SOAPAction header (SOAP 1.1 sends it quoted)."""
    def match(request):
        action = request.headers.get("SOAPAction", "").strip('"')
        return action == expected, f"SOAPAction {action!r} is not {expected!r}"
    return match


def test_connect_with_good_credentials_against_nmbrs(world, client_as, nmbrs_http):
    nmbrs_http.post(nmbrs_http.url, body=SOAP_OK, status=200,
                    content_type="text/xml; charset=utf-8", match=[soap_action(ENVIRONMENT_GET)])
    response = connect(admin(world, client_as))
    assert response.status_code == 200, body(response)
    row = portal_row(world)
    assert row.subdomain == "kantoor" and row.token == TOKEN
    sent = nmbrs_http.calls[0].request.body
    sent = sent.decode() if isinstance(sent, bytes) else sent
    assert "salaris@vandijk.nl" in sent
    # Environment_Get finds the sub-domain, so it cannot send one: the plain AuthHeader (§3.1).
    assert "<AuthHeader " in sent and "AuthHeaderWithDomain" not in sent


def test_connect_with_bad_credentials_against_nmbrs(world, client_as, nmbrs_http):
    nmbrs_http.post(nmbrs_http.url, body=SOAP_FAULT_1001, status=500,
                    content_type="text/xml; charset=utf-8")
    response = connect(admin(world, client_as))
    assert response.status_code == 422
    html = body(response)
    assert field_error(html, "token")
    assert re.search(r'<input [^>]*id="username"[^>]*value="salaris@vandijk.nl"', html)
    assert portal_row(world) is None


@pytest.mark.parametrize("failure", ["connection-error", "503"])
def test_connect_while_nmbrs_is_down(world, client_as, nmbrs_http, failure):
    import requests

    if failure == "503":
        nmbrs_http.post(nmbrs_http.url, body="Service Unavailable", status=503)
    else:
        nmbrs_http.post(nmbrs_http.url, body=requests.ConnectionError("Nmbrs is down"))
    response = connect(admin(world, client_as))
    assert response.status_code == 422
    html = body(response)
    assert 'role="alert"' in html and field_error(html, "token") == ""
    assert portal_row(world) is None


def test_boosted_navigation_gets_whole_pages(world, client_as):
    """hx-boost on <body> swaps the whole page: a boosted request must not get a fragment."""
    client = admin(world, client_as)
    for url in (URL, f"/settings/nmbrs/domains/{world.domain.id}", "/domains"):
        response = client.get(url, htmx=True, headers={"HX-Boosted": "true"})
        assert "<html" in body(response), url


# --- in Dutch -----------------------------------------------------------------------------------

DUTCH = {"Accept-Language": "nl"}


def test_in_dutch_the_connection_summary_and_the_domains_list_read_as_dutch_sentences(
        world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client, first_day="3", last_day="28")
    client.post(f"/settings/nmbrs/administrations/{world.administration.id}", {
        "administration-credentials_mode": "inherit", "administration-imports_mode": "inherit",
        "administration-days_mode": "own", "administration-first_day": "12",
        "administration-last_day": "15"}, htmx=True)

    page = body(client.get(URL, headers=DUTCH))
    row_form = body(client.get(f"/settings/nmbrs/administrations/{world.administration.id}",
                               htmx=True, headers=DUTCH))

    assert "dag 3 tot en met 28 van de maand" in page
    assert "door admin@example.nl op " in page  # connected by … on …
    domain_row = re.search(r'<tr id="domain-%d">.*?</tr>' % world.domain.id, page, re.S).group(0)
    assert re.search(r"\d+ \(waarvan 1 met afwijkende instellingen\)", domain_row)
    assert "Zoals het domein" in row_form and "dagen 3–28" in row_form  # what "as domain" is now


def test_in_dutch_the_pages_of_the_domains_list_are_counted_in_a_sentence(world, client_as,
                                                                          fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    _build(world, 60, administrations_per_domain=1)

    page = body(client.get(URL, headers=DUTCH))

    assert "Pagina 1 van 2 (61 domeinen)" in page


def test_in_dutch_the_disconnect_question_counts_the_own_credentials_in_a_sentence(
        world, client_as, fake_nmbrs):
    client = admin(world, client_as)
    connect(client)
    client.post(f"/settings/nmbrs/domains/{world.domain.id}", {
        "credentials_mode": "own", "username": "domein@vandijk.nl", "token": OTHER_TOKEN,
        "imports_mode": "inherit", "days_mode": "inherit"}, htmx=True)

    dialog = body(client.get(f"{URL}/disconnect", htmx=True, headers=DUTCH))

    assert "1 domein of administratie heeft eigen inloggegevens." in dialog
