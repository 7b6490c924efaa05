"""The task inbox (issue 5): raising, de-duplicating, handling and showing import problems."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Task, TaskStatus
from portal.services import tasks as task_service
from portal.services.task_causes import task_title
from portal.services.tasks import (
    complete_stale_tasks,
    open_task_count,
    raise_task,
    resolve_tasks,
)
from tests.conftest import unexpected_answer
from tests.test_authorization import LOGIN, ROLES

T0 = datetime(2026, 5, 1, 9, 0)
UNKNOWN_EMPLOYEE_MESSAGE = (
    'Administration: "Bakkerij De Vries B.V." Run: "May 2026". Employee 10000 is unknown in this '
    "administration — import the employees from Nmbrs, or check the employee number."
)


# The title names the cause and the administration (issue 15), whatever the raiser stored.
UNKNOWN_EMPLOYEE_TITLE = "Unknown employee 10000 in a pay slip of Bakkerij De Vries B.V."


def raise_unknown_employee(world, now=T0, number=10000, administration=None):
    administration = administration or world.administration
    task = raise_task(
        administration,
        cause=f"payslip.unknown-employee:{number}",
        title="Importing the pay slip failed.",
        message=UNKNOWN_EMPLOYEE_MESSAGE.replace("10000", str(number)),
        links=[("Employees of Bakkerij De Vries B.V.", f"/administrations/{administration.id}"),
               ("Nmbrs settings", "/settings")],
        import_run_id=7,
        now=now,
    )
    db.session.commit()
    return task


def badge_count(body: str) -> int:
    match = re.search(r'<span id="task-badge"[^>]*>\s*(?:<span class="badge"[^>]*>(\d+)</span>)?',
                      body)
    assert match, "the Tasks link has no badge element"
    return int(match.group(1) or 0)


# --- creating tasks: de-duplication and reopening ---------------------------------------------

def test_a_new_problem_becomes_an_open_task_for_the_portal_administrators(world):
    task = raise_unknown_employee(world)
    assert task.status == TaskStatus.OPEN
    assert task.portal_id == world.portal.id
    assert task.occurrences == 1 and task.first_seen == task.last_seen == T0
    assert task.assignee is None and task.assignee_label == "Portal administrators"
    assert task.link_pairs == [("Employees of Bakkerij De Vries B.V.",
                                f"/administrations/{world.administration.id}"),
                               ("Nmbrs settings", "/settings")]
    assert open_task_count(world.users["portal-admin"]) == 1
    assert open_task_count(world.users["portal-back-office"]) == 0
    assert open_task_count(world.users["other-portal"]) == 0
    assert open_task_count(world.users["no-role"]) == 0


def test_a_repeat_counts_an_occurrence_instead_of_adding_a_task(world):
    first = raise_unknown_employee(world)
    again = raise_task(world.administration, cause="payslip.unknown-employee:10000",
                       title="Importing the pay slip failed.", message="Updated message.",
                       links=[("Nmbrs settings", "/settings")], now=T0 + timedelta(days=1))
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(db.func.count(Task.id))) == 1
    assert again.occurrences == 2
    assert again.first_seen == T0 and again.last_seen == T0 + timedelta(days=1)
    assert again.message == "Updated message."
    assert again.link_pairs == [("Nmbrs settings", "/settings")]


def test_another_cause_or_administration_is_another_task(world):
    raise_unknown_employee(world, number=10000)
    raise_unknown_employee(world, number=10001)
    raise_unknown_employee(world, administration=world.other_administration)
    assert db.session.scalar(select(db.func.count(Task.id))) == 3
    other = db.session.scalar(select(Task).where(
        Task.administration_id == world.other_administration.id))
    assert other.portal_id == world.other_portal.id


def test_a_portal_wide_problem_needs_no_administration(world):
    first = raise_task(portal=world.portal, cause="credentials.invalid",
                       title="The Nmbrs link stopped working.",
                       message="Nmbrs refused the API token. Enter a new token.",
                       links=[("Nmbrs settings", "/settings")])
    again = raise_task(portal=world.portal, cause="credentials.invalid",
                       title="The Nmbrs link stopped working.", message="Again.")
    db.session.commit()
    assert first.id == again.id and again.occurrences == 2
    assert again.administration is None
    with pytest.raises(TypeError):
        raise_task(cause="x", title="x", message="x")


def test_two_workers_raising_the_same_problem_at_once_make_one_task(world, monkeypatch):
    """The unique key catches the race; the loser counts an occurrence instead of failing."""
    first = raise_unknown_employee(world)
    real_find = task_service._find
    calls = []

    def find_misses_once(portal_id, key):
        calls.append(key)
        return None if len(calls) == 1 else real_find(portal_id, key)

    monkeypatch.setattr(task_service, "_find", find_misses_once)
    again = raise_unknown_employee(world, now=T0 + timedelta(hours=1))
    assert again.id == first.id and again.occurrences == 2
    assert db.session.scalar(select(db.func.count(Task.id))) == 1


def test_a_completed_task_is_reopened_when_the_problem_comes_back(world):
    task = raise_unknown_employee(world)
    assert resolve_tasks(world.administration, now=T0 + timedelta(hours=1)) == 1
    db.session.commit()
    assert task.status == TaskStatus.COMPLETED and task.completed_at is not None
    again = raise_unknown_employee(world, now=T0 + timedelta(days=2))
    assert again.id == task.id
    assert again.status == TaskStatus.OPEN
    assert again.occurrences == 2 and again.completed_at is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "task.reopened"))


# --- assignment --------------------------------------------------------------------------------

def test_reassigning_to_another_portal_user(world):
    task = raise_unknown_employee(world)
    back_office = world.users["portal-back-office"]
    task_service.reassign_task(task, back_office, world.users["portal-admin"])
    db.session.commit()
    assert task.assignee == back_office
    assert open_task_count(back_office) == 1
    assert open_task_count(world.users["portal-admin"]) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "task.reassigned"))
    assert entry.user_id == world.users["portal-admin"].id
    assert entry.details == {"from": "Portal administrators", "to": back_office.email}


@pytest.mark.parametrize("who", ["no-role", "domain-back-office", "other-portal"])
def test_tasks_go_only_to_portal_users_of_the_same_portal(world, who):
    task = raise_unknown_employee(world)
    with pytest.raises(task_service.TaskError):
        task_service.reassign_task(task, world.users[who])


def test_a_reopened_task_returns_to_the_administrators_when_its_assignee_lost_the_role(world):
    back_office = world.users["portal-back-office"]
    task = raise_unknown_employee(world)
    task_service.reassign_task(task, back_office)
    resolve_tasks(world.administration)
    back_office.portal_role = None
    db.session.commit()
    raise_unknown_employee(world, now=T0 + timedelta(days=3))
    assert task.status == TaskStatus.OPEN and task.assignee is None


# --- completing: by hand and automatically -----------------------------------------------------

def test_marking_as_completed_by_hand(world, client_as):
    task = raise_unknown_employee(world)
    admin = world.users["portal-admin"]
    client = client_as(admin)
    response = client.post(f"/tasks/{task.id}/complete")
    assert response.status_code == 303
    assert task.status == TaskStatus.COMPLETED
    assert task.completed_by == admin
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "task.completed"))
    assert entry.user_id == admin.id and entry.target_id == task.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Task completed" in page and 'id="task-complete"' not in page


def test_a_successful_import_completes_the_administrations_tasks(world):
    unknown = raise_unknown_employee(world, number=10000)
    company = raise_task(world.administration, cause="company.not-found",
                         title="Importing the pay slips failed.", message="No Nmbrs company.")
    elsewhere = raise_unknown_employee(world, administration=world.other_administration)
    portal_wide = raise_task(portal=world.portal, cause="credentials.invalid", title="t",
                             message="m")
    db.session.commit()

    assert resolve_tasks(world.administration, cause_prefix="payslip.") == 1
    assert unknown.status == TaskStatus.COMPLETED and company.status == TaskStatus.OPEN
    assert resolve_tasks(world.administration) == 1
    assert company.status == TaskStatus.COMPLETED
    assert elsewhere.status == TaskStatus.OPEN and portal_wide.status == TaskStatus.OPEN
    assert unknown.completed_by is None
    assert resolve_tasks(world.administration) == 0


def test_tasks_without_a_repeat_for_30_days_are_completed(world, app):
    old = raise_unknown_employee(world, number=1, now=T0)
    recent = raise_unknown_employee(world, number=2, now=T0 + timedelta(days=20))
    assert complete_stale_tasks(now=T0 + timedelta(days=29)) == 0
    assert complete_stale_tasks(now=T0 + timedelta(days=30)) == 1
    assert old.status == TaskStatus.COMPLETED and recent.status == TaskStatus.OPEN
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert old.shown_completed_reason == "No repeat for 30 days."


def test_the_auto_complete_period_is_configurable(world, app):
    app.config["TASK_AUTO_COMPLETE_DAYS"] = 7
    task = raise_unknown_employee(world, now=T0)
    assert complete_stale_tasks(now=T0 + timedelta(days=7)) == 1
    assert task.status == TaskStatus.COMPLETED


def test_the_daily_job_and_command_complete_stale_tasks(world, app):
    from jobs.tasks_maintenance import complete_stale_tasks as job

    task = raise_unknown_employee(world, now=datetime(2020, 1, 1))
    assert job() == 1
    assert task.status == TaskStatus.COMPLETED
    result = app.test_cli_runner().invoke(args=["tasks", "complete-stale"])
    assert result.exit_code == 0 and "Completed 0 tasks" in result.output


# --- the page: filters and paging --------------------------------------------------------------

@pytest.fixture
def many_tasks(world):
    """120 open tasks of our administration, one a minute, plus a few others."""
    for number in range(120):
        # A cause the task catalogue does not know: the stored title is shown as it is.
        raise_task(world.administration, cause=f"test.ordering:{number}",
                   title=f"Employee {number:03d} is unknown.", message="m",
                   now=T0 + timedelta(minutes=number))
    db.session.commit()
    return world


def titles(body: str) -> list[str]:
    return re.findall(r'id="task-\d+-link"[^>]*>([^<]+)</a>', body)


def test_the_list_is_sorted_by_last_seen_and_paged(many_tasks, client_as):
    client = client_as(many_tasks.users["portal-admin"])
    first = client.get("/tasks").get_data(as_text=True)
    assert "120 tasks" in first and "page 1 of 3" in first
    assert len(titles(first)) == 50
    assert titles(first)[0] == "Employee 119 is unknown."
    assert titles(first)[-1] == "Employee 070 is unknown."
    last = client.get("/tasks?page=3").get_data(as_text=True)
    assert titles(last) == [f"Employee {n:03d} is unknown." for n in range(19, -1, -1)]
    assert 'id="tasks-next"' not in last and 'id="tasks-previous"' in last
    beyond = client.get("/tasks?page=99").get_data(as_text=True)
    assert titles(beyond) == titles(last)


def test_a_repeat_moves_a_task_to_the_top(many_tasks, client_as):
    raise_task(many_tasks.administration, cause="test.ordering:5",
               title="Employee 005 is unknown.", message="m", now=T0 + timedelta(days=1))
    db.session.commit()
    body = client_as(many_tasks.users["portal-admin"]).get("/tasks").get_data(as_text=True)
    assert titles(body)[0] == "Employee 005 is unknown."


def test_filter_assigned_to_me_or_everyone(world, client_as):
    mine = raise_unknown_employee(world, number=1)
    theirs = raise_unknown_employee(world, number=2)
    task_service.reassign_task(theirs, world.users["portal-back-office"])
    db.session.commit()

    admin = client_as(world.users["portal-admin"])
    assert titles(admin.get("/tasks").get_data(as_text=True)) == [task_title(mine)]
    assert len(titles(admin.get("/tasks?assigned=all").get_data(as_text=True))) == 2
    back_office = client_as(world.users["portal-back-office"])
    assert len(titles(back_office.get("/tasks?assigned=me").get_data(as_text=True))) == 1
    body = back_office.get("/tasks?assigned=all").get_data(as_text=True)
    assert "pbo@example.nl" in body and "2 tasks" in body


def test_filter_status_and_domain(world, client_as):
    from portal.models import Administration, Domain

    second_domain = Domain(portal=world.portal, name="slagerij-jansen")
    butcher = Administration(domain=second_domain, name="Slagerij Jansen", relation_code="1")
    db.session.add_all([second_domain, butcher])
    db.session.commit()
    bakery_task = raise_unknown_employee(world, number=1)
    butcher_task = raise_task(butcher, cause="company.not-found", title="No company for Jansen.",
                              message="m")
    done = raise_unknown_employee(world, number=2)
    task_service.complete_task(done, world.users["portal-admin"])
    db.session.commit()

    client = client_as(world.users["portal-admin"])
    assert set(titles(client.get("/tasks").get_data(as_text=True))) == {
        task_title(bakery_task), task_title(butcher_task)}
    by_domain = client.get(f"/tasks?domain={second_domain.id}").get_data(as_text=True)
    assert titles(by_domain) == ["No Nmbrs company found for Slagerij Jansen"]
    assert "Slagerij Jansen" in by_domain and "slagerij-jansen" in by_domain
    completed = client.get("/tasks?status=completed").get_data(as_text=True)
    assert titles(completed) == [task_title(done)] and "Completed" in completed
    # Nonsense filters fall back to the defaults instead of failing.
    assert client.get("/tasks?status=x&assigned=y&domain=z&page=-1").status_code == 200


def test_the_list_shows_what_the_inbox_promises(world, client_as):
    raise_unknown_employee(world, now=T0)
    raise_unknown_employee(world, now=T0 + timedelta(days=1, hours=2))
    body = client_as(world.users["portal-admin"]).get("/tasks").get_data(as_text=True)
    for text in [UNKNOWN_EMPLOYEE_TITLE, "Bakkerij De Vries B.V.", "bakkerij-de-vries",
                 "01-05-2026 11:00", "02-05-2026 13:00", "Open", "Portal administrators",
                 "Mark as completed"]:
        assert text in body, text
    assert re.search(r'<td class="amount">\s*2\s*</td>', body)


def test_in_dutch_the_row_and_the_explanation_read_as_dutch_sentences(world, client_as):
    task = raise_unknown_employee(world)
    body = client_as(world.users["portal-admin"]).get(
        "/tasks", headers={"Accept-Language": "nl"}).get_data(as_text=True)

    assert f'aria-label="Taak {task.id} markeren als afgehandeld: ' in body
    assert f"Behandelaar van taak {task.id}: " in body
    assert "of als het probleem 30 dagen niet terugkomt." in body


# --- the detail page ---------------------------------------------------------------------------

def test_the_task_page_explains_what_to_do_and_links_to_the_fix(world, client_as):
    task = raise_unknown_employee(world)
    body = client_as(world.users["portal-back-office"]).get(f"/tasks/{task.id}").get_data(
        as_text=True)
    assert UNKNOWN_EMPLOYEE_TITLE in body
    assert "Employee 10000 is unknown in this administration" in body
    assert "&#34;Bakkerij De Vries B.V.&#34;" in body or '"Bakkerij De Vries B.V."' in body
    assert f'<a href="/administrations/{world.administration.id}">Employees of Bakkerij' in body
    assert '<a href="/settings">Nmbrs settings</a>' in body


def test_unsafe_links_are_not_shown(world, client_as):
    task = raise_task(world.administration, cause="x", title="x", message="x",
                      links=[("Click", "javascript:alert(1)"), ("Elsewhere", "//evil.example")])
    db.session.commit()
    body = client_as(world.users["portal-admin"]).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "javascript:" not in body and "evil.example" not in body


# --- htmx: the row and the badge change without reloading --------------------------------------

def test_completing_in_a_row_returns_the_row_and_the_badge_out_of_band(world, client_as):
    one, two = raise_unknown_employee(world, number=1), raise_unknown_employee(world, number=2)
    client = client_as(world.users["portal-admin"])
    assert badge_count(client.get("/tasks").get_data(as_text=True)) == 2

    response = client.post(f"/tasks/{one.id}/complete", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<tr id="task-{one.id}"')
    assert "Completed" in body and f'id="task-{one.id}-complete"' not in body
    assert '<span id="task-badge" hx-swap-oob="true">' in body and badge_count(body) == 1
    assert 'hx-swap-oob="innerHTML:#flashes"' in body and "Task completed" in body
    assert "HX-Request" in response.headers["Vary"]
    assert two.status == TaskStatus.OPEN


def test_reassigning_in_a_row_returns_the_row_and_the_badge(world, client_as):
    task = raise_unknown_employee(world)
    back_office = world.users["portal-back-office"]
    response = client_as(world.users["portal-admin"]).post(
        f"/tasks/{task.id}/assignee", {"assignee": str(back_office.id)}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'<option value="{back_office.id}" selected>' in body
    assert badge_count(body) == 0  # no longer mine
    assert task.assignee == back_office


def test_reassigning_on_the_task_page_returns_its_handling_panel(world, client_as):
    task = raise_unknown_employee(world)
    response = client_as(world.users["portal-back-office"]).post(
        f"/tasks/{task.id}/assignee",
        {"assignee": str(world.users["portal-back-office"].id), "fragment": "detail"}, htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="task-handling"') and "<html" not in body
    assert badge_count(body) == 1  # now the back office user's own task


@pytest.mark.parametrize("who", ["no-role", "other-portal", "nobody", "not-a-number"])
def test_reassigning_to_someone_not_allowed_is_refused(world, client_as, who):
    task = raise_unknown_employee(world)
    value = {"nobody": "99999", "not-a-number": "abc"}.get(who) or str(world.users[who].id)
    response = client_as(world.users["portal-admin"]).post(
        f"/tasks/{task.id}/assignee", {"assignee": value}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in body and "Choose a portal user from the list." in body
    assert task.assignee is None


def test_refreshing_the_list_is_a_fragment_with_the_badge(world, client_as):
    client = client_as(world.users["portal-admin"])
    page = client.get("/tasks").get_data(as_text=True)
    assert 'hx-trigger="click, every 30s"' in page and 'id="task-rows"' in page
    raise_unknown_employee(world)
    response = client.get("/tasks?status=open&assigned=me", htmx=True)
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="task-rows"' in body
    assert UNKNOWN_EMPLOYEE_TITLE in body
    assert '<span id="task-badge" hx-swap-oob="true">' in body and badge_count(body) == 1


def test_a_boosted_navigation_gets_the_whole_page(world, client_as):
    body = client_as(world.users["portal-admin"]).get(
        "/tasks", headers={"HX-Request": "true", "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in body


def test_the_badge_is_in_the_navigation_on_every_page(world, client_as):
    raise_unknown_employee(world)
    assert badge_count(client_as(world.users["portal-admin"]).get("/").get_data(as_text=True)) == 1
    body = client_as(world.users["no-role"]).get("/").get_data(as_text=True)
    assert 'id="task-badge"' not in body and 'href="/tasks"' not in body


# --- CSRF ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["complete", "assignee"])
def test_posts_without_the_csrf_token_are_refused(world, client_as, action):
    task = raise_unknown_employee(world)
    response = client_as(world.users["portal-admin"]).post(
        f"/tasks/{task.id}/{action}", {"assignee": ""}, csrf=False)
    assert response.status_code == 400
    assert task.status == TaskStatus.OPEN


# --- who may do what: the route × role table ---------------------------------------------------

def task_routes(ours: Task, theirs: Task):
    return {
        ("GET", "/tasks"): [LOGIN, 403, 403, 200, 200, 200],
        ("GET", f"/tasks/{ours.id}"): [LOGIN, 403, 403, 200, 200, 404],
        ("POST", f"/tasks/{ours.id}/complete"): [LOGIN, 403, 403, 303, 303, 404],
        ("POST", f"/tasks/{ours.id}/assignee"): [LOGIN, 403, 403, 303, 303, 404],
        ("GET", f"/tasks/{theirs.id}"): [LOGIN, 403, 403, 404, 404, 200],
        ("POST", f"/tasks/{theirs.id}/complete"): [LOGIN, 403, 403, 404, 404, 303],
        ("POST", f"/tasks/{theirs.id}/assignee"): [LOGIN, 403, 403, 404, 404, 303],
        ("GET", "/tasks/99999"): [LOGIN, 403, 403, 404, 404, 404],
    }


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_task_route_role_table(world, client_as, role_index, role):
    user = world.users.get(role)
    failures = []
    for (method, path), expected_by_role in task_routes(
            raise_unknown_employee(world), raise_unknown_employee(
                world, administration=world.other_administration)).items():
        expected = expected_by_role[role_index]
        client = client_as(user)
        response = client.post(path, {"assignee": ""}) if method == "POST" else client.get(path)
        failures += unexpected_answer(method, path, expected, response)
    assert not failures, "\n".join(failures)


def test_other_portals_tasks_are_not_listed(world, client_as):
    raise_unknown_employee(world, administration=world.other_administration)
    body = client_as(world.users["portal-admin"]).get("/tasks?assigned=all").get_data(as_text=True)
    assert "0 tasks" in body and "Elders B.V." not in body
    body = client_as(world.users["other-portal"]).get("/tasks").get_data(as_text=True)
    assert "1 task" in body and "Elders B.V." in body


def test_htmx_requests_without_a_session_get_401_with_redirect(world, client):
    response = client.get("/tasks", htmx=True)
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_a_403_for_htmx_is_a_fragment(world, client_as):
    response = client_as(world.users["no-role"]).get("/tasks", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "<html" not in body


def test_in_dutch_the_empty_list_and_the_badge_read_as_dutch_sentences(world, client_as):
    raise_unknown_employee(world)
    client = client_as(world.users["portal-admin"])
    dutch = {"Accept-Language": "nl"}

    open_list = client.get("/tasks", headers=dutch).get_data(as_text=True)
    done_list = client.get("/tasks?status=completed&assigned=me",
                           headers=dutch).get_data(as_text=True)

    assert "1 openstaande taak die aan u is toegewezen" in open_list  # the badge, read aloud
    assert "Geen afgehandelde taken die aan u zijn toegewezen." in done_list
    assert "Nee" not in done_list  # "No" as in "Yes / No" was the start of the sentence
