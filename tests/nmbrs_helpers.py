"""Helpers shared by the Nmbrs settings tests: a fake Nmbrs verification and valid form data."""

from types import SimpleNamespace

import pytest

from portal.services import nmbrs_link

TOKEN = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8A9B0"
OTHER_TOKEN = "f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3Z2Y1"


def connect_data(**overrides):
    data = {
        "username": "salaris@vandijk.nl",
        "token": TOKEN,
        "import_all": "y",
        "import_all_was": "y",
        "import_payslips": "y",
        "import_journals": "y",
        "import_tax_assessments": "y",
        "first_day": "1",
        "last_day": "31",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def fake_nmbrs(monkeypatch):
    """Replace the call to Nmbrs: `fake_nmbrs.answer` is the sub-domain or an exception."""
    fake = SimpleNamespace(calls=[], answer="kantoor")

    def verify(username, token):
        fake.calls.append((username, token))
        if isinstance(fake.answer, Exception):
            raise fake.answer
        return fake.answer

    monkeypatch.setattr(nmbrs_link, "verify_credentials", verify)
    return fake
