"""The WKR payroll balance: fiscal wage and the other WKR figures per period, from Nmbrs."""

from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.models import WorkCostPeriod
from portal.services.import_overview import WKR_PERIODS


def store_work_costs(importer, year: int) -> int:
    """Fetch the year's work costs and store them per period (replacing earlier figures)."""
    administration_id = importer.administration.id
    existing = {row.period: row for row in db.session.scalars(select(WorkCostPeriod).where(
        WorkCostPeriod.administration_id == administration_id, WorkCostPeriod.year == year))}
    figures = importer.client.work_costs(importer.company_id(), year)
    for figure in figures:
        row = existing.get(figure.period) or WorkCostPeriod(
            administration_id=administration_id, year=year, period=figure.period)
        row.fiscal_wage = _cents(figure.fiscal_wage)
        row.work_cost_payroll = _cents(figure.work_cost_payroll)
        row.work_cost_financial = _cents(figure.work_cost_financial)
        row.available_space = _cents(figure.available_space)
        row.to_pay = _cents(figure.to_pay)
        db.session.add(row)
    db.session.commit()
    importer.result.summary[WKR_PERIODS] += len(figures)
    return len(figures)


def _cents(amount) -> Decimal:
    return Decimal(amount or 0).quantize(Decimal("0.01"))
