"""Error answers mapped by code, then type, then HTTP status; what is retried and what is not."""

import pytest

from portal.nmbrs.errors import NmbrsUnavailable, UnexpectedAnswer, UnknownCompany
from portal.nmbrs.rest.errors import (
    BadRequest,
    ConsentRejected,
    NoDataAccess,
    QuotaExceeded,
    RateLimited,
    ServerError,
    SubscriptionDisabled,
)
from tests.nmbrs_rest.bodies import API, debtor, error, gid, page

DEBTORS = f"{API}/api/debtors"


def test_invalid_token_refreshes_once_and_replays(api, rest, tokens):
    api.get(DEBTORS, json=error(401, 40102, "Invalid_Token", "authenticationError"), status=401)
    api.get(DEBTORS, json=page([debtor()]))

    assert [d.name for d in rest.debtors()] == ["Bakkerij Jansen"]
    assert tokens.refreshes == 1
    assert api.calls[1].request.headers["Authorization"] == "Bearer access-2"


def test_a_second_401_after_the_refresh_asks_for_reconnecting(api, rest, tokens):
    api.get(DEBTORS, json=error(401, 40102, "Invalid_Token", "authenticationError"), status=401)

    with pytest.raises(ConsentRejected, match="Reconnect"):
        rest.debtors()

    assert tokens.refreshes == 1 and len(api.calls) == 2


@pytest.mark.parametrize("code, title, expected, words", [
    (40303, "Unauthorized_AccessData", NoDataAccess, "no access to this debtor or company"),
    (40304, "Invalid_Subscription", SubscriptionDisabled, "no valid subscription"),
])
def test_403_codes_become_clear_errors_without_retry(api, rest, code, title, expected, words):
    api.get(DEBTORS, json=error(403, code, title, "authenticationError"), status=403)

    with pytest.raises(expected, match=words) as caught:
        rest.debtors()

    assert caught.value.code == code and not caught.value.transient
    assert len(api.calls) == 1


def test_too_many_calls_pauses_every_worker_as_long_as_retry_after_says(api, rest, clock,
                                                                           limiter):
    api.get(DEBTORS, json=error(429, 42908, "Too_Many_Calls", "throttlingError"), status=429,
            headers={"Retry-After": "7"})
    api.get(DEBTORS, json=page([debtor()]))

    assert len(rest.debtors()) == 1
    assert limiter.pauses == [7.0]  # through the shared limiter, so other workers wait too
    assert clock.sleeps == [7.0]


def test_too_many_calls_without_retry_after_backs_off_exponentially(api, rest, clock):
    for _ in range(2):
        api.get(DEBTORS, json=error(429, 42908, "Too_Many_Calls", "throttlingError"), status=429)
    api.get(DEBTORS, json=page([debtor()]))

    assert len(rest.debtors()) == 1
    assert clock.sleeps == [0.5, 1.0]


def test_too_many_calls_that_persist_end_as_a_transient_error(api, rest):
    api.get(DEBTORS, json=error(429, 42908, "Too_Many_Calls", "throttlingError"), status=429)

    with pytest.raises(RateLimited) as caught:
        rest.debtors()

    assert caught.value.transient and len(api.calls) == 4  # max_attempts


def test_retry_after_beyond_the_budget_is_not_slept_through(api, rest, clock):
    api.get(DEBTORS, json=error(429, 42908, "Too_Many_Calls", "throttlingError"), status=429,
            headers={"Retry-After": "3600"})

    with pytest.raises(RateLimited):
        rest.debtors()

    assert clock.sleeps == [] and len(api.calls) == 1


def test_quota_exceeded_is_never_retried_and_tells_the_owner_to_pause(api, rest, clock):
    api.get(DEBTORS, json=error(429, 42909, "Quota_Exceeded", "throttlingError"), status=429)
    paused = []
    rest.transport.on_quota_exceeded = lambda: paused.append(True)

    with pytest.raises(QuotaExceeded, match="quota") as caught:
        rest.debtors()

    assert not caught.value.transient
    assert len(api.calls) == 1 and clock.sleeps == []
    assert paused == [True]


@pytest.mark.parametrize("status, code, title", [
    (502, 50201, "Bad_Gateway"), (503, 50301, "Service_Unavailable")])
def test_gateway_errors_are_retried(api, rest, status, code, title):
    api.get(DEBTORS, json=error(status, code, title, "apiError"), status=status)
    api.get(DEBTORS, json=page([debtor()]))

    assert len(rest.debtors()) == 1
    assert len(api.calls) == 2


def test_persisting_503_becomes_nmbrs_unavailable(api, rest):
    api.get(DEBTORS, json=error(503, 50301, "Service_Unavailable", "apiError"), status=503)

    with pytest.raises(NmbrsUnavailable) as caught:
        rest.debtors()

    assert caught.value.transient and len(api.calls) == 4


def test_500_is_not_retried_blindly(api, rest):
    api.get(DEBTORS, json=error(500, 50001, "Unkown", "apiError"), status=500)

    with pytest.raises(ServerError) as caught:
        rest.debtors()

    assert not caught.value.transient and len(api.calls) == 1


def test_unknown_company_404(api, rest):
    api.get(f"{API}/api/companies/{gid('gone')}/runs",
            json=error(404, 40404, "Invalid_Company", "invalidRequestError"), status=404)

    with pytest.raises(UnknownCompany):
        rest.runs(gid("gone"), 2026)


def test_invalid_parameter_400_is_a_bad_request_not_retried(api, rest):
    body = error(400, 40033, "Parameter_Invalid", "validationError")
    body["invalid-params"] = [{"name": "year", "reason": "It needs to be a valid year."}]
    api.get(f"{API}/api/companies/{gid('c')}/runs", json=body, status=400)

    with pytest.raises(BadRequest):
        rest.runs(gid("c"), 2026)

    assert len(api.calls) == 1


def test_unknown_code_is_mapped_by_its_type(api, rest):
    api.off_spec_answers = True  # Nmbrs may send what the spec does not declare
    api.get(DEBTORS, json=error(429, 42999, "New_Limit", "rateLimitError"), status=429)
    api.get(DEBTORS, json=page([]))

    assert rest.debtors() == []  # a throttling type is retried like 42908


def test_unknown_code_without_type_is_mapped_by_status(api, rest):
    api.get(DEBTORS, json={"httpStatus": 403, "code": 40399, "title": "Something_New"},
            status=403)

    with pytest.raises(NoDataAccess):
        rest.debtors()


def test_gateway_html_answer_is_transient(api, rest):
    api.off_spec_answers = True  # Nmbrs may send what the spec does not declare
    api.get(DEBTORS, body="<html>Bad gateway</html>", status=502, content_type="text/html")
    api.get(DEBTORS, json=page([]))

    assert rest.debtors() == []


def test_a_non_json_success_is_an_unexpected_answer(api, rest):
    api.off_spec_answers = True  # Nmbrs may send what the spec does not declare
    api.get(DEBTORS, body="<html>login</html>", status=200, content_type="application/json")

    with pytest.raises(UnexpectedAnswer):
        rest.debtors()
