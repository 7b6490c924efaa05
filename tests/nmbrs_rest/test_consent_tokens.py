"""Tokens that never get lost: rotation stored before use, one refresh for two workers, and
invalid_grant after a concurrent rotation."""

import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import redis as redis_lib
import responses
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import NmbrsConsent
from portal.models._common import utcnow
from portal.nmbrs.rest.oauth import InvalidGrant, NmbrsOAuth
from portal.services.nmbrs_consent_tokens import ConsentTokens, lock_name
from tests.conftest import redis_url

IDENTITY = "https://identityservice.nmbrs.com"
TOKEN_URL = f"{IDENTITY}/connect/token"


class RotatingIdentity:
    """A token endpoint that rotates: each refresh token works once."""

    def __init__(self, valid: set[str], delay: float = 0.0, before_answer=None):
        self.valid = set(valid)
        self.issued = 0
        self.delay = delay
        self.before_answer = before_answer
        self.lock = threading.Lock()

    def __call__(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        if self.before_answer:
            self.before_answer(form["refresh_token"])
        time.sleep(self.delay)
        with self.lock:
            if form["refresh_token"] not in self.valid:
                return 400, {}, '{"error": "invalid_grant"}'
            self.valid.discard(form["refresh_token"])
            self.issued += 1
            new = f"r{self.issued + 1}"
            self.valid.add(new)
        return 200, {"Content-Type": "application/json"}, (
            f'{{"access_token": "a{self.issued + 1}", "refresh_token": "{new}", '
            f'"expires_in": 3600, "token_type": "Bearer", "scope": "offline_access"}}')


@pytest.fixture
def redis():
    connection = redis_lib.Redis.from_url(redis_url(11))
    yield connection
    connection.close()


@pytest.fixture
def consent(world, redis):
    row = NmbrsConsent(portal_id=world.portal.id, domain_id=world.domain.id,
                       debtor_guid="6f1c2d0e-0000-5000-8000-000000000001", refresh_token="r1",
                       access_token="a1", access_token_expires_at=utcnow() + timedelta(hours=1),
                       scopes="offline_access")
    db.session.add(row)
    db.session.commit()
    redis.delete(lock_name(row.id))
    yield row
    redis.delete(lock_name(row.id))


def tokens_for(consent, redis) -> ConsentTokens:
    return ConsentTokens(consent.id, NmbrsOAuth("client", "secret", IDENTITY), db.engine, redis)


def stored(consent) -> NmbrsConsent:
    db.session.expire_all()
    return db.session.get(NmbrsConsent, consent.id)


def test_a_valid_access_token_is_used_without_refreshing(consent, redis):
    with responses.RequestsMock():  # no call to the identity server allowed
        assert tokens_for(consent, redis).access_token() == "a1"


def test_a_valid_access_token_is_read_from_the_database_once_not_per_call(consent, redis):
    from sqlalchemy import event

    tokens = tokens_for(consent, redis)
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        answers = {tokens.access_token() for _ in range(50)}
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert answers == {"a1"} and len(statements) == 1


def test_a_token_read_earlier_is_refreshed_once_it_expires(consent, redis, monkeypatch):
    from portal.services import nmbrs_consent_tokens

    tokens = tokens_for(consent, redis)
    assert tokens.access_token() == "a1"
    an_hour_later = utcnow() + timedelta(hours=1)
    monkeypatch.setattr(nmbrs_consent_tokens, "utcnow", lambda: an_hour_later)
    identity = RotatingIdentity({"r1"})
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=identity)

        assert tokens.access_token() == "a2"


def test_refresh_rotates_stores_the_new_token_encrypted_and_the_old_one_is_refused(consent, redis):
    identity = RotatingIdentity({"r1"})
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=identity)

        access = tokens_for(consent, redis).refresh("a1")

        with pytest.raises(InvalidGrant):
            NmbrsOAuth("client", "secret", IDENTITY).refresh("r1")

    row = stored(consent)
    assert (access, row.access_token, row.refresh_token) == ("a2", "a2", "r2")
    assert row.refresh_token_expires_at > utcnow() + timedelta(days=29)
    raw = db.session.execute(text("SELECT refresh_token FROM nmbrs_consent")).scalar_one()
    assert raw != "r2" and raw.startswith("gAAAAA")  # a Fernet token: encrypted at rest


def test_an_expired_access_token_is_refreshed_on_first_use(consent, redis):
    consent.access_token_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    identity = RotatingIdentity({"r1"})
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=identity)

        assert tokens_for(consent, redis).access_token() == "a2"


def test_two_workers_refreshing_at_once_make_one_refresh_and_both_succeed(app, consent, redis):
    identity = RotatingIdentity({"r1"}, delay=0.3)
    results, errors = [], []
    workers = [tokens_for(consent, redis) for _ in range(2)]  # one per worker process

    def worker(tokens):
        try:
            with app.app_context():  # as in an RQ worker (the encryption keys live there)
                results.append(tokens.refresh("a1"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=identity)
        threads = [threading.Thread(target=worker, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == [], [repr(e) for e in errors]
    assert results == ["a2", "a2"]
    assert identity.issued == 1
    assert stored(consent).refresh_token == "r2"


def test_invalid_grant_after_a_concurrent_rotation_reloads_and_succeeds(consent, redis):
    def rotated_elsewhere(used):
        # Another process rotated r1 → r5 (outside our lock) just before our refresh arrives.
        if used == "r1":
            with Session(db.engine) as session:
                session.get(NmbrsConsent, consent.id).refresh_token = "r5"
                session.commit()

    identity = RotatingIdentity({"r5"}, before_answer=rotated_elsewhere)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=identity)

        access = tokens_for(consent, redis).refresh("a1")

    assert access == "a2" and identity.issued == 1
    assert stored(consent).refresh_token == "r2"


def test_invalid_grant_without_a_newer_token_gives_up_and_marks_the_consent(consent, redis):
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=RotatingIdentity(set()))

        with pytest.raises(InvalidGrant, match="Reconnect"):
            tokens_for(consent, redis).refresh("a1")

        assert len(mock.calls) == 1
    assert stored(consent).refresh_failed_at is not None
