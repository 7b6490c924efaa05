"""CompanyService/WorkCost_GetList: WKR figures and fiscal wage per period."""

from portal.nmbrs.parsing import decimal, integer, items, optional_decimal
from portal.nmbrs.soap import SoapTransport
from portal.nmbrs.types import WorkCost


def list_work_costs(transport: SoapTransport, company_id: int, year: int) -> list[WorkCost]:
    """CompanyService/WorkCost_GetList(CompanyId, Year)."""
    result = transport.call("CompanyService", "WorkCost_GetList",
                            [("CompanyId", company_id), ("Year", year)])
    return [
        WorkCost(
            period=integer(node, "Period"),
            year=integer(node, "Year"),
            fiscal_wage=decimal(node, "FiscalWage"),
            work_cost_payroll=decimal(node, "WorkCostPayroll"),
            work_cost_financial=decimal(node, "WorkCostFinancial"),
            available_space=decimal(node, "WorkCostAvailableSpace"),
            base=decimal(node, "WorkCostBase"),
            to_pay=decimal(node, "WorkCostToPay"),
            estimated=optional_decimal(node, "WorkCostEstimated"),
            paid=decimal(node, "WorkCostPaid"),
        )
        for node in items(result, "WorkCost")
    ]
