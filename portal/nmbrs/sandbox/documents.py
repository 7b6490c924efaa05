"""What the sandbox's documents and run facts contain, for SOAP and REST alike.

Both protocols answer from these functions, so a SOAP import and a REST import of the same
world give identical documents (and the SOAP → REST migration compares like with like): who is
paid in a run (only those employed in its period), the journal, each pay slip, the declarations'
totals and XML, the annual statement, and the run's RunAt/IsLocked after recalculations.
"""

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.etree.ElementTree import Element

from portal.nmbrs.sandbox import data as sandbox_data
from portal.nmbrs.sandbox.data import (
    SandboxCompany,
    SandboxData,
    SandboxDeclaration,
    SandboxEmployee,
    SandboxRun,
)
from portal.nmbrs.sandbox.pdf import simple_pdf


def run_at(world: SandboxData, run: SandboxRun) -> datetime:
    """A recalculated run was run again: a later RunAt per recalculation."""
    return run.run_at + timedelta(minutes=world.recalculated.get(run.id, 0))


def run_locked(world: SandboxData, run: SandboxRun) -> bool:
    """Nmbrs unlocks a run to recalculate it; a run locked later stays locked until then."""
    recalculations = world.recalculated.get(run.id, 0)
    if run.id in world.locked:
        return world.locked[run.id] == recalculations
    return run.is_locked and recalculations == 0


def paid_in(company: SandboxCompany, run: SandboxRun) -> tuple[SandboxEmployee, ...]:
    """The employees of a run: whoever was employed in its period."""
    return company.employees_in(run.period)


def run_in_period(company: SandboxCompany, year: int, period: int) -> SandboxRun | None:
    """The run of a period (one run per period in the sandbox)."""
    return next((r for r in company.runs if r.year == year and r.period == period), None)


def journal(world: SandboxData, company: SandboxCompany, run: SandboxRun) -> str:
    """The run's journal XML (declared utf-16, as Nmbrs seems to do)."""
    return journal_xml(run.run_at.date(), sandbox_data.journal_lines(
        company, run.period, world.revision("journal", run.id)))


def journal_xml(booking_date: date, lines: list) -> str:
    """The inferred Twinfield-like journal XML, declared utf-16 as Nmbrs seems to do."""
    from portal.nmbrs.sandbox.handlers import node

    transaction = Element("transaction")
    header = ET.SubElement(transaction, "header")
    ET.SubElement(header, "date").text = booking_date.strftime("%Y%m%d")
    lines_element = ET.SubElement(transaction, "lines")
    for line in lines:
        fields = [("dim1", line.account)]
        fields += [("dim2", line.cost_center)] if line.cost_center else []
        fields += [("value", line.amount), ("debitcredit", line.side),
                   ("description", line.description)]
        lines_element.append(node("line", fields))
    root = Element("transactions")
    root.append(transaction)
    return '<?xml version="1.0" encoding="utf-16"?>' + ET.tostring(root, encoding="unicode")


def payslip_pdf(world: SandboxData, company: SandboxCompany, employee: SandboxEmployee,
                run: SandboxRun) -> bytes | None:
    """The employee's pay slip in a run; None when they were not paid in it."""
    if not employee.employed_in(run.period):
        return None
    revision = world.revision("payslip", run.id, employee.id)
    lines = [f"Loonstrook {run.description}", company.name,
             f"Werknemer {employee.number}: {employee.display_name}",
             f"Periode {run.period} {run.year}", f"Bruto loon EUR {employee.monthly_gross}"]
    return simple_pdf(lines + [f"Correctie {revision}"] * bool(revision))


def declaration_total(world: SandboxData, declaration: SandboxDeclaration) -> Decimal:
    """A corrected declaration's total changes by one euro per correction."""
    return declaration.total + world.revision("declaration", declaration.id)


def declaration_xml(world: SandboxData, declaration: SandboxDeclaration) -> str:
    """A small loonaangifte-like XML string."""
    root = Element("Loonaangifte")
    period = ET.SubElement(root, "TijdvakAangifte")
    ET.SubElement(period, "DatAanvTv").text = declaration.period_start.isoformat()
    ET.SubElement(period, "DatEindTv").text = declaration.period_end.isoformat()
    collective = ET.SubElement(ET.SubElement(root, "VolledigeAangifte"), "CollectieveAangifte")
    ET.SubElement(collective, "TotTeBet").text = str(declaration_total(world, declaration))
    return '<?xml version="1.0" encoding="utf-16"?>' + ET.tostring(root, encoding="unicode")


def annual_statement_pdf(world: SandboxData, company: SandboxCompany,
                         employee: SandboxEmployee) -> bytes:
    """The year's statement: the gross of the periods the employee was paid in."""
    gross = employee.monthly_gross * len([r for r in company.runs
                                          if r.period <= 12 and employee.employed_in(r.period)])
    return simple_pdf([f"Jaaropgaaf {world.year}", company.name,
                       f"Werknemer {employee.number}: {employee.display_name}",
                       f"Fiscaal loon EUR {gross}"])
