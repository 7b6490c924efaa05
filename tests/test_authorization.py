"""Every route answers each kind of user as the role rules say (issue 2, route × role table)."""

import pytest

from tests.conftest import LOGIN, unexpected_answer

ROLES = ["anonymous", "no-role", "domain-back-office", "portal-back-office", "portal-admin",
         "other-portal"]


def routes(world):
    d, a, u = world.domain.id, world.administration.id, world.users["no-role"].id
    return {
        ("GET", "/"): [LOGIN, 200, 200, 200, 200, 200],
        ("GET", "/domains"): [LOGIN, 200, 200, 200, 200, 200],
        ("POST", "/domains"): [LOGIN, 403, 403, 303, 303, 303],
        ("GET", f"/domains/{d}"): [LOGIN, 404, 200, 200, 200, 404],
        ("POST", f"/domains/{d}/administrations"): [LOGIN, 404, 303, 303, 303, 404],
        ("GET", f"/domains/{d}/administrations/{a}/edit"): [LOGIN, 404, 200, 200, 200, 404],
        ("POST", f"/domains/{d}/administrations/{a}"): [LOGIN, 404, 303, 303, 303, 404],
        ("POST", f"/domains/{d}/nmbrs-feature"): [LOGIN, 403, 403, 403, 303, 404],
        ("POST", f"/domains/{d}/members"): [LOGIN, 403, 403, 403, 303, 404],
        ("GET", f"/administrations/{a}"): [LOGIN, 404, 200, 200, 200, 404],
        ("GET", "/users"): [LOGIN, 403, 403, 403, 200, 200],
        ("POST", "/users"): [LOGIN, 403, 403, 403, 303, 303],
        ("POST", f"/users/{u}/role"): [LOGIN, 403, 403, 403, 303, 404],
        ("GET", "/settings"): [LOGIN, 200, 200, 200, 200, 200],
        ("GET", "/tasks"): [LOGIN, 403, 403, 200, 200, 200],
        ("GET", "/account/password"): [LOGIN, 200, 200, 200, 200, 200],
    }


def form_for(method, path, role, world):
    """Valid form data, so that an allowed request succeeds instead of failing validation."""
    if method != "POST":
        return None
    if path == "/domains":
        return {"name": f"nieuw-{role}"}
    if path.endswith("/administrations"):
        return {"name": "Bakkerij De Vries Holding B.V.", "relation_code": "2"}
    if "/administrations/" in path:  # not the one just added: that would be a duplicate
        return {"name": "Bakkerij De Vries Utrecht B.V.", "relation_code": "3"}
    if path.endswith("/nmbrs-feature"):
        return {"enabled": "y"}
    if path.endswith("/members"):
        return {"user_id": str(world.users["no-role"].id), "roles": ["hrm"]}
    if path == "/users":
        return {"email": f"new-{role}@example.nl", "password": "a long enough password",
                "portal_role": ""}
    if path.endswith("/role"):
        return {"portal_role": "portal-back-office"}
    return {}


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_route_role_table(world, client_as, role_index, role):
    user = world.users.get(role)
    failures = []
    for (method, path), expected_by_role in routes(world).items():
        expected = expected_by_role[role_index]
        client = client_as(user)
        data = form_for(method, path, role, world)
        response = client.post(path, data) if method == "POST" else client.get(path)
        failures += unexpected_answer(method, path, expected, response)
    assert not failures, "\n".join(failures)


def test_forbidden_fragment_for_htmx(world, client_as):
    """A 403 answered to htmx is a small fragment, not a whole page."""
    response = client_as(world.users["no-role"]).get("/users", htmx=True)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Your role does not allow this" in body


def test_expired_session_htmx_gets_401_with_redirect(world, client):
    """An htmx request without a session gets HX-Redirect to the login page, not a login form."""
    response = client.get(f"/domains/{world.domain.id}", htmx=True,
                          headers={"HX-Current-URL": f"http://localhost/domains/{world.domain.id}"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    assert "<form" not in response.get_data(as_text=True)


def test_member_sees_only_own_domains(world, client_as):
    body = client_as(world.users["domain-back-office"]).get("/domains").get_data(as_text=True)
    assert "bakkerij-de-vries" in body
    assert "elders" not in body


def test_no_role_user_sees_no_domains_and_no_users_link(world, client_as):
    body = client_as(world.users["no-role"]).get("/domains").get_data(as_text=True)
    assert "bakkerij-de-vries" not in body
    assert 'href="/users"' not in body
