"""Matching our objects to Nmbrs, as people name things (the one place these rules live).

- domain ↔ debtor: the same name after `name_key` ("bakkerij-de-vries" = "Bakkerij de Vries B.V.");
- administration ↔ company: the same name after `name_key` and relation code = company number
  ("001" = 1);
- employee ↔ employee: the employee number (in the importer).

When more than one Nmbrs object matches, nothing is guessed: `find_*` return None and
`company_candidates` lists the near ones, so the company chooser can show them first.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

# Legal forms written after a name; they do not tell two companies apart in one debtor.
# Compared after punctuation is gone and letters are joined: "B.V." → "bv", "V.O.F." → "vof".
LEGAL_FORMS = frozenset({"bv", "nv", "vof", "bvba", "gmbh", "ltd", "io"})
_LONGEST_LEGAL_FORM = 3  # tokens: "v o f"
_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9a-z]+")


def normalize(text: str | int | None) -> str:
    """Case- and whitespace-insensitive form: " Bakkerij  de Vries" → "bakkerij de vries"."""
    return " ".join(str(text or "").split()).casefold()


def _tokens(text: str | None) -> list[str]:
    """Lower-case words without diacritics or punctuation: "Café 't Hoekje" → [cafe, t, hoekje]."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return [token for token in _NOT_LETTER_OR_DIGIT.split(plain) if token]


def _without_legal_forms(tokens: list[str]) -> list[str]:
    changed = True
    while changed and tokens:
        changed = False
        for size in range(min(_LONGEST_LEGAL_FORM, len(tokens)), 0, -1):
            if "".join(tokens[-size:]) in LEGAL_FORMS:
                tokens, changed = tokens[:-size], True
                break
    return tokens


def name_key(text: str | None) -> str:
    """What two names must share to be the same: case, spaces, dashes, underscores,
    punctuation, diacritics and a trailing legal form (B.V., N.V., V.O.F., ...) do not count.

    "bakkerij-de-vries", "Bakkerij de Vries B.V." and "BAKKERIJ DE VRIES BV" → "bakkerijdevries".
    """
    return "".join(_without_legal_forms(_tokens(text)))


def same_name(ours: str | None, theirs: str | None) -> bool:
    key = name_key(ours)
    return bool(key) and key == name_key(theirs)


def same_number(ours: str | int | None, theirs: int | str | None) -> bool:
    """Relation code "001" matches company number 1."""
    a, b = normalize(ours), normalize(theirs)
    if a.isdigit() and b.isdigit():
        return int(a) == int(b)
    return bool(a) and a == b


def _only(matches: Sequence[T]) -> T | None:
    return matches[0] if len(matches) == 1 else None


def debtor_candidates(debtors: Iterable[T], domain_name: str) -> list[T]:
    """The debtors named like the domain."""
    return [debtor for debtor in debtors if same_name(domain_name, debtor.name)]


def find_debtor(debtors: Iterable[T], domain_name: str) -> T | None:
    """The one debtor named like the domain; None when none or several are."""
    return _only(debtor_candidates(debtors, domain_name))


def find_company(companies: Iterable[T], administration) -> T | None:
    """The one company with the administration's name and number; None when none or several."""
    return _only([company for company in companies
                  if same_name(administration.name, company.name)
                  and same_number(administration.relation_code, company.number)])


def company_candidates(companies: Iterable[T], administration) -> list[T]:
    """Companies sharing the name or the number: both first, then by name, then by number."""
    scored = []
    for company in companies:
        by_name = same_name(administration.name, company.name)
        by_number = same_number(administration.relation_code, company.number)
        if by_name or by_number:
            scored.append((not (by_name and by_number), not by_name, company))
    return [company for *_rank, company in sorted(scored, key=lambda row: row[:2])]
