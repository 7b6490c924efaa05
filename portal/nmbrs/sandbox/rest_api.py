"""The sandbox's Nmbrs REST API (`/api/...`), answering with the spec's envelopes and errors.

Same demo world as the SOAP sandbox and the same documents (`documents`: only those employed in
a run's period are paid, corrections included), ids as stable GUIDs (`guids.guid`). Strict like
Nmbrs: the subscription key and a valid bearer token on every call, the operation's scope, the
token's own debtor only (40303 otherwise), unknown query parameters and `pageSize` > 100 refused
(40033).
Documents answer a `taskId`; `/api/documents/{taskId}` says 202 `document_pending` times, then
200 with the bytes.
"""

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from portal.nmbrs.sandbox import data as sandbox_data
from portal.nmbrs.sandbox import documents
from portal.nmbrs.sandbox.data import SandboxCompany, SandboxData
from portal.nmbrs.sandbox.guids import guid
from portal.nmbrs.sandbox.identity import SANDBOX_SUBSCRIPTION_KEY, Grant, IdentityServer

PAGING = ("pageNumber", "pageSize")
DOC_URL = "https://developer.nmbrs.com/docs/errors"


class ApiError(Exception):
    def __init__(self, status: int, code: int, title: str, kind: str, detail: str,
                 invalid: list | None = None):
        super().__init__(title)
        self.status, self.body = status, {
            "type": kind, "httpStatus": status, "code": code, "title": title, "detail": detail,
            "docUrl": DOC_URL}
        if invalid:
            self.body["invalid-params"] = invalid


def invalid_param(name: str, reason: str) -> ApiError:
    return ApiError(400, 40033, "Parameter_Invalid", "validationError", "Invalid parameter.",
                    [{"name": name, "reason": reason}])


def not_found() -> ApiError:
    return ApiError(404, 40401, "Not_Found", "invalidRequestError",
                    "The requested resource could not be found.")


def no_access() -> ApiError:
    return ApiError(403, 40303, "Unauthorized_AccessData", "authenticationError",
                    "You do not have access for the debtor or company you are trying to reach.")


@dataclass(frozen=True)
class Route:
    rule: str
    handler: str
    scopes: tuple[str, ...]
    query: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


SCOPE_COMPANY = ("company.info.read", "company.info")
SCOPE_SETTINGS = ("company.payrollsettings.read",)
SCOPE_COMPANY_DOC = ("company.document.read",)
SCOPE_EMPLOYEE_DOC = ("employee.document.read", "employee.document")
SCOPE_EMPLOYEE = ("employee.info.read", "employee.info")
SCOPE_BANK = ("employee.bankaccount.read", "employee.bankaccount")

ROUTES = (
    Route("/api/debtors", "debtors", SCOPE_COMPANY, PAGING),
    Route("/api/debtors/info", "debtor_info", ("debtor.info.read",), PAGING),
    Route("/api/user/info", "user_info", ("user.info.read",), PAGING),
    Route("/api/debtors/<debtor_id>/companies", "companies", SCOPE_COMPANY, PAGING),
    Route("/api/companies/<company_id>/runs", "runs", SCOPE_SETTINGS, PAGING + ("year",)),
    Route("/api/companies/<company_id>/runs/<run_id>/employees", "run_employees",
          SCOPE_SETTINGS, PAGING + ("year",)),
    Route("/api/companies/<company_id>/runs/<run_id>/journals", "journal", SCOPE_COMPANY_DOC,
          ("year",), ("year",)),
    Route("/api/employees/<employee_id>/payslipperperiod", "payslip", SCOPE_EMPLOYEE_DOC,
          ("period", "year")),
    Route("/api/companies/<company_id>/wagetaxes", "wage_taxes", SCOPE_SETTINGS,
          PAGING + ("year",)),
    Route("/api/companies/<company_id>/wagetaxes/<wage_tax_id>/xml", "wage_tax_xml",
          SCOPE_COMPANY_DOC),
    Route("/api/employees/<employee_id>/annualstatement", "annual_statement",
          SCOPE_EMPLOYEE_DOC, ("year",)),
    Route("/api/companies/<company_id>/employees", "employees", SCOPE_EMPLOYEE,
          PAGING + ("employeeType", "employeeId", "createdFrom")),
    Route("/api/companies/<company_id>/employees/personalinfo", "personal_info", SCOPE_EMPLOYEE,
          PAGING + ("createdFrom", "employeeId")),
    Route("/api/companies/<company_id>/employees/privateInfos", "private_infos", SCOPE_EMPLOYEE,
          PAGING + ("createdFrom",)),
    Route("/api/companies/<company_id>/employees/addresses", "addresses", SCOPE_EMPLOYEE,
          PAGING + ("createdFrom", "employeeId")),
    Route("/api/companies/<company_id>/employees/bankaccounts", "bank_accounts", SCOPE_BANK,
          PAGING + ("createdFrom", "employeeId")),
    Route("/api/companies/<company_id>/workcost", "work_costs", SCOPE_SETTINGS,
          PAGING + ("year",)),
    Route("/api/documents/<task_id>", "document", ("document.read",)),
)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Decimal) -> float:
    return float(amount)


class RestApi:
    """Answers `/api/...` for tokens issued by the sandbox's identity server."""

    def __init__(self, world: SandboxData, identity: IdentityServer, document_pending: int = 2,
                 quota_exceeded: bool = False):
        self.world = world
        self.identity = identity
        self.document_pending = document_pending
        self.quota_exceeded = quota_exceeded
        self._tasks: dict[str, list] = {}
        self._lock = threading.Lock()
        self.urls = Map([Rule(r.rule, endpoint=r, methods=["GET"]) for r in ROUTES],
                        strict_slashes=False)
        self._companies = {guid("Company", c.id): c for c in world.companies}
        self._employees = {guid("Employee", e.id): (c, e)
                           for c in world.companies for e in c.employees}

    def __call__(self, request: Request) -> Response:
        try:
            route, args = self.urls.bind_to_environ(request.environ).match()
        except Exception:  # werkzeug's NotFound / MethodNotAllowed
            return _error(not_found())
        try:
            grant = self._authenticate(request, route)
            self._check_query(request, route)
            return getattr(self, route.handler)(request, grant, **args)
        except ApiError as error:
            return _error(error)

    # -- checks -------------------------------------------------------------------------------

    def _authenticate(self, request: Request, route: Route) -> Grant:
        if request.headers.get("X-Subscription-Key") != SANDBOX_SUBSCRIPTION_KEY:
            raise ApiError(401, 40101, "Missing_Token", "authenticationError",
                           "Subscription key missing or invalid.")
        if self.quota_exceeded:
            raise ApiError(429, 42909, "Quota_Exceeded", "throttlingError",
                           "Out of call volume quota.")
        header = request.headers.get("Authorization", "")
        grant = self.identity.grant_for(header[7:]) if header.startswith("Bearer ") else None
        if grant is None:
            raise ApiError(401, 40102, "Invalid_Token", "authenticationError",
                           "Token is invalid.")
        if not set(route.scopes) & grant.scopes:
            raise ApiError(403, 40303, "Unauthorized_AccessData", "authenticationError",
                           f"Missing scope: one of {', '.join(route.scopes)}.")
        return grant

    @staticmethod
    def _check_query(request: Request, route: Route) -> None:
        for name in request.args:
            if name not in route.query:
                raise invalid_param(name, "Unknown parameter.")
        for name in route.required:
            if name not in request.args:
                raise invalid_param(name, "The parameter is required.")
        for name in ("pageNumber", "pageSize", "year", "period"):
            if name in request.args and not request.args[name].isdigit():
                raise invalid_param(name, "The parameter is invalid. It needs to be a number.")
        if int(request.args.get("pageSize", 20)) > 100 or request.args.get("pageSize") == "0":
            raise invalid_param("pageSize", "The page size must be between 1 and 100.")

    def _company(self, grant: Grant, company_id: str) -> SandboxCompany:
        company = self._companies.get(company_id)
        if company is None:
            raise ApiError(404, 40404, "Invalid_Company", "invalidRequestError",
                           "Company not found. Check if the company Id is correct.")
        if company.debtor_id != grant.debtor_id:
            raise no_access()
        return company

    def _employee(self, grant: Grant, employee_id: str):
        found = self._employees.get(employee_id)
        if found is None:
            raise not_found()
        if found[0].debtor_id != grant.debtor_id:
            raise no_access()
        return found

    def _year(self, request: Request) -> int:
        return int(request.args.get("year") or self.world.year)

    # -- lists --------------------------------------------------------------------------------

    def debtors(self, request, grant):
        return _page(request, [self._debtor(grant.debtor_id)])

    def _debtor(self, debtor_id: int) -> dict:
        debtor = self.world.debtor(debtor_id)
        return {"debtorId": guid("Debtor", debtor.id), "number": debtor.number,
                "name": debtor.name}

    def debtor_info(self, request, grant):
        debtor = self._debtor(grant.debtor_id)
        address = {"addressId": guid("DebtorAddress", grant.debtor_id), "isDefault": True,
                   "type": "debtorAddress", "street": "Stationsplein", "houseNumber": "1",
                   "postalCode": "3511 ED", "city": "Utrecht", "countryISOCode": "NL",
                   "period": {"year": self.world.year, "period": 1},
                   "createdAt": f"{self.world.year}-01-01T00:00:00Z"}
        return _page(request, [{"debtor": debtor, "address": address}])

    def user_info(self, request, grant):
        debtor = self.world.debtor(grant.debtor_id)
        return _page(request, [{
            "name": f"Demo user {debtor.name}", "email": f"payroll{debtor.number}@example.nl",
            "language": "nl", "debtorId": guid("Debtor", debtor.id),
            "userId": guid("User", debtor.id)}])

    def companies(self, request, grant, debtor_id):
        if debtor_id != guid("Debtor", grant.debtor_id):
            raise no_access()
        return _page(request, [
            {"companyId": guid("Company", c.id), "number": str(c.number), "name": c.name,
             "debtorId": debtor_id}
            for c in self.world.companies if c.debtor_id == grant.debtor_id])

    def runs(self, request, grant, company_id):
        company = self._company(grant, company_id)
        year = self._year(request)
        return _page(request, [
            {"payrollRunId": guid("Run", r.id), "number": r.number, "description": r.description,
             "year": r.year, "periodStart": r.period, "periodEnd": r.period,
             "createdAt": _iso(documents.run_at(self.world, r)), "type": "normal",
             "locked": documents.run_locked(self.world, r)}
            for r in company.runs if r.year == year])

    def _run(self, company: SandboxCompany, run_id: str, year: int):
        run = next((r for r in company.runs if guid("Run", r.id) == run_id and r.year == year),
                   None)
        if run is None:
            raise not_found()
        return run

    def run_employees(self, request, grant, company_id, run_id):
        company = self._company(grant, company_id)
        run = self._run(company, run_id, self._year(request))
        return _page(request, [{"employeeId": guid("Employee", e.id), "employeeNumber": e.number}
                               for e in documents.paid_in(company, run)])

    def wage_taxes(self, request, grant, company_id):
        company = self._company(grant, company_id)
        if self._year(request) != self.world.year:
            return _page(request, [])
        return _page(request, [
            {"wageTaxId": guid("WageTax", d.id), "serialNumber": 1,
             "totalGeneral": int(documents.declaration_total(self.world, d)),
             "paymentReference": d.payment_reference, "period": d.period, "year": d.year,
             "status": "Verzonden", "sentAt": _iso(d.sent_at),
             "periodStart": d.period_start.isoformat(), "periodEnd": d.period_end.isoformat(),
             "correctionPeriodStart": None, "correctionPeriodEnd": None}
            for d in sandbox_data.declarations(company, self.world.today)])

    def work_costs(self, request, grant, company_id):
        company = self._company(grant, company_id)
        if self._year(request) != self.world.year:
            return _page(request, [])
        return _page(request, [
            {"period": {"year": w.year, "period": w.period}, "workCostPayroll": 0.0,
             "workCostFinancial": 0.0, "fiscalWage": _money(w.fiscal_wage),
             "workCostAvailable": _money(w.available_space),
             "workCostBase": _money(w.fiscal_wage), "workCostToPay": 0.0,
             "workCostEstimated": 0.0, "workCostPaid": 0.0}
            for w in sandbox_data.work_costs(company, self.world.today)])

    # -- employees ----------------------------------------------------------------------------

    def _basic(self, e) -> dict:
        return {"employeeNumber": e.number, "firstName": e.first_name,
                "prefix": e.prefix or None, "initials": e.first_name[:1] + ".",
                "lastName": e.last_name, "employeeType": self._employee_type(e)}

    def _employee_type(self, e) -> str:
        """REST's employeeType is a status, not SOAP's EmployeeType: who has left is
        `formerPayroll`, who starts later `newHire`. Inferred: the reference lists the values
        without saying when each applies."""
        month = self.world.today.month
        if e.last_period is not None and e.last_period < month:
            return "formerPayroll"
        return "newHire" if e.first_period > month else "payroll"

    def _created(self) -> str:
        return f"{self.world.year}-01-01T00:00:00Z"

    @staticmethod
    def _people(company: SandboxCompany, request: Request):
        """The company's employees, or the one the `employeeId` filter names."""
        wanted = request.args.get("employeeId")
        return [e for e in company.employees if wanted in (None, guid("Employee", e.id))]

    def employees(self, request, grant, company_id):
        company = self._company(grant, company_id)
        types = request.args.get("employeeType")
        return _page(request, [{"employeeId": guid("Employee", e.id),
                                "employeeBasicInfo": self._basic(e)}
                               for e in self._people(company, request)
                               if not types or self._employee_type(e) in types.split(",")])

    def personal_info(self, request, grant, company_id):
        company = self._company(grant, company_id)
        return _page(request, [{"employeeId": guid("Employee", e.id), "info": [{
            "personalInfoId": guid("PersonalInfo", e.id), "basicInfo": self._basic(e),
            "period": {"year": self.world.year, "period": 1}, "createdAt": self._created()}]}
            for e in self._people(company, request)])

    def private_infos(self, request, grant, company_id):
        company = self._company(grant, company_id)
        return _page(request, [{"employeeId": guid("Employee", e.id), "privateInfos": [
            {"BSN": e.bsn, "createdAt": self._created()}]} for e in company.employees])

    def addresses(self, request, grant, company_id):
        company = self._company(grant, company_id)
        return _page(request, [{"employeeId": guid("Employee", e.id), "addresses": [{
            "addressId": guid("Address", e.id), "isDefault": True, "type": "homeAddress",
            "street": e.street, "houseNumber": e.house_number,
            "houseNumberAddition": e.house_addition or None, "postalCode": e.postal_code,
            "city": e.city, "countryISOCode": "NL",
            "period": {"year": self.world.year, "period": 1}, "createdAt": self._created()}]}
            for e in self._people(company, request)])

    def bank_accounts(self, request, grant, company_id):
        company = self._company(grant, company_id)
        return _page(request, [{"employeeId": guid("Employee", e.id), "bankAccounts": [{
            "bankAccountId": guid("BankAccount", e.id), "number": "", "description": "",
            "IBAN": e.iban, "city": e.city,
            "name": " ".join(p for p in (f"{e.first_name[:1]}.", e.prefix, e.last_name) if p),
            "bankAccountType": "standard", "createdAt": self._created()}]}
            for e in self._people(company, request)])

    # -- documents ----------------------------------------------------------------------------

    def journal(self, request, grant, company_id, run_id):
        company = self._company(grant, company_id)
        run = self._run(company, run_id, self._year(request))
        return self._task(documents.journal(self.world, company, run).encode("utf-16"))

    def payslip(self, request, grant, employee_id):
        company, employee = self._employee(grant, employee_id)
        year = self._year(request)
        period = int(request.args.get("period") or self.world.today.month)
        run = documents.run_in_period(company, year, period)
        pdf = documents.payslip_pdf(self.world, company, employee, run) if run else None
        if pdf is None:  # no run in that period, or the employee was not paid in it
            raise not_found()
        return self._task(pdf)

    def wage_tax_xml(self, request, grant, company_id, wage_tax_id):
        company = self._company(grant, company_id)
        declaration = next((d for d in sandbox_data.declarations(company, self.world.today)
                            if guid("WageTax", d.id) == wage_tax_id), None)
        if declaration is None:
            raise not_found()
        return self._task(documents.declaration_xml(self.world, declaration).encode("utf-16"))

    def annual_statement(self, request, grant, employee_id):
        company, employee = self._employee(grant, employee_id)
        if self._year(request) != self.world.year:
            raise not_found()
        return self._task(documents.annual_statement_pdf(self.world, company, employee))

    def _task(self, content: bytes) -> Response:
        task_id = str(uuid.uuid4())
        with self._lock:
            self._tasks[task_id] = [self.document_pending, content]
        return _json({"taskId": task_id})

    def document(self, request, grant, task_id):
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                raise not_found()
            if task[0] > 0:
                task[0] -= 1
                return _json("Document is being processed", status=202)
        return Response(task[1], mimetype="application/octet-stream")


def _page(request: Request, items: list) -> Response:
    number = int(request.args.get("pageNumber") or 1)
    size = int(request.args.get("pageSize") or 20)
    total_pages = max(1, -(-len(items) // size))
    base = request.base_url

    def link(n: int) -> str:
        return f"{base}?pageNumber={n}&pageSize={size}"

    return _json({"pagination": {
        "pageNumber": number, "pageSize": size, "firstPage": link(1),
        "lastPage": link(total_pages), "totalPages": total_pages, "totalRecords": len(items),
        "nextPage": link(number + 1) if number < total_pages else None,
        "previousPage": link(number - 1) if number > 1 else None,
    }, "data": items[(number - 1) * size:number * size]})


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(error: ApiError) -> Response:
    return _json(error.body, status=error.status)


__all__ = ["ROUTES", "RestApi"]
