"""SOAP 1.1 transport for the Nmbrs API v3: envelopes, faults, retries, hardened parsing."""

import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring

from portal.nmbrs.errors import (
    InvalidCredentials,
    NmbrsError,
    NmbrsUnavailable,
    UnexpectedAnswer,
    error_for_fault,
)

log = logging.getLogger(__name__)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NAMESPACE_ROOT = "https://api.nmbrs.nl/soap/v3"

ET.register_namespace("soap", SOAP_ENV)

_FAULT_CODE = re.compile(r"--->\s*(\d+)\s*:\s*(.*)", re.DOTALL)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

Params = Iterable[tuple[str, object]]

AUTH_HEADER = "AuthHeader"
AUTH_HEADER_WITH_DOMAIN = "AuthHeaderWithDomain"
# Environment_Get is how the sub-domain is found, so it is sent before the sub-domain is known:
# with the plain AuthHeader (Username, Token), as in nmbrs-api.md §3.1. Every other operation
# takes AuthHeaderWithDomain (Username, Token, Domain; §2.3).
PLAIN_AUTH_OPERATIONS = frozenset({("DebtorService", "Environment_Get")})


def auth_header_for(service: str, operation: str) -> str:
    """The name of the SOAP header an operation takes."""
    if (service, operation) in PLAIN_AUTH_OPERATIONS:
        return AUTH_HEADER
    return AUTH_HEADER_WITH_DOMAIN


def soap_action(service: str, operation: str) -> str:
    """The quoted SOAPAction header value: namespace + "/" + operation (§2.2)."""
    return f'"{namespace(service)}/{operation}"'


def namespace(service: str) -> str:
    """The target namespace of a service; the same on production and sandbox hosts."""
    return f"{NAMESPACE_ROOT}/{service}"


@dataclass(frozen=True)
class NmbrsCredentials:
    username: str
    token: str = field(repr=False)
    domain: str | None = None

    def __repr__(self) -> str:
        return f"NmbrsCredentials(username={self.username!r}, token='***', domain={self.domain!r})"


def parse_xml(data: bytes | str) -> Element:
    """Parse untrusted XML, refusing DTDs and entities; any failure is an UnexpectedAnswer."""
    try:
        return _defused_fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise UnexpectedAnswer(
            f"{UnexpectedAnswer.default_message} (unreadable XML: {type(exc).__name__})"
        ) from None


def parse_embedded_xml(text: str) -> Element:
    """Parse an XML document carried as a string; drops a declaration such as encoding="utf-16"."""
    return parse_xml(_XML_DECLARATION.sub("", text, count=1))


def strip_namespaces(element: Element) -> Element:
    """Rename every tag in the tree to its local name, so parsers can use plain names."""
    for node in element.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    return element


def build_envelope(service: str, operation: str, params: Params,
                   credentials: NmbrsCredentials, header: str | None = None) -> bytes:
    """Build a SOAP 1.1 request; values are escaped by ElementTree, never formatted by hand.

    The header is the one the operation takes (`auth_header_for`) unless given."""
    ns = namespace(service)
    header = header or auth_header_for(service, operation)
    envelope = Element(f"{{{SOAP_ENV}}}Envelope")
    auth = ET.SubElement(ET.SubElement(envelope, f"{{{SOAP_ENV}}}Header"), header, xmlns=ns)
    _add_child(auth, "Username", credentials.username)
    _add_child(auth, "Token", credentials.token)
    if header == AUTH_HEADER_WITH_DOMAIN and credentials.domain:
        _add_child(auth, "Domain", credentials.domain)
    body = ET.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    body_operation = ET.SubElement(body, operation, xmlns=ns)
    for name, value in params:
        _add_child(body_operation, name, value)
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def _add_child(parent: Element, name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        value = "true" if value else "false"
    ET.SubElement(parent, name).text = str(value)


def fault_error(fault: Element) -> NmbrsError:
    """Turn a soap:Fault element into the matching exception."""
    faultstring = (fault.findtext("faultstring") or "").strip()
    match = _FAULT_CODE.search(faultstring)
    if match:
        return error_for_fault(int(match.group(1)), match.group(2).strip())
    return error_for_fault(None, faultstring[:200])


class SoapTransport:
    """Posts SOAP 1.1 calls to Nmbrs with one keep-alive session per set of credentials."""

    def __init__(self, base_url: str, credentials: NmbrsCredentials, timeout: float = 30.0,
                 rate_limiter=None, max_attempts: int = 4, retry_budget: float = 20.0,
                 backoff: float = 0.5, calls_at_once: int = 1,
                 sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        # Set by NmbrsClient: asks Environment_Get for the current sub-domain after a 1001.
        self.rediscover_domain: Callable[[], str] | None = None
        # Told the new sub-domain when it changed (the factory stores it).
        self.on_new_domain: Callable[[str], None] | None = None
        self.timeout = timeout
        self.rate_limiter = rate_limiter
        self.max_attempts = max(1, max_attempts)
        self.retry_budget = retry_budget
        self.backoff = backoff
        self._sleep = sleep
        self.session = requests.Session()
        # How many calls of one import may run at once (`parallel`).
        self.calls_at_once = calls_at_once

    def __repr__(self) -> str:
        return f"SoapTransport({self.base_url!r}, {self.credentials!r})"

    def use_domain(self, domain: str) -> None:
        """Send this sub-domain as `Domain` from now on (same user and token, same session)."""
        username, token = self.credentials.username, self.credentials.token
        self.credentials = NmbrsCredentials(username, token, domain)

    def call(self, service: str, operation: str, params: Params = ()) -> Element | None:
        """Call one operation and return its `<Op>Result` element (namespaces stripped), or None.

        A 1001 on a call that sends `Domain` may mean the environment's sub-domain changed: the
        sub-domain is asked for again (the only Environment_Get after connecting) and, when it
        did change, the call is repeated once with the new one."""
        params = list(params)
        try:
            return self._call_with_retries(service, operation, params)
        except InvalidCredentials as rejected:
            if not self._domain_moved(service, operation):
                raise rejected from None
        return self._call_with_retries(service, operation, params)

    def _domain_moved(self, service: str, operation: str) -> bool:
        if auth_header_for(service, operation) != AUTH_HEADER_WITH_DOMAIN:
            return False
        if self.rediscover_domain is None or not self.credentials.domain:
            return False
        subdomain = self.rediscover_domain()
        if not subdomain or subdomain == self.credentials.domain:
            return False
        log.info("Nmbrs sub-domain changed to %s", subdomain)
        self.use_domain(subdomain)
        if self.on_new_domain is not None:
            self.on_new_domain(subdomain)
        return True

    def _call_with_retries(self, service: str, operation: str, params: list) -> Element | None:
        envelope = build_envelope(service, operation, params, self.credentials)
        deadline = time.monotonic() + self.retry_budget
        attempt = 1
        while True:
            try:
                return self._attempt(service, operation, envelope)
            except NmbrsError as exc:
                delay = self.backoff * 2 ** (attempt - 1)
                if not self._may_retry(exc, attempt, deadline, delay):
                    raise self._redacted(exc) from None
                log.warning("Nmbrs %s/%s failed (%s), retry %d in %.2fs", service, operation,
                            type(exc).__name__, attempt, delay)
                self._sleep(delay)
                attempt += 1

    def _may_retry(self, exc: NmbrsError, attempt: int, deadline: float, delay: float) -> bool:
        within_budget = time.monotonic() + delay < deadline
        return exc.transient and attempt < self.max_attempts and within_budget

    def _attempt(self, service: str, operation: str, envelope: bytes) -> Element | None:
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        log.debug("Nmbrs call %s/%s", service, operation)
        response = self._post(service, operation, envelope)
        return self._read_answer(response, service, operation)

    def _post(self, service: str, operation: str, envelope: bytes) -> requests.Response:
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": soap_action(service, operation),
        }
        try:
            return self.session.post(f"{self.base_url}/{service}.asmx", data=envelope,
                                     headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise NmbrsUnavailable(f"{NmbrsUnavailable.default_message} (timeout)") from None
        except requests.ConnectionError:
            raise NmbrsUnavailable(f"{NmbrsUnavailable.default_message} (no connection)") from None
        except requests.RequestException as exc:
            raise NmbrsUnavailable(
                f"{NmbrsUnavailable.default_message} ({type(exc).__name__})") from None

    def _read_answer(self, response: requests.Response, service: str,
                     operation: str) -> Element | None:
        server_trouble = response.status_code >= 500 or response.status_code == 429
        try:
            body = self._soap_body(parse_xml(response.content))
        except UnexpectedAnswer:
            if server_trouble:
                raise self._unavailable(response) from None
            raise
        fault = body.find(f"{{{SOAP_ENV}}}Fault")
        if fault is not None:
            raise fault_error(strip_namespaces(fault))
        if server_trouble:
            raise self._unavailable(response)
        if response.status_code != 200:
            raise UnexpectedAnswer(
                f"{UnexpectedAnswer.default_message} (HTTP {response.status_code})")
        return self._result(body, service, operation)

    @staticmethod
    def _unavailable(response: requests.Response) -> NmbrsUnavailable:
        return NmbrsUnavailable(f"{NmbrsUnavailable.default_message} (HTTP {response.status_code})")

    @staticmethod
    def _soap_body(root: Element) -> Element:
        body = root.find(f"{{{SOAP_ENV}}}Body")
        if root.tag != f"{{{SOAP_ENV}}}Envelope" or body is None:
            raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (not a SOAP envelope)")
        return body

    @staticmethod
    def _result(body: Element, service: str, operation: str) -> Element | None:
        ns = namespace(service)
        answer = body.find(f"{{{ns}}}{operation}Response")
        if answer is None:
            raise UnexpectedAnswer(
                f"{UnexpectedAnswer.default_message} (no {operation}Response in the answer)")
        result = answer.find(f"{{{ns}}}{operation}Result")
        return None if result is None else strip_namespaces(result)

    def _redacted(self, exc: NmbrsError) -> NmbrsError:
        """Defence in depth: no exception text may ever carry the token."""
        token = self.credentials.token
        if token and token in exc.message:
            exc.message = exc.message.replace(token, "***")
            exc.args = (exc.message,)
        return exc
