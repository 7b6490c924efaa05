"""`NmbrsClient`: the only Nmbrs entry point for the rest of the app.

It speaks in typed results and `portal.nmbrs.errors` exceptions only, so a REST implementation
can replace the SOAP modules behind it without touching jobs or screens.
"""

from collections.abc import Callable, Collection, Mapping
from typing import Protocol

from portal.nmbrs import (
    annual_statements,
    companies,
    debtors,
    employees,
    environment,
    journals,
    parallel,
    payslips,
    runs,
    wage_tax,
    work_costs,
)
from portal.nmbrs.ratelimit import SOAP_KEY, limiter_from_config
from portal.nmbrs.soap import NmbrsCredentials, SoapTransport
from portal.nmbrs.types import (
    AnnualStatement,
    Company,
    Debtor,
    Employee,
    EmployeeType,
    Environment,
    Journal,
    PaySlip,
    Run,
    RunEmployee,
    WageTaxDeclaration,
    WageTaxDocument,
    WorkCost,
)


class EmployeeTypeCache(Protocol):
    """Where the employee types of one set of credentials are kept between clients."""

    def load(self) -> list[EmployeeType] | None: ...

    def store(self, types: list[EmployeeType]) -> None: ...


class NmbrsClient(parallel.CallsInOrder):
    """Typed access to one Nmbrs environment for one user name + API token.

    Build it with `portal.services.nmbrs_access` (from stored credentials); `from_config` is the
    SOAP constructor that the factory and the tests use."""

    def __init__(self, transport: SoapTransport,
                 employee_type_cache: EmployeeTypeCache | None = None):
        self.transport = transport
        self.transport.rediscover_domain = self._current_subdomain
        self._employee_type_cache = employee_type_cache
        self._employee_types: list[EmployeeType] | None = None

    @classmethod
    def from_config(cls, config: Mapping, username: str, token: str, domain: str | None = None,
                    redis=None, on_new_domain: Callable[[str], None] | None = None,
                    employee_type_cache: EmployeeTypeCache | None = None) -> "NmbrsClient":
        """Build a client from the app config keys NMBRS_SOAP_URL, NMBRS_TIMEOUT,
        NMBRS_RETRY_BUDGET_SECONDS, NMBRS_RATE_LIMIT and NMBRS_CALLS_AT_ONCE (their defaults:
        `portal.config.DEFAULTS`).

        `domain`: the stored sub-domain (no Environment_Get needed); `on_new_domain` is told when
        Nmbrs moved the environment to another sub-domain (found after a 1001)."""
        transport = SoapTransport(
            base_url=config["NMBRS_SOAP_URL"],
            credentials=NmbrsCredentials(username, token, domain),
            timeout=float(config["NMBRS_TIMEOUT"]),
            rate_limiter=limiter_from_config(redis, int(config["NMBRS_RATE_LIMIT"]), SOAP_KEY),
            retry_budget=float(config["NMBRS_RETRY_BUDGET_SECONDS"]),
            calls_at_once=int(config["NMBRS_CALLS_AT_ONCE"]),
        )
        transport.on_new_domain = on_new_domain
        return cls(transport, employee_type_cache)

    def __repr__(self) -> str:
        return f"NmbrsClient({self.transport!r})"

    @property
    def domain(self) -> str | None:
        """The sub-domain sent as `Domain` (known after `verify`, or given at construction)."""
        return self.transport.credentials.domain

    def verify(self) -> Environment:
        """Check the credentials with Environment_Get and use its sub-domain from now on."""
        env = environment.get_environment(self.transport)
        self.transport.use_domain(env.subdomain)
        return env

    def _current_subdomain(self) -> str:
        return environment.get_environment(self.transport).subdomain

    def debtors(self) -> list[Debtor]:
        """All debtors the user may see."""
        return debtors.list_debtors(self.transport)

    def companies(self, debtor_id: int | None = None) -> list[Company]:
        """Companies of one debtor, or all companies when no debtor is given."""
        if debtor_id is None:
            return companies.list_companies(self.transport)
        return companies.list_companies_by_debtor(self.transport, debtor_id)

    def runs(self, company_id: int, year: int) -> list[Run]:
        """Payroll runs of a company in a year."""
        return runs.list_runs(self.transport, company_id, year)

    def run_employees(self, company_id: int, run_id: int, year: int) -> list[RunEmployee]:
        """Employees paid in a run."""
        return runs.list_run_employees(self.transport, company_id, run_id, year)

    def journal(self, company_id: int, run_id: int, year: int) -> Journal | None:
        """The run's journal entry, or None when Nmbrs has none."""
        return journals.get_journal(self.transport, company_id, run_id, year)

    def payslip(self, employee_id: int, company_id: int, run_id: int, year: int,
                period: int | None = None) -> PaySlip | None:
        """The employee's pay slip in a run (the first, should Nmbrs send several), or None.

        `period` is for the REST client (pay slips per period there); SOAP answers per run."""
        slips = payslips.get_employee_payslips(self.transport, employee_id, company_id, run_id,
                                               year)
        return slips[0] if slips else None

    def wage_tax_declarations(self, company_id: int, year: int) -> list[WageTaxDeclaration]:
        """Wage-tax declarations of a company in a year."""
        return wage_tax.list_declarations(self.transport, company_id, year)

    def wage_tax_xml(self, declaration_id: int, company_id: int) -> WageTaxDocument | None:
        """One declaration's XML with the figures read from it."""
        return wage_tax.get_declaration_xml(self.transport, declaration_id, company_id)

    def annual_statement(self, employee_id: int, year: int) -> AnnualStatement | None:
        """An employee's annual statement PDF, or None."""
        return annual_statements.get_annual_statement(self.transport, employee_id, year)

    def employee_types(self) -> list[EmployeeType]:
        """The employee types of this environment: asked once per credentials (cached)."""
        if self._employee_types is None:
            cache = self._employee_type_cache
            types = cache.load() if cache is not None else None
            if types is None:
                types = employees.list_employee_types(self.transport)
                if cache is not None:
                    cache.store(types)
            self._employee_types = types
        return self._employee_types

    def employees(self, company_id: int,
                  employee_ids: Collection[int] | None = None) -> list[Employee]:
        """Employees of every type with name, BSN, home address and current IBAN.

        `employee_ids`: only these Nmbrs employees (their bank accounts are one call each)."""
        return employees.employees_with_details(self.transport, company_id,
                                                self.employee_types(), only=employee_ids)

    def work_costs(self, company_id: int, year: int) -> list[WorkCost]:
        """WKR figures (fiscal wage, free space, ...) per period."""
        return work_costs.list_work_costs(self.transport, company_id, year)
