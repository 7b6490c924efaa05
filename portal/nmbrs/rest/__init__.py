"""Nmbrs REST API (OAuth 2.0 consent per debtor) behind the same facade as the SOAP client."""

from portal.nmbrs.rest.client import RestNmbrsClient, UserInfo
from portal.nmbrs.rest.errors import (
    ConsentRejected,
    NoDataAccess,
    QuotaExceeded,
    RateLimited,
    SubscriptionDisabled,
)
from portal.nmbrs.rest.transport import DocumentNotReady, RestTransport, TokenSource

__all__ = [
    "ConsentRejected",
    "DocumentNotReady",
    "NoDataAccess",
    "QuotaExceeded",
    "RateLimited",
    "RestNmbrsClient",
    "RestTransport",
    "SubscriptionDisabled",
    "TokenSource",
    "UserInfo",
]
