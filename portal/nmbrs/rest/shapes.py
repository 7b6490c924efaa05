"""REST JSON → the typed results of `portal.nmbrs.types`.

Each inferred choice (nmbrs-rest-api.md §6 and the [I] rows of §3) sits in one small function
named after it, so it is easy to correct once a real answer is seen:
`current_personal_info`, `current_home_address`, `current_bsn`, `current_iban`,
`slip_periods`, `company_number`, `display_name`.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portal.nmbrs.errors import UnexpectedAnswer
from portal.nmbrs.types import (
    Company,
    Debtor,
    Employee,
    Run,
    RunEmployee,
    WageTaxDeclaration,
    WorkCost,
)


def _bad(what: str) -> UnexpectedAnswer:
    return UnexpectedAnswer(f"{UnexpectedAnswer.default_message} ({what})")


def required(item: dict, name: str):
    """A field that must be present."""
    if not isinstance(item, dict) or item.get(name) is None:
        raise _bad(f"missing {name}")
    return item[name]


def as_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{name} is not a whole number")
    return value


def as_decimal(value, name: str) -> Decimal:
    """JSON numbers (doubles) to Decimal via their shortest text, never via binary floats."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _bad(f"{name} is not a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _bad(f"{name} is not a number") from None


def as_datetime(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"date-time {value!r}") from None


def as_date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _bad(f"date {value!r}") from None


def _period_key(item: dict) -> tuple:
    period = item.get("period") or {}
    return (period.get("year") or 0, period.get("period") or 0, str(item.get("createdAt") or ""))


# -- debtors, companies, runs -----------------------------------------------------------------

def debtor(item: dict) -> Debtor:
    return Debtor(id=required(item, "debtorId"), number=str(item.get("number") or ""),
                  name=str(item.get("name") or ""))


def company_number(value) -> int | str:
    """REST numbers are strings ("2210"); the app compares them with relation codes as ints."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else text


def company(item: dict) -> Company:
    return Company(id=required(item, "companyId"), number=company_number(item.get("number")),
                   name=str(item.get("name") or ""))


def run(item: dict) -> Run:
    return Run(
        id=required(item, "payrollRunId"),
        number=as_int(required(item, "number"), "number"),
        year=as_int(required(item, "year"), "year"),
        period_start=as_int(required(item, "periodStart"), "periodStart"),
        period_end=as_int(required(item, "periodEnd"), "periodEnd"),
        description=str(item.get("description") or ""),
        run_at=as_datetime(item.get("createdAt")),
        is_locked=bool(item.get("locked")),
    )


def run_employee(item: dict) -> RunEmployee:
    return RunEmployee(employee_id=required(item, "employeeId"),
                       employee_number=as_int(required(item, "employeeNumber"), "employeeNumber"))


def slip_periods(run_: Run) -> list[int]:
    """Pay slips exist per employee per period: one call per period the run spans (§3.5)."""
    return list(range(run_.period_start, run_.period_end + 1))


# -- wage tax, work costs ---------------------------------------------------------------------

def wage_tax(item: dict) -> WageTaxDeclaration:
    return WageTaxDeclaration(
        id=required(item, "wageTaxId"),
        serial_number=as_int(required(item, "serialNumber"), "serialNumber"),
        payment_reference=str(item.get("paymentReference") or ""),
        total=as_decimal(item.get("totalGeneral") or 0, "totalGeneral"),
        period=as_int(required(item, "period"), "period"),
        year=as_int(required(item, "year"), "year"),
        status=str(item.get("status") or ""),
        sent_at=as_datetime(item.get("sentAt")),
        period_start=as_date(item.get("periodStart")),
        period_end=as_date(item.get("periodEnd")),
    )


def work_cost(item: dict) -> WorkCost:
    period = required(item, "period")
    money = {name: as_decimal(item.get(name) or 0, name) for name in (
        "fiscalWage", "workCostPayroll", "workCostFinancial", "workCostAvailable",
        "workCostBase", "workCostToPay", "workCostPaid")}
    estimated = item.get("workCostEstimated")
    return WorkCost(
        period=as_int(required(period, "period"), "period"),
        year=as_int(required(period, "year"), "year"),
        fiscal_wage=money["fiscalWage"],
        work_cost_payroll=money["workCostPayroll"],
        work_cost_financial=money["workCostFinancial"],
        available_space=money["workCostAvailable"],
        base=money["workCostBase"],
        to_pay=money["workCostToPay"],
        estimated=None if estimated is None else as_decimal(estimated, "workCostEstimated"),
        paid=money["workCostPaid"],
    )


# -- employees: current row out of each history -------------------------------------------------

def current_personal_info(infos: list[dict]) -> dict:
    """The newest personal-info row (latest period, then createdAt)."""
    return max(infos, key=_period_key) if infos else {}


def current_home_address(addresses: list[dict]) -> dict:
    """Prefer home addresses, then the default one, then the newest."""
    if not addresses:
        return {}
    homes = [a for a in addresses if a.get("type") == "homeAddress"] or addresses
    return max(homes, key=lambda a: (bool(a.get("isDefault")), _period_key(a)))


def current_bsn(private_infos: list[dict]) -> str:
    """The BSN of the newest private-info row."""
    rows = [row for row in private_infos or [] if row.get("BSN")]
    return str(max(rows, key=lambda r: str(r.get("createdAt") or ""))["BSN"]) if rows else ""


def current_iban(accounts: list[dict]) -> str:
    """The standard account if there is one, else the newest account with an IBAN."""
    rows = [a for a in accounts or [] if a.get("IBAN")]
    standard = [a for a in rows if a.get("bankAccountType") == "standard"] or rows
    newest = max(standard, key=lambda a: str(a.get("createdAt") or ""), default=None)
    return str(newest["IBAN"]) if newest else ""


def display_name(basic: dict) -> str:
    """"First prefix Last", like Nmbrs' SOAP DisplayName."""
    first = basic.get("firstName") or basic.get("initials") or ""
    return " ".join(part for part in (first, basic.get("prefix"), basic.get("lastName")) if part)


def employee(item: dict, info: dict, address: dict, bsn: str, iban: str) -> Employee:
    basic = required(item, "employeeBasicInfo")
    basic_now = info.get("basicInfo") or basic
    last_name = " ".join(p for p in (basic_now.get("prefix"), basic_now.get("lastName")) if p)
    house_number = (str(address.get("houseNumber") or "")
                    + str(address.get("houseNumberAddition") or ""))
    return Employee(
        id=required(item, "employeeId"),
        number=as_int(required(basic, "employeeNumber"), "employeeNumber"),
        name=display_name(basic_now),
        first_name=str(basic_now.get("firstName") or ""),
        last_name=last_name,
        street=str(address.get("street") or ""),
        house_number=house_number,
        postal_code=str(address.get("postalCode") or ""),
        city=str(address.get("city") or ""),
        iban=iban,
        bsn=bsn,
    )
