"""Spec-shaped JSON bodies for `responses` (the OpenAPI check at teardown keeps them honest)."""

import uuid

API = "https://api.nmbrsapp.com"


def gid(name: str) -> str:
    """A stable GUID per readable name, so tests can say "company-a" and mean one id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"test:{name}"))


def page(data: list, number: int = 1, total_pages: int = 1, size: int = 100) -> dict:
    link = f"{API}/api/x?pageNumber="
    return {"pagination": {
        "pageNumber": number, "pageSize": size, "totalPages": total_pages,
        "totalRecords": len(data) * total_pages, "firstPage": f"{link}1",
        "lastPage": f"{link}{total_pages}",
        "nextPage": f"{link}{number + 1}" if number < total_pages else None,
        "previousPage": f"{link}{number - 1}" if number > 1 else None,
    }, "data": data}


def error(status: int, code: int, title: str, kind: str) -> dict:
    return {"type": kind, "httpStatus": status, "code": code, "title": title,
            "detail": f"{title} detail", "docUrl": "https://developer.nmbrs.com/docs/errors"}


def debtor(name="debtor-a", number="2210", title="Bakkerij Jansen"):
    return {"debtorId": gid(name), "number": number, "name": title}


def company(name="company-a", number="1", title="Jansen BV", debtor_name="debtor-a"):
    return {"companyId": gid(name), "number": number, "name": title, "debtorId": gid(debtor_name)}


def run(name="run-1", number=1, year=2026, start=1, end=1, locked=True):
    return {"payrollRunId": gid(name), "number": number, "description": f"Run {number}",
            "year": year, "periodStart": start, "periodEnd": end,
            "createdAt": "2026-01-25T10:00:00Z", "type": "normal", "locked": locked}


def basic(number, first="Anna", last="Jansen", prefix=None):
    return {"employeeNumber": number, "firstName": first, "prefix": prefix, "initials": first[0],
            "lastName": last, "employeeType": "payroll"}


JOURNAL_XML = ("<?xml version=\"1.0\"?><journal><transaction><header><date>20260131</date>"
               "</header><lines>"
               "<line><dim1>4000</dim1><value>1234.56</value><debitcredit>debit</debitcredit>"
               "<description>Brutoloon</description></line>"
               "<line><dim1>1600</dim1><value>1234.56</value><debitcredit>credit</debitcredit>"
               "<description>Te betalen</description></line>"
               "</lines></transaction></journal>")
