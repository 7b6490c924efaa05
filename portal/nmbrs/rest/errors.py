"""REST error bodies → the exceptions of `portal.nmbrs.errors` (by code, then type, then status).

Nmbrs answers `{type, httpStatus, code, title, detail, invalid-params, docUrl}` (nmbrs-rest-api.md
§4); the code list "is not exhaustive", so unknown codes fall back to the type, then the status.
"""

from portal.nmbrs.errors import (
    N_,
    InvalidCredentials,
    NmbrsError,
    NmbrsUnavailable,
    NoRights,
    UnexpectedAnswer,
    UnknownCompany,
)


class ConsentRejected(InvalidCredentials):
    """The access token was refused even after a refresh: the debtor must consent again."""

    default_message = N_(
        "Nmbrs no longer accepts this connection. Open the Nmbrs settings and click Reconnect "
        "for this domain, then sign in to Nmbrs as a user of the debtor."
    )


class NoDataAccess(NoRights):
    """40303 (and 40305, 40306): the consenting login may not see this debtor or company."""

    default_message = N_(
        "The Nmbrs login that gave consent has no access to this debtor or company. Check the "
        "login's tags and filters on its Template User in Nmbrs, or reconnect the domain with a "
        "login of the right debtor."
    )


class SubscriptionDisabled(NoRights):
    """40304: the debtor's Nmbrs environment has no valid subscription."""

    default_message = N_(
        "This Nmbrs environment is disabled: it has no valid subscription. Imports for this "
        "domain stop until the subscription is renewed in Nmbrs."
    )


class RateLimited(NmbrsUnavailable):
    """42908: too many calls for the subscription plan; retry later."""

    default_message = N_(
        "Nmbrs asks us to slow down (too many calls for the subscription plan). The import "
        "will be retried."
    )

    def __init__(self, message: str | None = None, code: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, code)
        self.retry_after = retry_after


class QuotaExceeded(NmbrsError):
    """42909: the call-volume quota is used up until the billing cycle resets. Never retried."""

    default_message = N_(
        "The Nmbrs call quota of this connection is used up. Imports for this domain are paused "
        "until the quota resets; raise the subscription plan in the Nmbrs developer portal if "
        "this happens often."
    )


class NotFound(NmbrsError):
    default_message = N_(
        "Nmbrs could not find the requested data. Check that it still exists in Nmbrs.")


class ServerError(NmbrsError):
    """500: Nmbrs failed unexpectedly. Not retried blindly (the call may have had effects)."""

    default_message = N_(
        "Nmbrs had an unexpected error. Try the import again later; if it persists, contact "
        "Nmbrs support with the time of the import."
    )


class BadRequest(NmbrsError):
    default_message = N_(
        "Nmbrs refused the request as invalid. Contact support with the time of the import.")


BY_CODE = {
    40101: ConsentRejected,
    40102: ConsentRejected,
    40303: NoDataAccess,
    40304: SubscriptionDisabled,
    40305: NoDataAccess,
    40306: NoDataAccess,
    40401: NotFound,
    40404: UnknownCompany,
    42908: RateLimited,
    42909: QuotaExceeded,
    50001: ServerError,
    50201: NmbrsUnavailable,
    50301: NmbrsUnavailable,
}

BY_TYPE = {
    "authenticationError": ConsentRejected,
    "throttlingError": RateLimited,
    "rateLimitError": RateLimited,  # Nmbrs' prose docs; the spec says throttlingError
    "validationError": BadRequest,
    "invalidRequestError": BadRequest,
}

BY_STATUS = {
    400: BadRequest,
    401: ConsentRejected,
    403: NoDataAccess,
    404: NotFound,
    429: RateLimited,
    500: ServerError,
    502: NmbrsUnavailable,
    503: NmbrsUnavailable,
    504: NmbrsUnavailable,
}

INVALID_TOKEN_CODES = frozenset({40101, 40102})


def error_class(status: int, body: dict | None) -> type[NmbrsError]:
    """The exception class for an error answer: by `code`, then `type`, then HTTP status."""
    body = body if isinstance(body, dict) else {}
    code, kind = body.get("code"), body.get("type")
    if code in BY_CODE:
        return BY_CODE[code]
    if kind in BY_TYPE and not (kind == "throttlingError" and status != 429):
        return BY_TYPE[kind]
    if status in BY_STATUS:
        return BY_STATUS[status]
    if status >= 500:
        return NmbrsUnavailable
    return UnexpectedAnswer


def error_for_response(status: int, body: dict | None,
                       retry_after: float | None = None) -> NmbrsError:
    """Build the exception; Nmbrs' title and detail are added for support, never tokens."""
    cls = error_class(status, body)
    body = body if isinstance(body, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), int) else None
    message = _message(cls, status, body)
    if issubclass(cls, RateLimited):
        return cls(message, code=code, retry_after=retry_after)
    return cls(message, code=code)


def _message(cls: type[NmbrsError], status: int, body: dict) -> str:
    title = str(body.get("title") or "")[:80]
    code = body.get("code")
    reference = f"Nmbrs {code} {title}".strip() if code else f"HTTP {status}"
    return f"{cls.default_message} ({reference})"
