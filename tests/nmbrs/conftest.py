"""Fixtures for the Nmbrs client tests (no Flask app needed)."""

import uuid

import pytest
import responses
from nmbrs_helpers import make_transport

from portal.nmbrs.client import NmbrsClient
from tests.conftest import redis_url


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def client() -> NmbrsClient:
    return NmbrsClient(make_transport())


@pytest.fixture
def redis_db15():
    """A real Redis on DB 15; yields a unique key and deletes only that key afterwards."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(redis_url(15))
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip(f"Redis at {redis_url(15)} is not running")
    key = f"test:nmbrs:ratelimit:{uuid.uuid4().hex}"
    yield connection, key
    connection.delete(key)
    connection.close()
