"""The list of common passwords that new passwords are checked against (OWASP ASVS 2.1.7).

`portal/data/common-passwords.txt.gz` is the list Django 5.2 ships
(django/contrib/auth/common-passwords.txt.gz, BSD licence): 19,640 common passwords, lowercased
and deduplicated, created by Royce Williams from leaked-password corpora
(https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce).
"""

import gzip
import re
from functools import cache
from pathlib import Path

LIST_PATH = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\d\W_]+$")


@cache
def _passwords() -> frozenset[str]:
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str) -> bool:
    """On the list, ignoring case, spaces at the ends, or digits and symbols added at the end
    ("Password1234!" is "password")."""
    candidate = password.strip().lower()
    base = _TRAILING_DIGITS_AND_SYMBOLS.sub("", candidate)
    return candidate in _passwords() or (len(base) >= 4 and base in _passwords())
