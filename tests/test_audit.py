"""The audit log names who made a change: the view passes the actor, services never look it up."""

from flask_login import login_user
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry
from portal.services import structure


def entry(action: str) -> AuditEntry:
    return db.session.scalar(select(AuditEntry).where(AuditEntry.action == action))


def test_changes_through_the_screens_name_the_signed_in_user(world, client_as):
    admin = world.users["portal-admin"]
    client = client_as(admin)
    client.post(f"/domains/{world.domain.id}/administrations",
                {"name": "Tweede B.V.", "relation_code": "2"})
    client.post(f"/domains/{world.domain.id}/nmbrs-feature", {"enabled": "y"})
    client.post(f"/settings/nmbrs/domains/{world.domain.id}", {
        "credentials_mode": "inherit", "imports_mode": "inherit", "days_mode": "own",
        "first_day": "3", "last_day": "9"})
    for action in ("administration.created", "domain.nmbrs_feature_enabled",
                   "nmbrs.override_saved"):
        assert entry(action).user_id == admin.id, action


def test_a_service_does_not_take_the_actor_from_the_request(world, app):
    with app.test_request_context("/"):
        login_user(world.users["portal-admin"])
        structure.create_domain(world.portal, "zonder-actor")
        db.session.commit()
    assert entry("domain.created").user_id is None
