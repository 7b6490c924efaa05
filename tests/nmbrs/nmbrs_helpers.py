"""Helpers for the Nmbrs tests; uniquely named so it never clashes with tests/conftest.py."""

from pathlib import Path

from defusedxml.ElementTree import fromstring

from portal.nmbrs.soap import SOAP_ENV, NmbrsCredentials, SoapTransport, namespace

FIXTURES = Path(__file__).parent / "fixtures"
BASE_URL = "https://nmbrs.test/soap/v3"
USERNAME = "api@kantoor.nl"
TOKEN = "s3cr3t-t0ken-9f8e7d6c5b4a"
DOMAIN = "kantoor"


def fixture_text(name: str) -> str:
    """The text of a file in tests/nmbrs/fixtures."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def answer(service: str, operation: str) -> str:
    """The fixture SOAP answer for one operation."""
    return fixture_text(f"{service}.{operation}.xml")


def fault_body(code: int, text: str = "Something went wrong") -> str:
    """A SOAP 1.1 fault in Nmbrs' `---> NNNN: text` shape."""
    return fixture_text("fault.xml").replace("{code}", str(code)).replace("{text}", text)


def soap_matcher(service: str, operation: str, params: list[tuple[str, str]],
                 header: str = "AuthHeaderWithDomain", domain: str | None = DOMAIN):
    """A responses matcher that checks SOAPAction, envelope, auth header and body parameters."""
    ns = namespace(service)

    def match(request):
        action = request.headers.get("SOAPAction")
        if action != f'"{ns}/{operation}"':
            return False, f"SOAPAction {action!r}"
        if request.headers.get("Content-Type") != "text/xml; charset=utf-8":
            return False, f"Content-Type {request.headers.get('Content-Type')!r}"
        envelope = fromstring(request.body, forbid_dtd=True)
        if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
            return False, f"root {envelope.tag}"
        auth = envelope.find(f"{{{SOAP_ENV}}}Header/{{{ns}}}{header}")
        if auth is None:
            return False, f"no {header} in {ns}"
        expected_auth = [("Username", USERNAME), ("Token", TOKEN)]
        expected_auth += [("Domain", domain)] if domain else []
        got_auth = [(child.tag, child.text) for child in auth]
        if got_auth != [(f"{{{ns}}}{name}", value) for name, value in expected_auth]:
            return False, f"header children {[tag for tag, _ in got_auth]}"
        body = list(envelope.find(f"{{{SOAP_ENV}}}Body"))
        if len(body) != 1 or body[0].tag != f"{{{ns}}}{operation}":
            return False, f"body {[child.tag for child in body]}"
        got_params = [(child.tag, child.text) for child in body[0]]
        wanted = [(f"{{{ns}}}{name}", str(value)) for name, value in params]
        if got_params != wanted:
            return False, f"params {got_params} != {wanted}"
        return True, ""

    return match


def make_transport(domain: str | None = DOMAIN, **options) -> SoapTransport:
    """A transport with tiny backoff so retry tests stay fast."""
    options.setdefault("backoff", 0.001)
    options.setdefault("retry_budget", 5.0)
    options.setdefault("timeout", 5.0)
    return SoapTransport(BASE_URL, NmbrsCredentials(USERNAME, TOKEN, domain), **options)
