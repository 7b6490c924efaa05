"""Dutch by default, English as the second language; dates in Amsterdam time; euro amounts."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.i18n import format_day, format_kilobytes, format_moment, format_money
from tests.conftest import fresh_app


@pytest.fixture
def app(tmp_path):
    """The app as installed: Dutch unless the user or the browser asks for English."""
    with fresh_app(tmp_path, BABEL_DEFAULT_LOCALE="nl") as app:
        yield app


def _formatted(app, language, function, value):
    # A fresh app context per request, as in production (the locale is cached in it).
    with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
        return function(value)


# -- formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_utc_time_is_shown_in_amsterdam_time_in_both_languages(app, language):
    # 13:05 UTC in winter is 14:05 in Amsterdam (CET, UTC+1).
    assert _formatted(app, language, format_moment, datetime(2026, 11, 30, 13, 5)) == \
        "30-11-2026 14:05"


def test_summer_time_is_two_hours_ahead_of_utc(app):
    assert _formatted(app, "nl", format_moment, datetime(2026, 7, 1, 22, 30)) == "02-07-2026 00:30"


def test_dates_are_day_month_year(app):
    assert _formatted(app, "nl", format_day, date(2026, 3, 9)) == "09-03-2026"
    assert _formatted(app, "en", format_day, date(2026, 3, 9)) == "09-03-2026"
    # A stored UTC moment late in the evening is the next day in Amsterdam.
    assert _formatted(app, "nl", format_day, datetime(2026, 12, 31, 23, 30)) == "01-01-2027"


def test_amounts_in_dutch_and_english(app):
    assert _formatted(app, "nl", format_money, Decimal("1234.56")) == "€\u00a01.234,56"
    assert _formatted(app, "en", format_money, Decimal("1234.56")) == "€1,234.56"
    assert _formatted(app, "nl", format_money, Decimal("-0.5")) == "€\u00a0-0,50"
    assert _formatted(app, "nl", format_money, None) == "€\u00a00,00"


def test_file_sizes_in_kilobytes_in_dutch_and_english(app):
    assert _formatted(app, "nl", format_kilobytes, 12595) == "12,3"
    assert _formatted(app, "en", format_kilobytes, 12595) == "12.3"
    assert _formatted(app, "nl", format_kilobytes, 2_000_000) == "1.953,1"


def test_missing_moments_show_a_dash(app):
    assert _formatted(app, "nl", format_moment, None) == "—"
    assert _formatted(app, "nl", format_day, None) == "—"


# -- choosing the language ----------------------------------------------------------------


def test_dutch_is_the_default(world, client_as):
    page = client_as(world.users["portal-admin"]).get("/settings").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Instellingen" in page and "Wachtwoord wijzigen" in page


def test_a_browser_asking_for_english_gets_english(world, client_as):
    client = client_as(world.users["portal-admin"])
    page = client.get("/settings", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True)
    assert '<html lang="en">' in page and "Change your password" in page


def test_the_users_choice_beats_the_browser(world, client_as):
    user = world.users["portal-back-office"]
    client = client_as(user)
    response = client.post("/settings/language", data={"locale": "en"},
                           headers={"Accept-Language": "nl"})
    assert response.status_code == 303
    assert db.session.get(type(user), user.id).locale == "en"
    page = client.get("/settings", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Change your password" in page

    client.post("/settings/language", data={"locale": ""})
    page = client.get("/settings", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Wachtwoord wijzigen" in page


def test_an_unknown_language_is_refused_on_the_field(world, client_as):
    user = world.users["domain-back-office"]
    response = client_as(user).post("/settings/language", data={"locale": "fr"})
    assert response.status_code == 422
    assert "Kies een taal uit de lijst." in response.get_data(as_text=True)
    assert db.session.get(type(user), user.id).locale is None


def test_changing_the_language_needs_the_csrf_token(world, client_as):
    response = client_as(world.users["portal-admin"]).post(
        "/settings/language", data={"locale": "en"}, csrf=False)
    assert response.status_code == 400


def test_the_committed_mo_file_matches_the_catalogue():
    """The .mo is committed (a clean clone needs no build step): it must be compiled from the
    current .po. Run `make translations` after editing the catalogue."""
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = Path(__file__).resolve().parent.parent / "translations/nl/LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    def table(catalog, only_translated=False):
        def plain(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {plain(m.id): plain(m.string)
                for m in catalog if m.id and (not only_translated or (m.string and not m.fuzzy))}

    assert table(compiled) == table(source, only_translated=True)


# -- texts made in Python -----------------------------------------------------------------


@pytest.mark.parametrize("language,expected", [
    ("nl", (["Loonstroken: 3", "Loonjournaalposten: 1", "Medewerkers aangemaakt: 2"],
            "Handmatige import", "geslaagd", "Aan voor alle administraties")),
    ("en", (["Pay slips: 3", "Journal entries: 1", "Employees created: 2"],
            "Manual import", "succeeded", "On for all administrations")),
])
def test_import_history_labels_and_summaries_in_both_languages(app, language, expected):
    from portal.models import ImportStatus
    from portal.services.import_overview import KIND_LABELS, summary_lines

    with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
        from flask_babel import gettext

        lines = summary_lines({"payslips": 3, "journal": 1, "employees_created": 2,
                               "annual_statements": 0})
        shown = (lines, str(KIND_LABELS["manual"]), ImportStatus.SUCCEEDED.label,
                 gettext("On for all administrations"))
    assert shown == expected
