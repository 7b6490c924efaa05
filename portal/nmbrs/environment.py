"""DebtorService/Environment_Get: verifies credentials and yields the sub-domain."""

from portal.nmbrs.errors import UnexpectedAnswer
from portal.nmbrs.parsing import text
from portal.nmbrs.soap import SoapTransport
from portal.nmbrs.types import Environment


def get_environment(transport: SoapTransport) -> Environment:
    """Call Environment_Get; its SubDomain is what Nmbrs wants as `Domain` afterwards."""
    result = transport.call("DebtorService", "Environment_Get")
    subdomain = text(result, "SubDomain") if result is not None else ""
    if not subdomain:
        raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (no SubDomain)")
    return Environment(domain=text(result, "Domain"), subdomain=subdomain)
