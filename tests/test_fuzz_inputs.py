"""No input gives a 500 (issue 12): Hypothesis posts generated text, numbers and ids to every
route's form fields and query parameters, as the roles that get past the authorization.

The routes come from `app.url_map` and the field names from every form of the app (plus the
names views read from `request.form`/`request.args` directly), so new routes and fields are
fuzzed without editing this file. It runs on SQLite and, with DATABASE_URL, on PostgreSQL (NUL
characters and int4 overflows only fail there). Examples are few and derandomized in the default
"ci" profile (tests/conftest.py); HYPOTHESIS_PROFILE=explore runs many random ones.
"""

import re

import pytest
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st

from portal.validators import MAX_ID
from tests.conftest import Client
from tests.test_route_matrix import all_routes, matrix  # noqa: F401  (fixture)

# Read by views straight from the request, not through a form class.
RAW_NAMES = ["page", "year", "domain", "status", "assigned", "next", "company_id", "run_ids",
             "documents", "assignee", "fragment", "locale", "enabled", "roles", "user_id",
             "portal_role", "import_all_was", "csrf_token"]
# Routes that end the session (the fuzzing client must stay signed in).
SKIPPED = {"auth.logout", "auth.sign_out_everywhere", "static"}

NASTY_TEXT = ["\x00", "\u202e", "\x1b[31m", "\r\n", "²", "٣", "９", "-0", "1e9", "NaN", "", " ",
              "' OR 1=1 --", "<script>x</script>", "{{7*7}}", "%00", "../../etc/passwd",
              "\ud7ff", "\ufeff", "\u200b", "𝟙", "a" * 5000]
NUMBERS = [0, -1, 1, 31, 32, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**20, -(2**63) - 1]


def form_field_names() -> list[str]:
    names = set(RAW_NAMES)
    stack = list(FlaskForm.__subclasses__())
    while stack:
        form_class = stack.pop()
        stack.extend(form_class.__subclasses__())
        names.update(name for name in dir(form_class)
                     if hasattr(getattr(form_class, name, None), "field_class"))
        for prefix in ("administration-",):  # prefixed forms (nmbrs settings rows)
            names.update(prefix + name for name in list(names))
    return sorted(names)


values = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(NUMBERS).map(str),
    st.sampled_from(["y", "on", "own", "inherit", "portal-admin", "back-office", "open",
                     "me", "all", "nl", "en", "journal", "payslips"]),
)
path_ids = st.one_of(st.sampled_from(["own", "other-domain", "other-portal"]),
                     st.sampled_from(NUMBERS[:7] + [MAX_ID]))


def _path(rule, ids, choice) -> str:
    """The rule's URL with the ids of an owner's objects, or with one (odd) number for every id."""
    if isinstance(choice, str):
        return rule.build({name: ids[choice][name] for name in rule.arguments})[1]
    return re.sub(r"<int:[^>]+>", str(choice), rule.rule)


@pytest.mark.parametrize("role", ["portal-admin", "domain-back-office"])
def test_no_input_gives_a_server_error(app, world, matrix, role):  # noqa: F811
    users, ids = matrix
    routes = sorted(((endpoint, method, rule) for endpoint, method, rule in all_routes(app)
                     if endpoint not in SKIPPED), key=lambda r: (r[2].rule, r[1]))
    names = form_field_names()
    client = Client(app).sign_in(users[role])

    @given(route=st.sampled_from(routes), choice=path_ids,
           fields=st.dictionaries(st.sampled_from(names), st.lists(values, min_size=1,
                                                                    max_size=2), max_size=6),
           htmx=st.booleans())
    def request_never_fails(route, choice, fields, htmx):
        endpoint, method, rule = route
        path = _path(rule, ids, choice)
        if method == "POST":
            response = client.post(path, fields, htmx=htmx)
        else:
            response = client.get(path, query_string=fields, htmx=htmx)
        response.close()
        assert response.status_code < 500, f"{method} {path} {fields!r}"

    request_never_fails()
