"""The import page's disabled states (rendered and refused on the server) and its statuses that
say what is missing and why (issue 15)."""

import pytest

from portal.extensions import db
from portal.models import Administration, ImportRun, NmbrsSettings, Portal
from portal.models._common import utcnow
from portal.services.import_overview import RunOverview

POSTS = ("import", "import/employees", "import/work-costs")


def _connect(world, rejected=False):
    db.session.add(NmbrsSettings(portal_id=world.portal.id, scope="portal", username="u@x.nl",
                                 token="t", credentials_rejected_at=utcnow() if rejected else None))
    db.session.commit()


def _no_contract(world):
    administration = db.session.get(Administration, world.administration.id)
    administration.payroll_contract = False
    db.session.commit()


def _feature_off(world):
    db.session.get(Portal, world.portal.id).nmbrs_enabled = False
    db.session.commit()


STATES = {
    "disconnected": (lambda world: None, "Nmbrs is not connected"),
    "paused": (lambda world: _connect(world, rejected=True), "The Nmbrs link is paused"),
    "no-contract": (lambda world: (_connect(world), _no_contract(world)),
                    "This administration has no payroll contract"),
    "feature-off": (lambda world: (_connect(world), _feature_off(world)),
                    "Payroll connection – Nmbrs is off for the portal"),
}


@pytest.mark.parametrize("state", list(STATES))
def test_the_import_page_disables_its_controls_and_says_why(world, client_as, state):
    arrange, reason = STATES[state]
    arrange(world)
    page = client_as(world.users["portal-back-office"]).get(
        f"/administrations/{world.administration.id}/import").get_data(as_text=True)
    assert 'id="import-blocked"' in page and reason in page
    assert 'id="import-employees" disabled aria-describedby="import-blocked"' in page
    assert 'id="retrieve-work-costs" disabled aria-describedby="import-blocked"' in page
    assert 'id="start-import"' not in page


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("htmx", [False, True])
def test_imports_are_refused_on_the_server_with_the_reason(world, client_as, state, htmx):
    arrange, reason = STATES[state]
    arrange(world)
    client = client_as(world.users["portal-admin"])
    for path in POSTS:
        response = client.post(f"/administrations/{world.administration.id}/{path}",
                               data={"year": "2026", "run_ids": ["1"], "documents": ["journal"]},
                               htmx=htmx)
        assert response.status_code == 422, path
        assert reason in response.get_data(as_text=True), path
    assert db.session.query(ImportRun).count() == 0


def test_a_connected_administration_with_a_contract_is_not_blocked(world):
    from portal.services.import_guard import import_blocked_reason

    _connect(world)
    assert import_blocked_reason(db.session.get(Administration, world.administration.id)) is None


def _run(**values):
    base = dict(id=1, number=5, year=2026, period_label="May 2026", description="", journal=True,
                payslips=3, employees=3, tax_assessment=True, late=False)
    return RunOverview(**{**base, **values})


def test_statuses_say_what_is_missing_and_why(app):
    with app.test_request_context():
        assert _run().status == "Imported" and _run().missing == []
        waiting = _run(tax_assessment=False)
        assert waiting.status == "Imported; tax assessment not yet made in Nmbrs"
        assert waiting.missing == ["payroll tax assessment (not yet made in Nmbrs)"]
        partly = _run(payslips=1, journal=False)
        assert partly.status == "Partly imported"
        assert partly.missing == ["payroll journal entry", "2 of 3 pay slips"]
        late = _run(payslips=0, journal=False, tax_assessment=False, late=True)
        assert late.status == "Missing from an earlier month"
        nothing = _run(payslips=0, journal=False, tax_assessment=False, employees=None)
        assert nothing.status == "Not imported yet" and nothing.missing == []


def test_pay_slips_count_the_runs_own_employees(app):
    # The run paid 2 employees; the administration has more today: the run is complete.
    assert _run(payslips=2, employees=2).fully_imported
    assert not _run(payslips=2, employees=3).fully_imported


def test_statuses_in_dutch(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert _run(tax_assessment=False).status == \
            "Geïmporteerd; loonaangifte nog niet gemaakt in Nmbrs"
