"""GUID ↔ int for one portal's Nmbrs objects (see `NmbrsIdMap`), and a REST client that speaks
int ids, so the importer, the stored documents and the company links work unchanged over REST."""

import random
from dataclasses import replace

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import CompanyLink, TaxAssessment
from portal.models.nmbrs_rest import NmbrsIdMap
from portal.nmbrs.errors import N_, NmbrsError
from portal.nmbrs.rest.client import RestNmbrsClient
from portal.nmbrs.types import (
    AnnualStatement,
    Company,
    Debtor,
    Employee,
    PaySlip,
    Run,
    RunEmployee,
    WageTaxDeclaration,
    WageTaxDocument,
)

ID_ATTEMPTS = 20


class NotMigrated(NmbrsError):
    default_message = N_(
        "This Nmbrs object was imported over SOAP and is not yet known over REST. Move its "
        "domain to REST on the Nmbrs REST API page (or run `flask nmbrs-migrate-to-rest`) while "
        "SOAP still answers, or link the company again.")


def same_declaration(declarations, year: int, period: int, serial_number: int | None):
    """The declaration with the human key (year, period, serial number) of one company, or None.

    Without a serial number (assessments imported before it was kept) only an unambiguous
    period matches."""
    same = [d for d in declarations if (d.year, d.period) == (year, period)]
    if serial_number is not None:
        return next((d for d in same if d.serial_number == serial_number), None)
    return same[0] if len(same) == 1 else None


class IdMap:
    """Reads and extends the map in its own session (a new id is committed at once: harmless,
    and safe when two imports meet the same new object)."""

    def __init__(self, engine, portal_id: int):
        self.engine = engine
        self.portal_id = portal_id
        self._to_int: dict[tuple[str, str], int] = {}
        self._to_guid: dict[tuple[str, int], str] = {}

    def int_for(self, entity: str, guid: str) -> int:
        """The stored int id of a GUID; a new negative one when it was never seen."""
        key = (entity, guid)
        if key not in self._to_int:
            self._remember(entity, guid, self._lookup_or_add(entity, guid))
        return self._to_int[key]

    def ints_for(self, entity: str, guids) -> dict[str, int]:
        """`int_for` of many GUIDs: the known ones in one query, the new ones added together
        (one by one only when another import adds some at the same moment). A run of 2,000
        new employees cost 2,000 round trips to the database one at a time."""
        missing = list(dict.fromkeys(g for g in guids if (entity, g) not in self._to_int))
        if missing:
            self._read_known(entity, missing)
            new = [g for g in missing if (entity, g) not in self._to_int]
            if new and not self._add_together(entity, new):
                for guid in new:
                    self.int_for(entity, guid)
        return {guid: self._to_int[(entity, guid)] for guid in guids}

    def _read_known(self, entity: str, guids: list[str]) -> None:
        with Session(self.engine) as session:
            for start in range(0, len(guids), 500):
                for guid, int_id in session.execute(select(NmbrsIdMap.guid, NmbrsIdMap.int_id)
                                                    .filter_by(portal_id=self.portal_id,
                                                               entity=entity)
                                                    .where(NmbrsIdMap.guid.in_(
                                                        guids[start:start + 500]))):
                    self._remember(entity, guid, int_id)

    def _add_together(self, entity: str, guids: list[str]) -> bool:
        with Session(self.engine) as session:
            lowest = session.scalar(select(func.min(NmbrsIdMap.int_id)).filter_by(
                portal_id=self.portal_id, entity=entity)) or 0
            pairs = [(guid, min(lowest, 0) - 1 - n) for n, guid in enumerate(guids)]
            try:
                session.execute(insert(NmbrsIdMap), [
                    {"portal_id": self.portal_id, "entity": entity, "int_id": int_id,
                     "guid": guid, "source": "rest"} for guid, int_id in pairs])
                session.commit()
            except IntegrityError:
                session.rollback()  # another import took some of them (or the ids)
                return False
        for guid, int_id in pairs:
            self._remember(entity, guid, int_id)
        return True

    def guid_for(self, entity: str, int_id: int) -> str:
        key = (entity, int_id)
        if key not in self._to_guid:
            with Session(self.engine) as session:
                guid = session.scalar(select(NmbrsIdMap.guid).filter_by(
                    portal_id=self.portal_id, entity=entity, int_id=int_id))
            if guid is None:
                raise NotMigrated(f"{NotMigrated.default_message} ({entity} {int_id})")
            self._remember(entity, guid, int_id)
        return self._to_guid[key]

    def known_int(self, entity: str, guid: str) -> int | None:
        """The int id of a GUID if it is mapped already (nothing is added)."""
        if (entity, guid) in self._to_int:
            return self._to_int[(entity, guid)]
        with Session(self.engine) as session:
            return session.scalar(select(NmbrsIdMap.int_id).filter_by(
                portal_id=self.portal_id, entity=entity, guid=guid))

    def add(self, session: Session, entity: str, int_id: int, guid: str, source: str) -> bool:
        """Record a known pair (migration); False when either side is mapped already."""
        taken = session.scalar(select(func.count(NmbrsIdMap.id)).where(
            NmbrsIdMap.portal_id == self.portal_id, NmbrsIdMap.entity == entity,
            (NmbrsIdMap.guid == guid) | (NmbrsIdMap.int_id == int_id)))
        if taken:
            return False
        session.add(NmbrsIdMap(portal_id=self.portal_id, entity=entity, int_id=int_id,
                               guid=guid, source=source))
        return True

    def _remember(self, entity: str, guid: str, int_id: int) -> None:
        self._to_int[(entity, guid)] = int_id
        self._to_guid[(entity, int_id)] = guid

    def _lookup_or_add(self, entity: str, guid: str) -> int:
        """Concurrent imports of one portal all reach for the next free id: each retry after a
        clash steps a random distance further down (gaps are harmless), so 16 workers mapping
        new employees at once get through instead of failing after a few clashes."""
        for attempt in range(ID_ATTEMPTS):
            with Session(self.engine) as session:
                found = session.scalar(select(NmbrsIdMap.int_id).filter_by(
                    portal_id=self.portal_id, entity=entity, guid=guid))
                if found is not None:
                    return found
                lowest = session.scalar(select(func.min(NmbrsIdMap.int_id)).filter_by(
                    portal_id=self.portal_id, entity=entity)) or 0
                new_id = min(lowest, 0) - 1 - random.randrange(8 * attempt + 1)
                session.add(NmbrsIdMap(portal_id=self.portal_id, entity=entity, int_id=new_id,
                                       guid=guid, source="rest"))
                try:
                    session.commit()
                    return new_id
                except IntegrityError:
                    session.rollback()  # another import added it (or took the id): read again
        raise RuntimeError(f"Could not map Nmbrs {entity} {guid}")


class MappedRestClient:
    """`RestNmbrsClient` with the int ids of the SOAP client: same methods, same results."""

    protocol = "rest"

    def __init__(self, rest: RestNmbrsClient, ids: IdMap):
        self.rest = rest
        self.ids = ids

    def __repr__(self) -> str:
        return f"MappedRestClient({self.rest!r})"

    @property
    def domain(self) -> str | None:
        return None

    def verify(self):
        return self.rest.verify()

    def _with_ints(self, entity: str, items: list, field: str = "id") -> list:
        """`items` with their GUID `field` replaced by the int id (all looked up together)."""
        ints = self.ids.ints_for(entity, [getattr(item, field) for item in items])
        return [replace(item, **{field: ints[getattr(item, field)]}) for item in items]

    def _g(self, entity: str, int_id: int) -> str:
        return self.ids.guid_for(entity, int_id)

    def debtors(self) -> list[Debtor]:
        return self._with_ints("Debtor", self.rest.debtors())

    def companies(self, debtor_id: int | None = None) -> list[Company]:
        guid = None if debtor_id is None else self._g("Debtor", debtor_id)
        return self._with_ints("Company", self.rest.companies(guid))

    def runs(self, company_id: int, year: int) -> list[Run]:
        return self._with_ints("Run", self.rest.runs(self._g("Company", company_id), year))

    def run_employees(self, company_id: int, run_id: int, year: int) -> list[RunEmployee]:
        members = self.rest.run_employees(self._g("Company", company_id), self._g("Run", run_id),
                                          year)
        return self._with_ints("Employee", members, "employee_id")

    def journal(self, company_id: int, run_id: int, year: int):
        return self.rest.journal(self._g("Company", company_id), self._g("Run", run_id), year)

    def in_order(self, call, items):
        return self.rest.in_order(call, items)

    def payslip(self, employee_id: int, company_id: int, run_id: int, year: int,
                period: int | None = None) -> PaySlip | None:
        slip = self.rest.payslip(self._g("Employee", employee_id), self._g("Company", company_id),
                                 self._g("Run", run_id), year, period)
        return replace(slip, employee_id=employee_id) if slip else None

    def wage_tax_declarations(self, company_id: int, year: int) -> list[WageTaxDeclaration]:
        found = self.rest.wage_tax_declarations(self._g("Company", company_id), year)
        self._adopt_imported_declarations(company_id, found)
        return self._with_ints("WageTax", found)

    def _adopt_imported_declarations(self, company_id: int, found) -> None:
        """A declaration imported over SOAP but never mapped (imported after the migration, or
        the migration could not see it) is found by its human key (company, year, period,
        serial number) and keeps its id: nothing is imported twice."""
        new = [d for d in found if self.ids.known_int("WageTax", d.id) is None]
        if not new:
            return
        with Session(self.ids.engine) as session:
            mapped = select(NmbrsIdMap.int_id).filter_by(portal_id=self.ids.portal_id,
                                                         entity="WageTax")
            stored = session.scalars(select(TaxAssessment).join(
                CompanyLink, CompanyLink.administration_id == TaxAssessment.administration_id
            ).where(CompanyLink.portal_id == self.ids.portal_id,
                    CompanyLink.company_id == company_id,
                    TaxAssessment.nmbrs_declaration_id > 0,
                    TaxAssessment.nmbrs_declaration_id.not_in(mapped))).all()
            for assessment in stored:
                match = same_declaration(found, assessment.year, assessment.period,
                                         assessment.serial_number)
                if match is not None and match in new:
                    new.remove(match)
                    self.ids.add(session, "WageTax", assessment.nmbrs_declaration_id, match.id,
                                 "key")
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # another import adopted them a moment ago

    def wage_tax_xml(self, declaration_id: int, company_id: int) -> WageTaxDocument | None:
        document = self.rest.wage_tax_xml(self._g("WageTax", declaration_id),
                                          self._g("Company", company_id))
        return replace(document, declaration_id=declaration_id) if document else None

    def annual_statement(self, employee_id: int, year: int) -> AnnualStatement | None:
        statement = self.rest.annual_statement(self._g("Employee", employee_id), year)
        return replace(statement, employee_id=employee_id) if statement else None

    def employees(self, company_id: int, employee_ids=None) -> list[Employee]:
        """Employees of every type (REST lists them per company); `employee_ids`: only these."""
        guids = None if employee_ids is None else [self._g("Employee", i) for i in employee_ids]
        mapped = self._with_ints("Employee",
                                 self.rest.employees(self._g("Company", company_id), guids))
        wanted = None if employee_ids is None else set(employee_ids)
        return [e for e in mapped if wanted is None or e.id in wanted]

    def work_costs(self, company_id: int, year: int):
        return self.rest.work_costs(self._g("Company", company_id), year)
