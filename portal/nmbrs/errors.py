"""The exceptions the client raises. Messages are meant for the user and say what to do.

`str(error)` is the English message; `error.text` the same as a stored text
(portal/stored_text.py) that a page shows in the reader's language."""


from portal.stored_text import english


def N_(msgid: str) -> str:  # marks a text for translation (translated where it is shown)
    return msgid


class NmbrsError(Exception):
    """Base of every Nmbrs problem; `transient` tells a job whether a retry may help."""

    transient = False
    default_message = N_("Nmbrs refused the request. Try again later or contact support.")

    def __init__(self, message: str | None = None, code: int | None = None,
                 params: dict | None = None):
        self.code = code
        self.template = message or self.default_message
        self.params = params or {}
        self.message = english(self.text) if self.params else self.template
        super().__init__(self.message)

    @property
    def text(self) -> dict:
        """The message as a stored text: {"msgid": ..., "params": {...}}. A default message with
        a technical detail added ("... (timeout)") keeps the detail as it is."""
        default = type(self).default_message
        if (not self.params and self.template != default
                and self.template.startswith(default)):
            return {"msgid": "%(message)s %(detail)s",
                    "params": {"message": {"msgid": default, "params": {}},
                               "detail": self.template[len(default):].strip()}}
        return {"msgid": self.template, "params": dict(self.params)}


class InvalidCredentials(NmbrsError):
    default_message = N_(
        "Nmbrs did not accept the user name, API token or domain. Check the e-mail address and "
        "copy a fresh API token from your Nmbrs user profile (tab 'API Token')."
    )


class NoRights(NmbrsError):
    default_message = N_(
        "This Nmbrs user has no rights for this data. Ask your Nmbrs administrator to grant the "
        "API user access to the debtor, company and API calls in its API User Template."
    )


class UnknownCompany(NoRights):
    default_message = N_(
        "Nmbrs does not know this company or this user may not see it. Check that the company "
        "still exists in Nmbrs and that the API user has rights to it."
    )


class NmbrsUnavailable(NmbrsError):
    transient = True
    default_message = N_(
        "Nmbrs is not reachable or too slow right now. The import will be retried; if this "
        "persists, check the Nmbrs status page."
    )


class UnexpectedAnswer(NmbrsError):
    default_message = N_(
        "Nmbrs sent an answer we do not understand. Try again later; if it persists, contact "
        "support with the time of the import."
    )


NO_RIGHTS_CODES = frozenset({1002, 1003, 2003, 2009})
UNKNOWN_COMPANY_CODE = 2004
RETRYABLE_CODES = frozenset({1006})


def error_for_fault(code: int | None, text: str) -> NmbrsError:
    """Map an Nmbrs fault code (from `---> NNNN: text`) to an exception."""
    if code == 1001:
        return InvalidCredentials(code=code)
    if code == UNKNOWN_COMPANY_CODE:
        return UnknownCompany(code=code)
    if code in NO_RIGHTS_CODES:
        return NoRights(code=code)
    if code in RETRYABLE_CODES:
        return NmbrsUnavailable(code=code)
    if code is None:
        return UnexpectedAnswer(N_("Nmbrs sent an answer we do not understand. Try again later; "
                                   "if it persists, contact support with the time of the "
                                   "import. (Nmbrs error: %(text)s)"), params={"text": text})
    return NmbrsError(N_("Nmbrs error %(code)s: %(text)s. Check the request in Nmbrs or contact "
                         "support."), code=code, params={"code": code, "text": text})
