"""The sandbox WSGI app: strict SOAP 1.1 validation, Nmbrs-shaped answers and faults.

Options: `latency` (seconds added to each call), `bad_credentials` (always fault 1001),
`http_503` (fraction of calls answered with a plain HTTP 503, 1.0 = all), `slow` (extra seconds,
to trip client timeouts). GET `/_sandbox/stats` reports total calls and the busiest second;
GET `/_sandbox/calls` the operations answered, oldest first ("CompanyService/Run_GetList").
"""

import json
import math
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import Element

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from portal import demo_data
from portal.nmbrs.errors import UnexpectedAnswer
from portal.nmbrs.sandbox.data import SandboxData, build_sandbox_data
from portal.nmbrs.sandbox.handlers import OPERATIONS, Operation, SandboxFault, nmbrs_fault
from portal.nmbrs.soap import SOAP_ENV, namespace, parse_xml

MAX_REQUEST_BYTES = 1_000_000
CALL_LOG_LENGTH = 10_000
NO_ACTION = ("Unable to handle request without a valid action parameter. "
             "Please supply a valid soap action.")


@dataclass(frozen=True)
class SandboxOptions:
    latency: float = 0.0
    bad_credentials: bool = False
    http_503: float = 0.0
    slow: float = 0.0


class CallCounter:
    """Thread-safe count of SOAP calls, in total and per wall-clock second, and a log of the
    operations answered (the last CALL_LOG_LENGTH)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._per_second: dict[int, int] = {}
        self.total = 0
        self._operations: deque[str] = deque(maxlen=CALL_LOG_LENGTH)

    def log_operation(self, service: str, operation: str) -> None:
        """Note an operation the sandbox understood (valid or refused for its content)."""
        with self._lock:
            self._operations.append(f"{service}/{operation}")

    def operations(self) -> list[str]:
        with self._lock:
            return list(self._operations)

    def record(self) -> int:
        """Count one call; return its sequence number (1-based)."""
        second = int(time.time())
        with self._lock:
            self.total += 1
            self._per_second[second] = self._per_second.get(second, 0) + 1
            return self.total

    def stats(self) -> dict:
        """Total calls and the largest number of calls seen in any one second."""
        with self._lock:
            return {"total_calls": self.total,
                    "max_calls_per_second": max(self._per_second.values(), default=0)}


class SandboxApp:
    """WSGI app answering `/soap/v3/<Service>.asmx` like Nmbrs does."""

    def __init__(self, options: SandboxOptions | None = None, today: date | None = None,
                 domains=None):
        self.options = options or SandboxOptions()
        self.world: SandboxData = build_sandbox_data(today, domains)
        self.counter = CallCounter()
        self.urls = Map([
            Rule("/soap/v3/<service>.asmx", endpoint="soap"),
            Rule("/_sandbox/stats", endpoint="stats", methods=["GET"]),
            Rule("/_sandbox/calls", endpoint="calls", methods=["GET"]),
        ])

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = MAX_REQUEST_BYTES
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route a request to the stats page or the SOAP endpoint."""
        try:
            endpoint, args = self.urls.bind_to_environ(request.environ).match()
            if endpoint == "stats":
                return Response(json.dumps(self.counter.stats()), mimetype="application/json")
            if endpoint == "calls":
                return Response(json.dumps(self.counter.operations()),
                                mimetype="application/json")
            return self.soap(request, args["service"])
        except HTTPException as exc:
            return exc.get_response()

    def soap(self, request: Request, service: str) -> Response:
        """Validate and answer one SOAP call."""
        if service not in OPERATIONS:
            raise NotFound()
        if request.method != "POST":
            raise MethodNotAllowed(valid_methods=["POST"])
        call_number = self.counter.record()
        self._delay()
        if self._inject_503(call_number):
            return Response("<html><body><h1>503 Service Unavailable</h1></body></html>",
                            status=503, mimetype="text/html")
        if request.mimetype != "text/xml":
            return Response("Unsupported Media Type: use text/xml", status=415)
        try:
            operation_name, result = self._handle(request, service)
        except SandboxFault as fault:
            return fault_response(fault)
        return Response(answer_envelope(service, operation_name, result),
                        mimetype="text/xml", content_type="text/xml; charset=utf-8")

    def _delay(self) -> None:
        pause = self.options.latency + self.options.slow
        if pause > 0:
            time.sleep(pause)

    def _inject_503(self, call_number: int) -> bool:
        # Deterministic fraction: call n fails when floor(n*f) steps up.
        fraction = min(max(self.options.http_503, 0.0), 1.0)
        return math.floor(call_number * fraction) > math.floor((call_number - 1) * fraction)

    def _handle(self, request: Request, service: str):
        envelope = _parse_request(request.get_data())
        header, body_operation = _envelope_parts(envelope)
        ns = namespace(service)
        operation_name = _operation_name(body_operation, ns, service)
        self.counter.log_operation(service, operation_name)
        _check_soap_action(request, ns, operation_name)
        operation = OPERATIONS[service][operation_name]
        self._authenticate(_auth_values(header, ns, operation))
        params = _parameters(body_operation, ns, operation)
        return operation_name, operation.handler(self.world, params)

    def _authenticate(self, auth: dict[str, str]) -> None:
        subdomain = demo_data.SANDBOX_SUBDOMAIN
        valid = (auth.get("Username") == demo_data.SANDBOX_USERNAME
                 and auth.get("Token") == demo_data.SANDBOX_TOKEN
                 and auth.get("Domain", subdomain) == subdomain)
        if self.options.bad_credentials or not valid:
            raise nmbrs_fault(1001, "Invalid Authentication")


def client_fault(text: str) -> SandboxFault:
    """A fault for a request the server cannot read (soap:Client)."""
    return SandboxFault(text, faultcode="soap:Client")


def _parse_request(raw: bytes) -> Element:
    try:
        return parse_xml(raw)
    except UnexpectedAnswer:
        raise client_fault("Server was unable to read request. ---> There is an error in XML "
                           "document.") from None


def _envelope_parts(envelope: Element) -> tuple[Element, Element]:
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise client_fault("Possible SOAP version mismatch: Envelope namespace was unexpected.")
    parts = list(envelope)
    tags = [part.tag for part in parts]
    if tags != [f"{{{SOAP_ENV}}}Header", f"{{{SOAP_ENV}}}Body"]:
        raise client_fault("The envelope needs a soap:Header (authentication) and a soap:Body.")
    header, body = parts
    if len(header) != 1 or len(body) != 1:
        raise client_fault("Expected one authentication header and one body operation.")
    return header[0], body[0]


def _operation_name(body_operation: Element, ns: str, service: str) -> str:
    prefix = f"{{{ns}}}"
    if not body_operation.tag.startswith(prefix):
        raise client_fault(f"The body operation must be in namespace {ns}.")
    name = body_operation.tag[len(prefix):]
    if name not in OPERATIONS[service]:
        raise client_fault(f"Unknown operation {name} for {service}.")
    return name


def _check_soap_action(request: Request, ns: str, operation_name: str) -> None:
    action = request.headers.get("SOAPAction")
    if action is None or action.strip('"') != f"{ns}/{operation_name}":
        raise client_fault(f"Server did not recognize the value of HTTP Header SOAPAction: "
                           f"{action}." if action else NO_ACTION)


def _auth_values(header: Element, ns: str, operation: Operation) -> dict[str, str]:
    allowed = {f"{{{ns}}}{name}": name for name in operation.header_names}
    if header.tag not in allowed:
        raise client_fault(f"Expected header {' or '.join(operation.header_names)} in {ns}.")
    expected = ["Username", "Token", "Domain"]
    if allowed[header.tag] == "AuthHeader":
        expected = ["Username", "Token"]
    names = [_local(child.tag, ns) for child in header]
    # Each child is optional (0..1) but the order is fixed: Username, Token, Domain.
    if names != [name for name in expected if name in names]:
        raise client_fault(f"Header children must be {', '.join(expected)}, in that order.")
    return {name: (child.text or "") for name, child in zip(names, header)}


def _parameters(body_operation: Element, ns: str, operation: Operation) -> dict[str, int]:
    names = [_local(child.tag, ns) for child in body_operation]
    if tuple(names) != operation.params:
        raise client_fault(f"Server was unable to read request. ---> Expected parameters "
                           f"{', '.join(operation.params) or '(none)'}, got "
                           f"{', '.join(names) or '(none)'}.")
    try:
        return {name: int((child.text or "").strip()) for name, child in zip(names, body_operation)}
    except ValueError:
        raise client_fault("Server was unable to read request. ---> Input string was not in a "
                           "correct format.") from None


def _local(tag: str, ns: str) -> str:
    prefix = f"{{{ns}}}"
    if not tag.startswith(prefix):
        raise client_fault(f"Element {tag} must be in namespace {ns}.")
    return tag[len(prefix):]


def _envelope_with_body() -> tuple[Element, Element]:
    envelope = Element(f"{{{SOAP_ENV}}}Envelope")
    return envelope, ET.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def answer_envelope(service: str, operation_name: str, result) -> bytes:
    """`<Op>Response/<Op>Result` in the service namespace, as ASMX answers."""
    envelope, body = _envelope_with_body()
    answer = ET.SubElement(body, f"{operation_name}Response", xmlns=namespace(service))
    if result is not None:
        result_element = ET.SubElement(answer, f"{operation_name}Result")
        if isinstance(result, str):
            result_element.text = result
        else:
            result_element.extend(result)
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def fault_response(fault: SandboxFault) -> Response:
    """A SOAP 1.1 fault with HTTP 500."""
    envelope, body = _envelope_with_body()
    fault_element = ET.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    ET.SubElement(fault_element, "faultcode").text = fault.faultcode
    ET.SubElement(fault_element, "faultstring").text = fault.faultstring
    ET.SubElement(fault_element, "detail")
    return Response(ET.tostring(envelope, encoding="utf-8", xml_declaration=True), status=500,
                    content_type="text/xml; charset=utf-8")
