"""Matching our objects to Nmbrs: domain = debtor name; administration = company name and
relation code = company number; employee = employee number. Case and spacing do not matter."""

from portal.models import Administration


def normalize(text: str | int | None) -> str:
    """Case- and whitespace-insensitive form: " Bakkerij  de Vries" → "bakkerij de vries"."""
    return " ".join(str(text or "").split()).casefold()


def same_number(ours: str, theirs: int | str) -> bool:
    """Relation code "001" matches company number 1."""
    a, b = normalize(ours), normalize(theirs)
    if a.isdigit() and b.isdigit():
        return int(a) == int(b)
    return a == b


def find_debtor(debtors, domain_name: str):
    wanted = normalize(domain_name)
    return next((d for d in debtors if normalize(d.name) == wanted), None)


def find_company(companies, administration: Administration):
    wanted = normalize(administration.name)
    return next(
        (c for c in companies
         if normalize(c.name) == wanted and same_number(administration.relation_code, c.number)),
        None,
    )
