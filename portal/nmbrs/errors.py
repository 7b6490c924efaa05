"""The exceptions the client raises. Messages are meant for the user and say what to do."""


class NmbrsError(Exception):
    """Base of every Nmbrs problem; `transient` tells a job whether a retry may help."""

    transient = False
    default_message = "Nmbrs refused the request. Try again later or contact support."

    def __init__(self, message: str | None = None, code: int | None = None):
        self.code = code
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidCredentials(NmbrsError):
    default_message = (
        "Nmbrs did not accept the user name, API token or domain. Check the e-mail address and "
        "copy a fresh API token from your Nmbrs user profile (tab 'API Token')."
    )


class NoRights(NmbrsError):
    default_message = (
        "This Nmbrs user has no rights for this data. Ask your Nmbrs administrator to grant the "
        "API user access to the debtor, company and API calls in its API User Template."
    )


class UnknownCompany(NoRights):
    default_message = (
        "Nmbrs does not know this company or this user may not see it. Check that the company "
        "still exists in Nmbrs and that the API user has rights to it."
    )


class NmbrsUnavailable(NmbrsError):
    transient = True
    default_message = (
        "Nmbrs is not reachable or too slow right now. The import will be retried; if this "
        "persists, check the Nmbrs status page."
    )


class UnexpectedAnswer(NmbrsError):
    default_message = (
        "Nmbrs sent an answer we do not understand. Try again later; if it persists, contact "
        "support with the time of the import."
    )


NO_RIGHTS_CODES = frozenset({1002, 1003, 2003, 2009})
UNKNOWN_COMPANY_CODE = 2004
RETRYABLE_CODES = frozenset({1006})


def error_for_fault(code: int | None, text: str) -> NmbrsError:
    """Map an Nmbrs fault code (from `---> NNNN: text`) to an exception."""
    detail = f"Nmbrs error {code}: {text}" if code else f"Nmbrs error: {text}"
    if code == 1001:
        return InvalidCredentials(code=code)
    if code == UNKNOWN_COMPANY_CODE:
        return UnknownCompany(code=code)
    if code in NO_RIGHTS_CODES:
        return NoRights(code=code)
    if code in RETRYABLE_CODES:
        return NmbrsUnavailable(code=code)
    if code is None:
        return UnexpectedAnswer(f"{UnexpectedAnswer.default_message} ({detail})")
    return NmbrsError(f"{detail}. Check the request in Nmbrs or contact support.", code=code)
