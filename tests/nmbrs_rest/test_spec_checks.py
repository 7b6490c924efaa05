"""The OpenAPI check itself can fail, and the client's calls cover every path it uses."""

import pytest

from tests.nmbrs_rest.bodies import API, gid
from tests.nmbrs_rest.openapi import (
    SpecViolation,
    spec,
    validate_request,
    validate_response,
)

AUTH = {"Authorization": "Bearer x", "X-Subscription-Key": "k"}
COMPANY = gid("company-a")


def test_spec_is_the_official_one_from_the_installed_package():
    assert spec()["info"]["title"] == "Nmbrs Public REST API"
    assert "/api/documents/{taskId}" in spec()["paths"]


@pytest.mark.parametrize("url, problem", [
    (f"{API}/api/debtors?pageSize=101", "above 100"),
    (f"{API}/api/debtors?page=2", "not declared"),
    (f"{API}/api/companies/{COMPANY}/runs?year=last", "not an integer"),
    (f"{API}/api/companies/12345/runs", "not a uuid"),
    (f"{API}/api/companies/{COMPANY}/runs/{gid('r')}/journals", "required query parameter"),
    (f"{API}/api/companies/{COMPANY}/payslips", "no such path"),
])
def test_bad_requests_are_caught(url, problem):
    with pytest.raises(SpecViolation, match=problem):
        validate_request("GET", url, AUTH)


def test_missing_subscription_key_is_caught():
    with pytest.raises(SpecViolation, match="X-Subscription-Key"):
        validate_request("GET", f"{API}/api/debtors", {"Authorization": "Bearer x"})


@pytest.mark.parametrize("status, body, problem", [
    (200, b'{"data": [{"debtorId": "not-a-guid", "number": "1", "name": "x"}]}', "uuid"),
    (200, b'{"data": [{"debtorId": null}]}', "None is not of type"),
    (429, b'{"code": 42908, "title": "Too_Many_Calls"}', "httpStatus"),
    (418, b"{}", "not declared"),
])
def test_bad_answers_are_caught(status, body, problem):
    with pytest.raises(SpecViolation, match=problem):
        validate_response("GET", f"{API}/api/debtors", status, "application/json", body)


def test_a_429_on_companies_of_a_debtor_is_not_declared_by_the_spec():
    with pytest.raises(SpecViolation, match="not declared"):
        validate_response("GET", f"{API}/api/debtors/{gid('d')}/companies", 429,
                          "application/json", b"{}")
