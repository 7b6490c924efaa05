"""Who may import what: views do not reach into jobs, services do not reach into the request."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_view_imports_jobs():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "portal" / "views").rglob("*.py")
                 if any(name == "jobs" or name.startswith("jobs.")
                        for name in imported_names(path))]
    assert offenders == []


def test_no_service_reads_the_signed_in_user_or_the_request():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "portal" / "services").glob("*.py")
                 if {"flask_login.current_user", "flask.request",
                     "flask.has_request_context"} & imported_names(path)]
    assert offenders == []


def test_views_answer_through_portal_htmx():
    """A saved form answers with htmx.saved and a fragment with htmx.render: no view writes its
    own HX-Redirect, and only the session changes (sign-in, sign-out, password), the guards that
    send a GET to the form that applies, and Connect with Nmbrs redirect themselves."""
    redirects, hx_redirects = {}, []
    for path in sorted((ROOT / "portal" / "views").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        calls = [node for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                 and node.func.id == "redirect"]
        if calls:
            redirects[name] = len(calls)
        if "HX-Redirect" in path.read_text():
            hx_redirects.append(name)
    assert redirects == {"portal/views/auth.py": 5, "portal/views/nmbrs_rest.py": 1,
                         "portal/views/nmbrs_settings/connection.py": 3}
    assert hx_redirects == []
