"""CompanyService: payroll runs and the employees in a run."""

from portal.nmbrs.parsing import boolean, date_time, integer, items, text
from portal.nmbrs.soap import SoapTransport
from portal.nmbrs.types import Run, RunEmployee


def list_runs(transport: SoapTransport, company_id: int, year: int) -> list[Run]:
    """CompanyService/Run_GetList(CompanyId, Year)."""
    result = transport.call("CompanyService", "Run_GetList",
                            [("CompanyId", company_id), ("Year", year)])
    return [
        Run(
            id=integer(node, "ID"),
            number=integer(node, "Number"),
            year=integer(node, "Year"),
            period_start=integer(node, "PeriodStart"),
            period_end=integer(node, "PeriodEnd"),
            description=text(node, "Description"),
            run_at=date_time(node, "RunAt"),
            is_locked=boolean(node, "IsLocked"),
        )
        for node in items(result, "RunInfo")
    ]


def list_run_employees(transport: SoapTransport, company_id: int, run_id: int,
                       year: int) -> list[RunEmployee]:
    """CompanyService/Run_GetEmployeesByRunCompany(CompanyId, RunId, Year)."""
    result = transport.call("CompanyService", "Run_GetEmployeesByRunCompany",
                            [("CompanyId", company_id), ("RunId", run_id), ("Year", year)])
    return [
        RunEmployee(employee_id=integer(node, "EmployeeId"),
                    employee_number=integer(node, "EmployeeNumber"))
        for node in items(result, "EmployeeIdNumber")
    ]
