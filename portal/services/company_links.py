"""The Nmbrs company of an administration: matched by name and number, or chosen by hand.

The one place that finds the company (for the import jobs and the import page alike), lists the
companies to choose from, and writes the link. One Nmbrs company belongs to at most one
administration of a portal: linking it a second time is refused with a message naming the
administration that has it.

`source` is anything with `debtors()` and `companies(debtor_id)`: an `NmbrsClient`, or the
import round's cached `Directory`.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.models import Administration, CompanyLink, Domain
from portal.models._common import utcnow
from portal.services import audit, matching
from portal.stored_text import N_, render, text


class CompanyTaken(Exception):
    """The company is linked to another administration; str() names it."""


def company_link(administration: Administration) -> CompanyLink | None:
    return db.session.scalar(
        select(CompanyLink).where(CompanyLink.administration_id == administration.id))


@dataclass(frozen=True)
class Match:
    """What matching found: a company, or why not (`cause`, `advice` for the task)."""

    company: object | None
    debtor: object | None = None
    cause: str | None = None
    advice: dict | str = ""  # a stored text (portal/stored_text.py)


def match_company(administration: Administration, source) -> Match:
    """The one company of the domain's debtor with the administration's name and number."""
    domain_name = administration.domain.name
    debtors = matching.debtor_candidates(source.debtors(), domain_name)
    if len(debtors) != 1:
        return _no_debtor(domain_name, debtors)
    debtor = debtors[0]
    company = matching.find_company(source.companies(debtor.id), administration)
    if company is None:
        return Match(None, debtor, "company.not-found", text(N_(
            'Debtor "%(debtor)s" has no Nmbrs company named "%(administration)s" with company '
            "number %(number)s, or has more than one. Make the name and relation code equal to "
            "the company in Nmbrs, or choose the Nmbrs company on the administration's page."),
            debtor=debtor.name, administration=administration.name,
            number=str(administration.relation_code)))
    holder = _holder(administration, company.id)
    if holder is not None:
        return Match(None, debtor, "company.taken", taken_message(company.name, holder))
    return Match(company, debtor)


def _no_debtor(domain_name: str, debtors: list) -> Match:
    if not debtors:
        return Match(None, None, "debtor.not-found", text(N_(
            'No Nmbrs debtor is named like domain "%(domain)s". Rename the debtor in Nmbrs or '
            "the domain, or choose the Nmbrs company on the administration's page."),
            domain=domain_name))
    names = ", ".join(f'"{debtor.name}"' for debtor in debtors)
    return Match(None, None, "debtor.ambiguous", text(N_(
        'More than one Nmbrs debtor is named like domain "%(domain)s" (%(names)s), so none was '
        "guessed. Choose the Nmbrs company on the administration's page."),
        domain=domain_name, names=names))


@dataclass(frozen=True)
class CompanyChoices:
    """The companies to choose from: near matches first, then the others by name."""

    debtor: object | None  # the debtor named like the domain; None: no single one is
    candidates: list = field(default_factory=list)
    others: list = field(default_factory=list)
    beyond_debtor: bool = False  # the list holds every company the credentials see

    @property
    def companies(self) -> list:
        return [*self.candidates, *self.others]


def company_choices(administration: Administration, source, see_all: bool) -> CompanyChoices:
    """The companies of the domain's debtor. Only with `see_all` (Portal administrators and
    Portal back office) every company the credentials see, when no single debtor matches."""
    debtor = matching.find_debtor(source.debtors(), administration.domain.name)
    if debtor is not None:
        companies = source.companies(debtor.id)
    elif see_all:
        companies = source.companies()
    else:
        companies = []
    candidates = matching.company_candidates(companies, administration)
    others = sorted((c for c in companies if c not in candidates),
                    key=lambda c: (c.name.casefold(), c.number))
    return CompanyChoices(debtor, candidates, others, beyond_debtor=debtor is None and see_all)


@dataclass(frozen=True)
class ResolvedCompany:
    id: int
    name: str
    number: str
    link: CompanyLink | None  # None: matched just now, not stored yet (the import stores it)


def resolve_company(administration: Administration, source) -> ResolvedCompany | None:
    """The linked company, or the one that matches (not stored)."""
    link = company_link(administration)
    if link is not None:
        return ResolvedCompany(link.company_id, link.company_name, link.company_number, link)
    company = match_company(administration, source).company
    if company is None:
        return None
    return ResolvedCompany(company.id, company.name, str(company.number), None)


def link_company(administration: Administration, company, chosen_by=None) -> CompanyLink:
    """Link the administration to an Nmbrs company (chosen by `chosen_by`, or matched).

    Refuses a company another administration of the portal has (CompanyTaken). Added to the
    session with an audit entry when chosen by hand; the caller commits."""
    holder = _holder(administration, company.id)
    if holder is not None:
        raise CompanyTaken(render(taken_message(company.name, holder)))
    link = company_link(administration) or CompanyLink(administration_id=administration.id)
    before = ({"company_id": link.company_id, "company_name": link.company_name}
              if link.id else None)
    link.company_id, link.company_name = company.id, company.name
    link.company_number = str(company.number)
    link.chosen_by_id = chosen_by.id if chosen_by is not None else None
    link.linked_at = utcnow()
    db.session.add(link)
    db.session.flush()
    if chosen_by is not None:
        audit.record(administration.domain.portal_id, "nmbrs.company_chosen", administration,
                     {"company_id": company.id, "company_name": company.name,
                      "company_number": str(company.number), "before": before}, user=chosen_by)
    return link


def taken_message(company_name: str, holder: Administration) -> dict:
    return text(N_('Nmbrs company "%(company)s" is already linked to administration '
                   '"%(holder)s" of domain "%(domain)s"; both would import the same documents. '
                   "Choose another company there first, or another company here."),
                company=company_name, holder=holder.name, domain=holder.domain.name)


def _holder(administration: Administration, company_id: int) -> Administration | None:
    """Another administration of the same portal linked to this company, if any."""
    return db.session.scalar(
        select(Administration)
        .join(CompanyLink, CompanyLink.administration_id == Administration.id)
        .join(Domain, Domain.id == Administration.domain_id)
        .where(CompanyLink.company_id == company_id,
               Administration.id != administration.id,
               Domain.portal_id == administration.domain.portal_id))
