"""Portal administrators switch *Payroll connection – Nmbrs* on and off in Settings; the
operator's lock keeps it off and the screen says so."""

import pytest

from portal.extensions import db
from portal.models import AuditEntry, Portal
from tests.conftest import LOGIN, unexpected_answer


def _portal(world) -> Portal:
    return db.session.get(Portal, world.portal.id)


def test_an_administrator_switches_the_feature_off_and_on(world, client_as):
    client = client_as(world.users["portal-admin"])
    page = client.get("/settings").get_data(as_text=True)
    assert "Switch off for the portal" in page

    assert client.post("/settings/nmbrs-feature", data={"enabled": ""}).status_code == 303
    assert _portal(world).nmbrs_enabled is False
    assert "Switch on for the portal" in client.get("/settings").get_data(as_text=True)

    assert client.post("/settings/nmbrs-feature", data={"enabled": "y"}).status_code == 303
    assert _portal(world).nmbrs_enabled is True
    actions = [entry.action for entry in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions[-2:] == ["portal.nmbrs_feature_disabled", "portal.nmbrs_feature_enabled"]


def test_a_locked_feature_says_so_and_cannot_be_switched_on(world, client_as):
    portal = _portal(world)
    portal.nmbrs_enabled, portal.nmbrs_locked = False, True
    db.session.commit()
    client = client_as(world.users["portal-admin"])

    page = client.get("/settings").get_data(as_text=True)
    assert "Locked off by the operator" in page
    assert 'id="nmbrs-feature-switch" type="submit" disabled' in page

    response = client.post("/settings/nmbrs-feature", data={"enabled": "y"})
    assert response.status_code == 422
    assert "locked off by the operator" in response.get_data(as_text=True)
    assert _portal(world).nmbrs_enabled is False


def test_the_operator_locks_and_unlocks_with_the_cli(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["enable-feature", "nmbrs", "--disable", "--lock"])
    assert "off and locked" in result.output
    portal = _portal(world)
    assert (portal.nmbrs_enabled, portal.nmbrs_locked) == (False, True)
    runner.invoke(args=["enable-feature", "nmbrs"])
    db.session.expire_all()
    portal = _portal(world)
    assert (portal.nmbrs_enabled, portal.nmbrs_locked) == (True, False)


@pytest.mark.parametrize("role, expected", [
    (None, LOGIN), ("no-role", 403), ("domain-back-office", 403), ("portal-back-office", 403),
    ("portal-admin", 303),
])
def test_only_portal_administrators_switch_the_feature(world, client_as, role, expected):
    user = world.users[role] if role else None
    response = client_as(user).post("/settings/nmbrs-feature", data={"enabled": ""})
    assert not unexpected_answer("POST", "/settings/nmbrs-feature", expected, response)
    assert _portal(world).nmbrs_enabled is (expected != 303)


def test_only_administrators_see_the_switch(world, client_as):
    page = client_as(world.users["portal-back-office"]).get("/settings").get_data(as_text=True)
    assert "nmbrs-feature-switch" not in page
