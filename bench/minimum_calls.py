"""The least number of Nmbrs calls an import needs, derived from the sandbox's data alone.

Independent of what the importer does: it reads only the sandbox world (companies, their runs,
who is paid in which period, which declarations exist) and what earlier imports of the bench
fetched (the employees and declarations already known). The bench divides the calls the
sandbox counted by this number (target ≤ 1.05).

Per administration and month:
- the run list (1);
- per run of the month: the run's employees (1), the journal (1), one pay slip per paid
  employee;
- the declaration list (1) and one XML per declaration of the periods looked at that exists and
  is not imported yet;
- employee details only for paid employees not yet known: one list per employee type, the
  personal info and the addresses of the company (1 each), one bank account per employee.
Shared: the employee types (the first time any details are needed; cached after), and for
administrations not linked to their company yet, the debtor list and one company list per
debtor (the automatic round's directory cache lets every worker share them).
"""

from dataclasses import dataclass, field

from portal import demo_data
from portal.nmbrs.sandbox.data import SandboxCompany, SandboxData


@dataclass
class Known:
    """What earlier imports of the bench fetched: employees (ids) and declarations (ids)."""
    employees: set[int] = field(default_factory=set)
    declarations: set[int] = field(default_factory=set)
    employee_types: bool = False
    debtors_listed: bool = False
    companies_listed: set[int] = field(default_factory=set)  # debtor ids
    linked: set[int] = field(default_factory=set)  # company ids linked to their administration


def runs_of_month(company: SandboxCompany, year: int, month: int):
    return [run for run in company.runs if run.year == year and run.period == month]


def administration_minimum(world: SandboxData, company: SandboxCompany, month: int,
                           periods: set[int], known: Known) -> int:
    """Calls for one administration importing the runs of `month` and the declarations of
    `periods`; updates `known` with what this import fetches."""
    calls = 1  # the run list
    paid = {}
    for run in runs_of_month(company, world.year, month):
        members = company.employees_in(run.period)
        calls += 2 + len(members)  # run employees, journal, pay slips
        paid.update((e.id, e) for e in members)
    calls += 1  # the declaration list
    new = [d for d in _declarations(world, company) if d.period in periods
           and d.id not in known.declarations]
    calls += len(new)
    known.declarations.update(d.id for d in new)
    unknown = [employee_id for employee_id in paid if employee_id not in known.employees]
    if unknown:
        calls += len(demo_data.EMPLOYEE_TYPES) + 2 + len(unknown)
        known.employees.update(unknown)
    return calls


def round_minimum(world: SandboxData, companies, month: int, periods: set[int],
                  known: Known) -> int:
    """Calls for importing `companies` (one administration each) in one round."""
    calls = sum(administration_minimum(world, company, month, periods, known)
                for company in companies)
    if not known.employee_types and any(company.employees_in(month) for company in companies):
        calls += 1
        known.employee_types = True
    unlinked = [company for company in companies if company.id not in known.linked]
    if unlinked and not known.debtors_listed:
        calls += 1
        known.debtors_listed = True
    debtors = {company.debtor_id for company in unlinked} - known.companies_listed
    calls += len(debtors)
    known.companies_listed |= debtors
    known.linked.update(company.id for company in unlinked)
    return calls


def _declarations(world: SandboxData, company: SandboxCompany):
    from portal.nmbrs.sandbox.data import declarations

    return declarations(company, world.today)
