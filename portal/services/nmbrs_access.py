"""Nmbrs access for the screens: a verified client for an administration, and its company.

The import jobs build their own clients (with the shared directory cache); these helpers are
for pages that show what Nmbrs has (the runs of a year, the companies to choose from).
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Administration, CompanyLink
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.errors import NmbrsError
from portal.services import matching


class NotConnected(NmbrsError):
    """The administration has no usable Nmbrs credentials; the message says what to do."""

    default_message = ("Nmbrs is not connected for this administration. A Portal administrator "
                       "can connect it under Settings › Nmbrs.")


def client_for(administration: Administration) -> NmbrsClient:
    """A client with the administration's effective credentials, verified (sub-domain known)."""
    try:
        from portal.services.effective_settings import credentials_for, effective_settings
    except ImportError as error:  # the settings service is not part of this build
        raise NotConnected() from error
    settings = effective_settings(administration)
    if not settings.connected or settings.credentials_id is None:
        raise NotConnected()
    try:
        username, token = credentials_for(settings.credentials_id)
    except LookupError as error:
        raise NotConnected() from error
    client = NmbrsClient.from_config(current_app.config, username, token)
    client.verify()
    return client


def company_link(administration: Administration) -> CompanyLink | None:
    return db.session.scalar(
        select(CompanyLink).where(CompanyLink.administration_id == administration.id))


@dataclass(frozen=True)
class CompanyChoices:
    debtor: object | None  # the debtor named like the domain; None: all companies are listed
    companies: list


def company_choices(administration: Administration, client: NmbrsClient) -> CompanyChoices:
    """The debtor's companies (debtor = domain name), or every company the credentials see."""
    debtor = matching.find_debtor(client.debtors(), administration.domain.name)
    companies = client.companies(debtor.id if debtor else None)
    return CompanyChoices(debtor, sorted(companies, key=lambda c: (c.name.casefold(), c.number)))


@dataclass(frozen=True)
class ResolvedCompany:
    id: int
    name: str
    number: str
    link: CompanyLink | None  # None: matched by name just now, not stored yet


def resolve_company(administration: Administration, client: NmbrsClient) -> ResolvedCompany | None:
    """The linked company, or the one matching by name and number (not stored: the import does)."""
    link = company_link(administration)
    if link is not None:
        return ResolvedCompany(link.company_id, link.company_name, link.company_number, link)
    debtor = matching.find_debtor(client.debtors(), administration.domain.name)
    if debtor is None:
        return None
    company = matching.find_company(client.companies(debtor.id), administration)
    if company is None:
        return None
    return ResolvedCompany(company.id, company.name, str(company.number), None)
