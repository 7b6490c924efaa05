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
