"""`RestNmbrsClient`: the `NmbrsClient` interface over the Nmbrs REST API, for one consent.

Same methods, typed results and exceptions as the SOAP client, so jobs and screens do not change.
Ids are GUID strings instead of ints. A difference forced by the API (nmbrs-rest-api.md §1.1.6):
pay slips per employee per period (`payslip` answers the slip of the run's first period).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from portal.nmbrs import parallel
from portal.nmbrs.journals import parse_journal_xml
from portal.nmbrs.ratelimit import REST_KEY, limiter_from_config
from portal.nmbrs.rest import shapes
from portal.nmbrs.rest.errors import NotFound
from portal.nmbrs.rest.transport import MAX_PAGE_SIZE, RestTransport, TokenSource
from portal.nmbrs.types import (
    AnnualStatement,
    Company,
    Debtor,
    Employee,
    Environment,
    Journal,
    PaySlip,
    Run,
    RunEmployee,
    WageTaxDeclaration,
    WageTaxDocument,
    WorkCost,
)
from portal.nmbrs.wage_tax import parse_wage_tax_xml


@dataclass(frozen=True)
class UserInfo:
    """The Nmbrs login behind a consent (`/api/user/info`)."""

    name: str
    email: str
    debtor_id: str
    user_id: str


def document_text(data: bytes) -> str:
    """Document bytes as text: UTF-16 when it starts with a BOM (as SOAP's XML did), else UTF-8.

    The encoding of REST documents is unknown (§6.5).
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8-sig", errors="replace")


class RestNmbrsClient(parallel.CallsInOrder):
    """Typed access to the Nmbrs REST API for one debtor's consent."""

    protocol = "rest"

    def __init__(self, transport: RestTransport):
        self.transport = transport
        self._runs: dict[tuple[str, int], list[Run]] = {}

    @classmethod
    def from_config(cls, config: Mapping, subscription_key: str, tokens: TokenSource,
                    redis=None) -> "RestNmbrsClient":
        """Build a client from the app config keys NMBRS_REST_URL, NMBRS_TIMEOUT,
        NMBRS_RETRY_BUDGET_SECONDS, NMBRS_REST_RATE_LIMIT and NMBRS_CALLS_AT_ONCE (their
        defaults: `portal.config.DEFAULTS`)."""
        transport = RestTransport(
            base_url=config["NMBRS_REST_URL"],
            subscription_key=subscription_key,
            tokens=tokens,
            timeout=float(config["NMBRS_TIMEOUT"]),
            rate_limiter=limiter_from_config(redis, int(config["NMBRS_REST_RATE_LIMIT"]), REST_KEY),
            retry_budget=float(config["NMBRS_RETRY_BUDGET_SECONDS"]),
            calls_at_once=int(config["NMBRS_CALLS_AT_ONCE"]),
        )
        return cls(transport)

    def __repr__(self) -> str:
        return f"RestNmbrsClient({self.transport!r})"

    @property
    def domain(self) -> str | None:
        """REST has no sub-domains."""
        return None

    def verify(self) -> Environment:
        """Check the consent with one cheap call; REST has one host and no domain concept."""
        self.transport.get_json("/api/debtors", {"pageNumber": 1, "pageSize": 1})
        return Environment(domain=self.transport.base_url, subdomain="")

    def user_info(self) -> UserInfo:
        """The consenting login and its debtor (needs scope user.info.read)."""
        items = self.transport.get_all("/api/user/info")
        item = items[0] if items else {}
        return UserInfo(name=str(item.get("name") or ""), email=str(item.get("email") or ""),
                        debtor_id=str(shapes.required(item, "debtorId")),
                        user_id=str(item.get("userId") or ""))

    def debtors(self) -> list[Debtor]:
        """The debtors the consenting login may see (one on business environments)."""
        return [shapes.debtor(item) for item in self.transport.get_all("/api/debtors")]

    def companies(self, debtor_id: str | None = None) -> list[Company]:
        """Companies of one debtor, or of every visible debtor (never /api/companies: 40306)."""
        debtor_ids = [debtor_id] if debtor_id is not None else [d.id for d in self.debtors()]
        return [shapes.company(item) for did in debtor_ids
                for item in self.transport.get_all(f"/api/debtors/{did}/companies")]

    def runs(self, company_id: str, year: int) -> list[Run]:
        """Payroll runs of a company in a year."""
        key = (company_id, year)
        if key not in self._runs:
            items = self.transport.get_all(f"/api/companies/{company_id}/runs", {"year": year})
            self._runs[key] = [shapes.run(item) for item in items]
        return self._runs[key]

    def run_employees(self, company_id: str, run_id: str, year: int) -> list[RunEmployee]:
        """Employees paid in a run."""
        items = self.transport.get_all(f"/api/companies/{company_id}/runs/{run_id}/employees",
                                       {"year": year})
        return [shapes.run_employee(item) for item in items]

    def journal(self, company_id: str, run_id: str, year: int) -> Journal | None:
        """The run's journal entry (XML document, parsed like SOAP's), or None."""
        data = self._document_or_none(f"/api/companies/{company_id}/runs/{run_id}/journals",
                                      {"year": year})
        text = document_text(data).strip() if data else ""
        return parse_journal_xml(text) if text else None

    def payslip(self, employee_id: str, company_id: str, run_id: str, year: int,
                period: int | None = None) -> PaySlip | None:
        """The employee's pay slip of the run for `period` (default: the run's last period, the
        one its documents are booked in), or None. A run can span several periods."""
        run = self._run(company_id, run_id, year)
        if run is None:
            return None
        period = run.period_end if period is None else period
        if period not in shapes.slip_periods(run):
            return None
        return self._slip(employee_id, period, year)

    def wage_tax_declarations(self, company_id: str, year: int) -> list[WageTaxDeclaration]:
        """Wage-tax declarations of a company in a year."""
        items = self.transport.get_all(f"/api/companies/{company_id}/wagetaxes", {"year": year})
        return [shapes.wage_tax(item) for item in items]

    def wage_tax_xml(self, declaration_id: str, company_id: str) -> WageTaxDocument | None:
        """One declaration's XML with the figures read from it."""
        data = self._document_or_none(
            f"/api/companies/{company_id}/wagetaxes/{declaration_id}/xml")
        text = document_text(data).strip() if data else ""
        return parse_wage_tax_xml(declaration_id, text) if text else None

    def annual_statement(self, employee_id: str, year: int) -> AnnualStatement | None:
        """An employee's annual statement PDF, or None."""
        pdf = self._document_or_none(f"/api/employees/{employee_id}/annualstatement",
                                     {"year": year})
        return AnnualStatement(employee_id=employee_id, year=year, pdf=pdf) if pdf else None

    def employees(self, company_id: str,
                  employee_ids: Collection[str] | None = None) -> list[Employee]:
        """Employees with name, BSN, home address and current IBAN (current rows of histories);
        `employee_ids`: only these.

        Personal info carries each employee's `EmployeeBasic` (number, name), so the plain
        employee list is not asked. The BSN list has no employee filter (§3.8): read whole, it
        tells the company's size, and fewer wanted employees than its pages are read one by one
        in the other three lists."""
        base = f"/api/companies/{company_id}/employees"
        privates = self._by_employee(f"{base}/privateInfos", "privateInfos")
        wanted = None if employee_ids is None else set(employee_ids)
        one_by_one = wanted is not None and len(wanted) < _pages(len(privates))

        def rows(path: str, field: str) -> dict[str, list[dict]]:
            if not one_by_one:
                return self._by_employee(path, field)
            return {employee_id: self._by_employee(path, field, {"employeeId": employee_id})
                    .get(employee_id, []) for employee_id in wanted}

        infos = rows(f"{base}/personalinfo", "info")
        addresses = rows(f"{base}/addresses", "addresses")
        accounts = rows(f"{base}/bankaccounts", "bankAccounts")
        people = []
        for employee_id, history in infos.items():
            info = shapes.current_personal_info(history)
            if not info.get("basicInfo") or (wanted is not None and employee_id not in wanted):
                continue
            people.append(shapes.employee(
                {"employeeId": employee_id, "employeeBasicInfo": info["basicInfo"]}, info,
                shapes.current_home_address(addresses.get(employee_id, [])),
                shapes.current_bsn(privates.get(employee_id, [])),
                shapes.current_iban(accounts.get(employee_id, []))))
        return people

    def work_costs(self, company_id: str, year: int) -> list[WorkCost]:
        """WKR figures per period."""
        items = self.transport.get_all(f"/api/companies/{company_id}/workcost", {"year": year})
        return [shapes.work_cost(item) for item in items]

    # -- helpers ------------------------------------------------------------------------------

    def _run(self, company_id: str, run_id: str, year: int) -> Run | None:
        return next((r for r in self.runs(company_id, year) if r.id == run_id), None)

    def _slip(self, employee_id: str, period: int, year: int) -> PaySlip | None:
        pdf = self._document_or_none(f"/api/employees/{employee_id}/payslipperperiod",
                                     {"period": period, "year": year})
        return PaySlip(employee_id=employee_id, pdf=pdf) if pdf else None

    def _document_or_none(self, path: str, params: dict | None = None) -> bytes | None:
        """A document's bytes, or None when Nmbrs says there is none (404)."""
        try:
            return self.transport.fetch_document(path, params)
        except NotFound:
            return None

    def _by_employee(self, path: str, field: str,
                     params: dict | None = None) -> dict[str, list[dict]]:
        rows: dict[str, list[dict]] = {}
        for item in self.transport.get_all(path, params):
            rows.setdefault(item.get("employeeId"), []).extend(item.get(field) or [])
        return rows


def _pages(items: int) -> int:
    """Calls for a list of `items` at the largest page size."""
    return max(1, -(-items // MAX_PAGE_SIZE))
