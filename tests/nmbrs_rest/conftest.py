"""Fixtures for the REST client tests: `responses` mocks whose every exchange is validated
against the official Nmbrs OpenAPI spec when the test ends."""

import pytest
import responses

from portal.nmbrs.rest.client import RestNmbrsClient
from portal.nmbrs.rest.transport import RestTransport
from tests.nmbrs_rest.openapi import validate_exchange, validate_request

API = "https://api.nmbrsapp.com"


class FakeTokens:
    """A token source that hands out access-1, access-2, ... on each refresh."""

    def __init__(self):
        self.current = "access-1"
        self.refreshes = 0

    def access_token(self) -> str:
        return self.current

    def refresh(self, rejected: str) -> str:
        self.refreshes += 1
        self.current = f"access-{self.refreshes + 1}"
        return self.current


class CountingLimiter:
    """Counts grants; a pause (shared by every worker in the real limiter) holds the next grant,
    on the fake clock."""

    def __init__(self, clock):
        self.grants = 0
        self.pauses: list[float] = []
        self._clock = clock
        self._paused = 0.0

    def acquire(self) -> float:
        self.grants += 1
        if self._paused:
            self._clock.sleep(self._paused)
            self._paused = 0.0
        return 0.0

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self._paused = max(self._paused, seconds)


class FakeClock:
    """time.monotonic and time.sleep in one: sleeping moves the clock."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def validated_templates():
    return set()


@pytest.fixture
def api(validated_templates):
    """A responses mock; at teardown every request and answer must match the spec."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.off_spec_answers = False  # a test of hostile/unknown answers sets this
        yield mock
        for call in mock.calls:
            if isinstance(call.response, Exception):
                continue
            if mock.off_spec_answers:
                validate_request(call.request.method, call.request.url, call.request.headers)
            else:
                validated_templates.add(validate_exchange(call.request, call.response))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def tokens():
    return FakeTokens()


@pytest.fixture
def limiter(clock):
    return CountingLimiter(clock)


@pytest.fixture
def rest(api, tokens, clock, limiter) -> RestNmbrsClient:
    transport = RestTransport(API, "sub-key-1", tokens, rate_limiter=limiter,
                              sleep=clock.sleep, clock=clock, document_timeout=60)
    return RestNmbrsClient(transport)
