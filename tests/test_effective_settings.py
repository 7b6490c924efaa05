"""The effective Nmbrs settings: administration → domain → portal, computed in one place."""

from datetime import date

import pytest
from sqlalchemy import event, insert, select, text

from portal.extensions import db
from portal.models import Administration, AuditEntry, Domain, NmbrsSettings
from portal.models._common import utcnow
from portal.services import nmbrs_link
from portal.services.effective_settings import (
    DEFAULTS,
    EffectiveSettings,
    credentials_for,
    effective_settings,
    effective_settings_for_all,
    mark_credentials_rejected,
)
from tests.nmbrs_helpers import TOKEN, fake_nmbrs  # noqa: F401

CREDS = {"username": "portal@vandijk.nl", "token": TOKEN, "subdomain": "kantoor"}
DOMAIN_CREDS = {"username": "domein@vandijk.nl", "token": "domain-token-1234", "subdomain": "d"}
ADMIN_CREDS = {"username": "admin@vandijk.nl", "token": "admin-token-5678", "subdomain": "a"}
ALL_OFF = {"import_payslips": False, "import_journals": False, "import_tax_assessments": False,
           "import_late_runs": False}
JOURNALS_OFF = {"import_payslips": True, "import_journals": False, "import_tax_assessments": True,
                "import_late_runs": True}
DAYS_5_20 = {"first_day": 5, "last_day": 20}
DAYS_10_12 = {"first_day": 10, "last_day": 12}

P, D, A = "portal", "domain", "administration"

# (case, feature on, portal row, domain row, administration row, expected values and sources)
CASES = [
    ("nothing stored", True, None, None, None,
     {"connected": False, "username": None, "credentials_source": P, **DEFAULTS,
      "sources": dict.fromkeys(["credentials", "import_payslips", "import_journals",
                                "import_tax_assessments", "import_late_runs", "first_day",
                                "last_day"], P)}),
    ("portal connected with defaults", True, {**CREDS}, None, None,
     {"connected": True, "username": CREDS["username"], "credentials_row": P, **DEFAULTS}),
    ("portal preferences", True, {**CREDS, **JOURNALS_OFF, **DAYS_5_20}, None, None,
     {"connected": True, **JOURNALS_OFF, **DAYS_5_20,
      "source_of": {"import_journals": P, "first_day": P}}),
    ("domain imports, portal days", True, {**CREDS, **DAYS_5_20}, {**JOURNALS_OFF}, None,
     {"connected": True, **JOURNALS_OFF, **DAYS_5_20,
      "source_of": {"import_journals": D, "import_late_runs": D, "first_day": P,
                    "credentials": P}}),
    ("administration days beat domain days", True, {**CREDS}, {**DAYS_5_20}, {**DAYS_10_12},
     {"connected": True, **DAYS_10_12, "source_of": {"first_day": A, "last_day": A,
                                                      "import_payslips": P}}),
    ("domain credentials", True, {**CREDS}, {**DOMAIN_CREDS}, {**DAYS_10_12},
     {"connected": True, "username": DOMAIN_CREDS["username"], "credentials_source": D,
      "credentials_row": D, "source_of": {"first_day": A}}),
    ("administration credentials beat domain's", True, {**CREDS}, {**DOMAIN_CREDS},
     {**ADMIN_CREDS},
     {"connected": True, "username": ADMIN_CREDS["username"], "credentials_source": A,
      "credentials_row": A}),
    ("portal disconnected: own credentials unused", True, {**JOURNALS_OFF}, None,
     {**ADMIN_CREDS},
     {"connected": False, "credentials_id": None, "credentials_source": A, **JOURNALS_OFF,
      "auto_import_enabled": False}),
    ("feature off for the portal", False, {**CREDS}, None, None,
     {"connected": False, "credentials_id": None, "auto_import_enabled": False}),
    ("credentials rejected: paused", True, {**CREDS, "credentials_rejected_at": utcnow()},
     None, None,
     {"connected": True, "paused": True, "auto_import_enabled": False}),
    ("rejected portal credentials do not pause own ones", True,
     {**CREDS, "credentials_rejected_at": utcnow()}, None, {**ADMIN_CREDS},
     {"connected": True, "paused": False, "credentials_row": A, "auto_import_enabled": True}),
    ("all imports off", True, {**CREDS}, {**ALL_OFF}, None,
     {"connected": True, **ALL_OFF, "auto_import_enabled": False}),
    ("only runs of earlier months on", True, {**CREDS}, None,
     {**ALL_OFF, "import_late_runs": True},
     {"connected": True, "import_late_runs": True, "auto_import_enabled": False}),
]


def _store(world, portal_values, domain_values, administration_values):
    rows = {}
    for level, values, kwargs in (
        (P, portal_values, {}),
        (D, domain_values, {"domain_id": world.domain.id}),
        (A, administration_values, {"administration_id": world.administration.id}),
    ):
        if values is None:
            continue
        row = NmbrsSettings(portal_id=world.portal.id, scope=NmbrsSettings.scope_for(**kwargs),
                            **kwargs, **values)
        db.session.add(row)
        rows[level] = row
    db.session.commit()
    return rows


@pytest.mark.parametrize("case,feature,portal_values,domain_values,administration_values,expected",
                         CASES, ids=[case[0] for case in CASES])
def test_effective_settings_table(world, case, feature, portal_values, domain_values,
                                  administration_values, expected):
    world.portal.nmbrs_enabled = feature
    rows = _store(world, portal_values, domain_values, administration_values)

    settings = effective_settings(world.administration)

    assert isinstance(settings, EffectiveSettings)
    for name, value in expected.items():
        if name == "credentials_row":
            assert settings.credentials_id == rows[value].id
        elif name == "source_of":
            for setting, level in value.items():
                assert settings.sources[setting] == level, setting
        else:
            assert getattr(settings, name) == value, name
    # Every value of the bulk function equals the one-administration function.
    assert effective_settings_for_all(world.portal)[world.administration.id] == settings


def test_the_settings_are_frozen(world):
    settings = effective_settings(world.administration)
    with pytest.raises(AttributeError):
        settings.connected = True  # type: ignore[misc]


@pytest.mark.parametrize("first,last,day,inside", [
    (1, 31, date(2026, 2, 28), True),
    (1, 31, date(2026, 1, 31), True),
    (29, 31, date(2026, 2, 28), True),    # 29–31 in a 28-day February: the 28th
    (29, 31, date(2026, 2, 27), False),
    (30, 31, date(2028, 2, 29), True),    # leap year
    (31, 31, date(2026, 4, 30), True),    # the 31st of April is the 30th
    (31, 31, date(2026, 4, 29), False),
    (5, 20, date(2026, 3, 4), False),
    (5, 20, date(2026, 3, 5), True),
    (5, 20, date(2026, 3, 20), True),
    (5, 20, date(2026, 3, 21), False),
])
def test_in_window(first, last, day, inside):
    settings = EffectiveSettings(
        connected=True, credentials_id=1, username="u", credentials_source="portal",
        import_payslips=True, import_journals=True, import_tax_assessments=True,
        import_late_runs=False, first_day=first, last_day=last, sources={}, paused=False)
    assert settings.in_window(day) is inside


def test_for_all_covers_every_administration_with_an_active_contract(world):
    _store(world, {**CREDS}, {**JOURNALS_OFF}, None)
    without = Administration(domain=world.domain, name="Zonder contract B.V.",
                             relation_code="2", payroll_contract=False)
    domain_feature = Domain(portal=world.portal, name="domein-feature", nmbrs_enabled=True)
    by_feature = Administration(domain=domain_feature, name="Via domein B.V.", relation_code="1")
    db.session.add_all([without, domain_feature, by_feature])
    db.session.commit()

    everything = effective_settings_for_all(world.portal)

    assert set(everything) == {world.administration.id, by_feature.id}
    assert everything[world.administration.id].import_journals is False
    assert everything[by_feature.id].import_journals is True
    same_link = everything[world.administration.id].credentials_id
    assert everything[by_feature.id].credentials_id == same_link


def test_for_all_runs_a_constant_number_of_queries(world):
    _store(world, {**CREDS}, None, None)
    domain_ids = []
    db.session.execute(insert(Domain), [
        {"portal_id": world.portal.id, "name": f"klant-{i}", "nmbrs_enabled": i % 2 == 0}
        for i in range(500)])
    domain_ids = db.session.scalars(select(Domain.id).where(Domain.name.like("klant-%"))).all()
    db.session.execute(insert(Administration), [
        {"domain_id": domain_id, "name": f"Adm {domain_id}-{j}", "relation_code": str(j),
         "payroll_contract": j % 3 == 0}
        for domain_id in domain_ids for j in range(10)])
    db.session.execute(insert(NmbrsSettings), [
        {"portal_id": world.portal.id, "domain_id": domain_id,
         "scope": NmbrsSettings.scope_for(domain_id=domain_id), "first_day": 3, "last_day": 9}
        for domain_id in domain_ids[:50]])
    db.session.commit()
    db.session.expire_all()
    portal = world.portal
    portal.nmbrs_enabled  # noqa: B018 - loaded before counting

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        everything = effective_settings_for_all(portal)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert len(statements) <= 3, statements  # settings rows, administrations, REST domains
    expected = 1 + sum(1 for i in range(500) for j in range(10) if i % 2 == 0 or j % 3 == 0)
    assert len(everything) == expected
    assert sum(1 for s in everything.values() if s.sources["first_day"] == "domain") > 0


def test_credentials_for_decrypts_and_the_database_holds_ciphertext(world):
    rows = _store(world, {**CREDS}, None, None)
    stored = db.session.execute(text("SELECT token FROM nmbrs_settings")).scalar()
    assert TOKEN not in stored and stored.startswith("gAAAA")
    assert credentials_for(rows[P].id) == (CREDS["username"], TOKEN)
    with pytest.raises(LookupError):
        credentials_for(rows[P].id + 100)


def test_rejected_credentials_pause_until_they_change(world, fake_nmbrs):
    rows = _store(world, {**CREDS}, None, None)
    credentials_id = effective_settings(world.administration).credentials_id

    mark_credentials_rejected(credentials_id)
    db.session.commit()
    settings = effective_settings(world.administration)
    assert settings.paused and not settings.auto_import_enabled
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "nmbrs.credentials_rejected"))

    prefs = {name: getattr(settings, name) for name in (
        "import_payslips", "import_journals", "import_tax_assessments", "import_late_runs",
        "first_day", "last_day")}
    nmbrs_link.update_connection(world.portal, CREDS["username"], "a-new-token-9999", prefs)
    db.session.commit()
    settings = effective_settings(world.administration)
    assert not settings.paused and settings.auto_import_enabled
    assert settings.credentials_id == rows[P].id


def test_a_domain_on_rest_is_connected_by_its_consent_alone(world, fake_nmbrs):
    """A portal can run on REST alone (after 1 March 2027 it must), and SOAP credentials that
    Nmbrs rejects do not pause a domain that imports over REST."""
    from portal.models import NmbrsConsent

    assert not effective_settings(world.administration).connected  # no link at all yet
    consent = NmbrsConsent(portal_id=world.portal.id, domain=world.domain, debtor_guid="g",
                           refresh_token="r", active_since=utcnow())
    db.session.add(consent)
    db.session.commit()

    settings = effective_settings(world.administration)
    everything = effective_settings_for_all(world.portal)
    assert settings.connected and settings.protocol == "rest" and settings.auto_import_enabled
    assert settings.credentials_id is None  # no SOAP credentials are involved
    assert everything[world.administration.id] == settings
    assert not effective_settings(world.other_administration).connected  # another portal

    _store(world, {**CREDS}, None, None)  # SOAP connected too, then Nmbrs rejects it
    mark_credentials_rejected(effective_settings(world.administration).credentials_id)
    db.session.commit()
    assert not effective_settings(world.administration).paused  # REST goes on
    consent.active_since = None  # back on SOAP: paused like every SOAP domain
    db.session.commit()
    assert effective_settings(world.administration).paused


def test_saving_paused_credentials_verifies_them_again(world, fake_nmbrs):
    """Issue 10: saving unchanged credentials that Nmbrs rejected earlier asks Nmbrs again;
    still rejected keeps the pause, accepted lifts it (before, nothing was verified)."""
    _store(world, {**CREDS}, None, None)
    credentials_id = effective_settings(world.administration).credentials_id
    mark_credentials_rejected(credentials_id)
    db.session.commit()
    prefs = {**DEFAULTS, "first_day": 2}
    fake_nmbrs.answer = nmbrs_link.CredentialsRejected("Nmbrs does not accept this API token.")
    with pytest.raises(nmbrs_link.CredentialsRejected):
        nmbrs_link.update_connection(world.portal, CREDS["username"], None, prefs)
    db.session.rollback()
    assert effective_settings(world.administration).paused

    fake_nmbrs.answer = "kantoor"
    changes = nmbrs_link.update_connection(world.portal, CREDS["username"], None, prefs)
    db.session.commit()
    assert changes["imports_resumed"] is True
    assert not effective_settings(world.administration).paused
    assert fake_nmbrs.calls == [(CREDS["username"], TOKEN)] * 2


def test_saving_unchanged_working_credentials_asks_nmbrs_nothing(world, fake_nmbrs):
    _store(world, {**CREDS}, None, None)
    nmbrs_link.update_connection(world.portal, CREDS["username"], None,
                                 {**DEFAULTS, "first_day": 2})
    assert fake_nmbrs.calls == []
