"""The least number of Nmbrs REST calls an import needs, from the sandbox's data and the REST
reference (/work/shared/product/nmbrs-rest-api.md) alone.

The REST counterpart of bench/minimum_calls.py (same `Known`: what earlier imports of the bench
fetched), independent of what the importer does. Lists are paginated (§3): a list of n items
costs `pages(n)` calls at the largest page size the reference allows (100). A document is
asynchronous (§3.9): its request answers a task id, then `/api/documents/{taskId}` gives the
bytes; the fewest polls possible is one, so a document costs 2 calls (more 202 answers are
Nmbrs' wait, not the importer's waste).

Per administration and month:
- the run list of the year (pages of the company's runs);
- per run of the month: the run's employees (pages), the journal (a document), per paid
  employee per period of the run one pay slip (a document; there is no run-wide pay-slip
  endpoint, §3.5);
- the wage-tax list of the year (pages) and one XML (a document) per declaration of the periods
  looked at that exists and is not imported yet;
- the details of paid employees not yet known (`employee_details_calls`).
Per round: for administrations not linked to their company yet, the company list of each
debtor (pages; the consent names its debtor, §2.6, so no debtor list is needed).
"""

from bench.minimum_calls import Known, runs_of_month
from portal.nmbrs.sandbox.data import SandboxCompany, SandboxData, declarations

PAGE_SIZE = 100  # the largest pageSize the reference allows (§3 Pagination)
DOCUMENT = 2  # the task request and one fetch of /api/documents/{taskId} (§3.9)


def pages(items: int) -> int:
    """Calls for a paginated list of `items` (an empty list is one call too)."""
    return max(1, -(-items // PAGE_SIZE))


def employee_details_calls(company_employees: int, unknown: int) -> int:
    """Calls for the number, name, BSN, home address and IBAN of `unknown` employees of a company
    of `company_employees` (§3.8).

    Assumptions where the reference is not explicit: personal info carries `EmployeeBasic`
    (number and name), so the plain employee list adds nothing; the BSN comes only from the
    company-wide privateInfos list (it has no employeeId filter); personal info, addresses and
    bank accounts are each read either company-wide or per employee (`employeeId`), whichever
    costs fewer calls."""
    if not unknown:
        return 0
    company_wide = pages(company_employees)
    return company_wide + 3 * min(company_wide, unknown)


def administration_minimum(world: SandboxData, company: SandboxCompany, month: int,
                           periods: set[int], known: Known) -> int:
    """REST calls for one administration importing the runs of `month` and the declarations of
    `periods`; updates `known` with what this import fetches."""
    calls = pages(sum(1 for run in company.runs if run.year == world.year))
    paid = {}
    for run in runs_of_month(company, world.year, month):
        members = company.employees_in(run.period)
        calls += pages(len(members)) + DOCUMENT + DOCUMENT * len(members)
        paid.update((e.id, e) for e in members)
    found = declarations(company, world.today)
    calls += pages(len(found))
    new = [d for d in found if d.period in periods and d.id not in known.declarations]
    calls += DOCUMENT * len(new)
    known.declarations.update(d.id for d in new)
    unknown = [employee_id for employee_id in paid if employee_id not in known.employees]
    calls += employee_details_calls(len(company.employees), len(unknown))
    known.employees.update(unknown)
    return calls


def rest_round_minimum(world: SandboxData, companies, month: int, periods: set[int],
                       known: Known) -> int:
    """REST calls for importing `companies` (one administration each) in one round."""
    calls = sum(administration_minimum(world, company, month, periods, known)
                for company in companies)
    unlinked = [company for company in companies if company.id not in known.linked]
    for debtor_id in {company.debtor_id for company in unlinked} - known.companies_listed:
        calls += pages(sum(1 for c in world.companies if c.debtor_id == debtor_id))
        known.companies_listed.add(debtor_id)
    known.linked.update(company.id for company in unlinked)
    return calls
