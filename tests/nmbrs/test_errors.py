"""Faults, retries, secrecy of the token and hostile or broken answers."""

import logging

import pytest
import requests
import responses
from nmbrs_helpers import BASE_URL, TOKEN, answer, fault_body, make_transport
from responses.registries import OrderedRegistry

from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.errors import (
    InvalidCredentials,
    NmbrsError,
    NmbrsUnavailable,
    NoRights,
    UnexpectedAnswer,
    UnknownCompany,
)

DEBTORS_URL = f"{BASE_URL}/DebtorService.asmx"
COMPANIES_URL = f"{BASE_URL}/CompanyService.asmx"


def client_with(**options) -> tuple[NmbrsClient, list[float]]:
    """A client whose backoff sleeps are recorded instead of slept."""
    sleeps: list[float] = []
    return NmbrsClient(make_transport(sleep=sleeps.append, **options)), sleeps


def add_fault(rsps, code, text="Something", url=DEBTORS_URL):
    rsps.add(responses.POST, url, body=fault_body(code, text), status=500,
             content_type="text/xml; charset=utf-8")


def add_ok(rsps, url=DEBTORS_URL):
    rsps.add(responses.POST, url, body=answer("DebtorService", "List_GetAll"), status=200,
             content_type="text/xml; charset=utf-8")


@pytest.mark.parametrize("code, error, transient", [
    (1001, InvalidCredentials, False),
    (1002, NoRights, False),
    (1003, NoRights, False),
    (2003, NoRights, False),
    (2009, NoRights, False),
    (2004, UnknownCompany, False),
    (1006, NmbrsUnavailable, True),
    (2006, NmbrsError, False),
    (9999, NmbrsError, False),
])
def test_fault_codes_map_to_exceptions(rsps, code, error, transient):
    client, _ = client_with(max_attempts=1)
    add_fault(rsps, code)
    with pytest.raises(error) as caught:
        client.debtors()
    assert type(caught.value) is error
    assert caught.value.code == code
    assert caught.value.transient is transient
    assert str(caught.value)  # a message for the user


def test_unknown_company_is_also_a_rights_problem(rsps):
    client, _ = client_with()
    add_fault(rsps, 2004, "Unauthorized access", url=COMPANIES_URL)
    with pytest.raises(NoRights) as caught:
        client.runs(999, 2024)
    assert isinstance(caught.value, UnknownCompany) and caught.value.code == 2004


def test_fault_without_code_is_an_unexpected_answer(rsps):
    client, _ = client_with()
    rsps.add(responses.POST, DEBTORS_URL, status=500, body=fault_body(0, "x").replace(
        "---&gt; 0: x", "Unable to handle request without a valid action parameter."))
    with pytest.raises(UnexpectedAnswer):
        client.debtors()


def test_http_503_then_success_is_retried_with_growing_backoff():
    client, sleeps = client_with(backoff=0.001)
    with responses.RequestsMock(registry=OrderedRegistry) as rsps:
        rsps.add(responses.POST, DEBTORS_URL, status=503, body="<html>busy</html>")
        rsps.add(responses.POST, DEBTORS_URL, status=502, body="Bad gateway")
        add_ok(rsps)
        assert len(client.debtors()) == 2
        assert len(rsps.calls) == 3
    assert sleeps == [0.001, 0.002]


@pytest.mark.parametrize("exception", [
    requests.exceptions.ReadTimeout("read timed out"),
    requests.exceptions.ConnectTimeout("connect timed out"),
    requests.exceptions.ConnectionError("connection refused"),
])
def test_timeouts_and_connection_errors_are_retried(exception):
    client, sleeps = client_with()
    with responses.RequestsMock(registry=OrderedRegistry) as rsps:
        rsps.add(responses.POST, DEBTORS_URL, body=exception)
        add_ok(rsps)
        assert len(client.debtors()) == 2
    assert len(sleeps) == 1


def test_fault_1006_is_retried():
    client, _ = client_with()
    with responses.RequestsMock(registry=OrderedRegistry) as rsps:
        add_fault(rsps, 1006, "Generic Login Security Failure")
        add_ok(rsps)
        assert len(client.debtors()) == 2


def test_authentication_errors_are_never_retried(rsps):
    client, sleeps = client_with()
    add_fault(rsps, 1001, "Invalid Authentication")
    with pytest.raises(InvalidCredentials):
        client.debtors()
    # Not retried; the one extra call is Environment_Get, asking whether the sub-domain moved
    # (it answers 1001 too: the credentials themselves are wrong).
    actions = [call.request.headers["SOAPAction"].rsplit("/", 1)[1] for call in rsps.calls]
    assert actions == ['List_GetAll"', 'Environment_Get"'] and sleeps == []


def test_retries_stop_after_max_attempts(rsps):
    client, sleeps = client_with(max_attempts=3)
    rsps.add(responses.POST, DEBTORS_URL, status=503, body="busy")
    with pytest.raises(NmbrsUnavailable) as caught:
        client.debtors()
    assert len(rsps.calls) == 3 and len(sleeps) == 2
    assert caught.value.transient


def test_retries_stop_when_the_budget_is_spent(rsps):
    client, sleeps = client_with(max_attempts=10, retry_budget=0.0)
    rsps.add(responses.POST, DEBTORS_URL, status=503, body="busy")
    with pytest.raises(NmbrsUnavailable):
        client.debtors()
    assert len(rsps.calls) == 1 and sleeps == []


def test_every_request_carries_a_timeout(rsps):
    client, _ = client_with(timeout=4.5)
    add_ok(rsps)
    client.debtors()
    assert rsps.calls[0].request.req_kwargs["timeout"] == 4.5


def test_token_never_in_logs_or_exception_texts(caplog):
    caplog.set_level(logging.DEBUG)
    client, _ = client_with(max_attempts=2)
    texts = []
    with responses.RequestsMock(registry=OrderedRegistry) as rsps:
        rsps.add(responses.POST, DEBTORS_URL, body=requests.exceptions.ConnectionError(TOKEN))
        rsps.add(responses.POST, DEBTORS_URL, status=503, body=f"proxy says {TOKEN}")
        add_fault(rsps, 1001, "Invalid Authentication")
        add_fault(rsps, 9999, f"Unknown error for token {TOKEN}")
        rsps.add(responses.POST, DEBTORS_URL, status=200, body=f"<x>{TOKEN}")
        for _ in range(4):
            with pytest.raises(NmbrsError) as caught:
                client.debtors()
            texts += [str(caught.value), repr(caught.value)]
    texts += [repr(client), repr(client.transport), repr(client.transport.credentials)]
    assert caplog.records, "the transport should log its calls"
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    assert all(TOKEN not in text for text in texts)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<List_GetAllResponse xmlns="https://api.nmbrs.nl/soap/v3/DebtorService"><List_GetAllResult>
<Debtor><Id>1</Id><Number>1</Number><Name>&lol9;</Name></Debtor>
</List_GetAllResult></List_GetAllResponse></soap:Body></soap:Envelope>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<List_GetAllResponse xmlns="https://api.nmbrs.nl/soap/v3/DebtorService"><List_GetAllResult>
<Debtor><Id>1</Id><Number>1</Number><Name>&xxe;</Name></Debtor>
</List_GetAllResult></List_GetAllResponse></soap:Body></soap:Envelope>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE soap:Envelope SYSTEM "http://attacker.invalid/evil.dtd">
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Body/></soap:Envelope>"""

GOOD = answer("DebtorService", "List_GetAll")


@pytest.mark.parametrize("body", [
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(EXTERNAL_ENTITY, id="external-entity"),
    pytest.param(EXTERNAL_DTD, id="external-dtd"),
    pytest.param(GOOD[: len(GOOD) // 2], id="truncated"),
    pytest.param("", id="empty"),
    pytest.param("<html><body><h1>Error</h1><p>Something broke<br></p></body></html>",
                 id="html-error-page"),
    pytest.param("<root>not soap</root>", id="not-soap"),
    pytest.param(GOOD.replace("List_GetAllResponse", "OtherResponse"), id="wrong-operation"),
    pytest.param(GOOD.replace("v3/DebtorService", "v3/Evil"), id="wrong-namespace"),
    pytest.param(GOOD.replace("<Id>1234</Id>", "<Id>12x</Id>"), id="bad-integer"),
    pytest.param("\x00\xff garbage", id="binary-garbage"),
])
def test_hostile_or_broken_answers_are_unexpected(rsps, body):
    client, sleeps = client_with()
    rsps.add(responses.POST, DEBTORS_URL, body=body, status=200,
             content_type="text/xml; charset=utf-8")
    with pytest.raises(UnexpectedAnswer):
        client.debtors()
    assert len(rsps.calls) == 1 and sleeps == []


def test_5xx_with_a_soap_envelope_but_no_fault_is_unavailable(rsps):
    client, sleeps = client_with(max_attempts=2)
    rsps.add(responses.POST, DEBTORS_URL, status=500, body=GOOD)
    with pytest.raises(NmbrsUnavailable):
        client.debtors()
    assert len(rsps.calls) == 2 and len(sleeps) == 1


def test_html_error_page_with_5xx_is_unavailable(rsps):
    client, _ = client_with(max_attempts=2)
    rsps.add(responses.POST, DEBTORS_URL, status=502, content_type="text/html",
             body="<html><body><h1>502 Bad Gateway</h1></body></html>")
    with pytest.raises(NmbrsUnavailable):
        client.debtors()


def test_hostile_embedded_journal_xml_is_unexpected(rsps):
    inner = BILLION_LAUGHS.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = (answer("CompanyService", "Journals_GetByRunCompany_v2")
            .split("<Journals_GetByRunCompany_v2Result>")[0]
            + f"<Journals_GetByRunCompany_v2Result>{inner}</Journals_GetByRunCompany_v2Result>"
            "</Journals_GetByRunCompany_v2Response></soap:Body></soap:Envelope>")
    client, _ = client_with()
    rsps.add(responses.POST, COMPANIES_URL, body=body, status=200)
    with pytest.raises(UnexpectedAnswer):
        client.journal(1, 2, 2024)


def test_bad_base64_pdf_is_unexpected(rsps):
    body = answer("EmployeeService", "SalaryDocuments_GetAnnualStatementPDF")
    start = body.index("<PDF>") + 5
    body = body[:start] + "!!not base64!!" + body[body.index("</PDF>"):]
    client, _ = client_with()
    rsps.add(responses.POST, f"{BASE_URL}/EmployeeService.asmx", body=body, status=200)
    with pytest.raises(UnexpectedAnswer):
        client.annual_statement(1, 2024)
