"""The daily consent check against the REST sandbox: refreshes, and tasks for consents that
cannot be refreshed or expire within 7 days."""

from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from portal import demo_data
from portal.extensions import db
from portal.models import NmbrsConsent, Task
from portal.models._common import utcnow
from portal.nmbrs.sandbox.rest_server import running_rest_sandbox
from portal.services.nmbrs_consent_refresh import refresh_all_consents
from tests.conftest import fresh_app, redis_url
from tests.nmbrs_rest.rest_helpers import connect_domain


@pytest.fixture(scope="module")
def sandbox():
    with running_rest_sandbox() as running:
        yield running


@pytest.fixture
def app(tmp_path, sandbox):
    with fresh_app(tmp_path, NMBRS_IDENTITY_URL=sandbox.root, NMBRS_REST_URL=sandbox.root) as app:
        yield app


@pytest.fixture
def redis():
    connection = Redis.from_url(redis_url(11))
    yield connection
    connection.close()


@pytest.fixture
def consent(world, sandbox):
    world.domain.name = demo_data.DOMAINS[0].name
    return connect_domain(sandbox, world.domain)


def reloaded(consent) -> NmbrsConsent:
    db.session.expire_all()
    return db.session.get(NmbrsConsent, consent.id)


def test_a_healthy_consent_is_refreshed_without_a_task(consent, redis, sandbox):
    before = reloaded(consent).refresh_token
    refreshes = sandbox.identity.state.refreshes

    outcome = refresh_all_consents(redis)

    assert (outcome.refreshed, outcome.tasks) == (1, 0)
    assert reloaded(consent).refresh_token != before
    assert sandbox.identity.state.refreshes == refreshes + 1
    assert db.session.scalar(select(Task)) is None


def test_a_consent_nmbrs_refuses_becomes_a_task_naming_the_domain(consent, redis, world):
    row = reloaded(consent)
    row.refresh_token = "revoked-in-nmbrs"
    db.session.commit()

    outcome = refresh_all_consents(redis)

    task = db.session.scalar(select(Task))
    assert outcome.tasks == 1
    assert task.title == f"Reconnect domain {world.domain.name} with Nmbrs."
    assert "refused to refresh" in task.message
    assert task.links[0][0] == "Reconnect" and "/settings/nmbrs/rest" in task.links[0][1]
    assert reloaded(consent).refresh_failed_at is not None


def test_a_consent_expiring_within_7_days_becomes_a_task(consent, redis):
    row = reloaded(consent)
    row.refresh_token_expires_at = utcnow() + timedelta(days=3)
    db.session.commit()

    outcome = refresh_all_consents(redis)

    task = db.session.scalar(select(Task))
    assert (outcome.refreshed, outcome.tasks) == (1, 1)
    assert "expires on" in task.message and "Reconnect" in task.message
