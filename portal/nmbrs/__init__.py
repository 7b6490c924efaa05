"""Client for the Nmbrs payroll API (SOAP v3) behind a small typed facade.

The rest of the app uses only `NmbrsClient`, the dataclasses in `types` and the exceptions in
`errors`, so that a REST implementation can replace SOAP later without touching jobs or screens.
"""

from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.errors import (
    InvalidCredentials,
    NmbrsError,
    NmbrsUnavailable,
    NoRights,
    UnexpectedAnswer,
    UnknownCompany,
)
from portal.nmbrs.soap import NmbrsCredentials

__all__ = [
    "InvalidCredentials",
    "NmbrsClient",
    "NmbrsCredentials",
    "NmbrsError",
    "NmbrsUnavailable",
    "NoRights",
    "UnexpectedAnswer",
    "UnknownCompany",
]
