"""Tasks people can act on: the title names the cause and the administration, the action is
one click away, and the task page groups the tasks by cause."""

from portal.extensions import db
from portal.services.tasks import raise_task


def _raise(world):
    no_company = raise_task(world.administration, cause="company.not-found",
                            title="Importing payroll documents failed.", message="m")
    unknown = raise_task(world.administration, cause="payslip.unknown-employee:7",
                         title="Importing the pay slip failed.", message="m")
    credentials = raise_task(portal=world.portal, cause="credentials.invalid:3",
                             title="t", message="m")
    db.session.commit()
    return no_company, unknown, credentials


def test_titles_name_the_cause_and_the_administration(world, client_as):
    _raise(world)
    page = client_as(world.users["portal-admin"]).get("/tasks").get_data(as_text=True)
    assert "No Nmbrs company found for Bakkerij De Vries B.V." in page
    assert "Unknown employee 7 in a pay slip of Bakkerij De Vries B.V." in page
    assert "Nmbrs refused the credentials; automatic imports are paused" in page
    assert "Importing payroll documents failed." not in page


def test_titles_in_dutch(world, client_as):
    _raise(world)
    page = client_as(world.users["portal-admin"]).get(
        "/tasks", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Geen Nmbrs-bedrijf gevonden voor Bakkerij De Vries B.V." in page


def test_the_action_is_one_click_from_the_list_and_the_task(world, client_as):
    no_company, unknown, credentials = _raise(world)
    client = client_as(world.users["portal-admin"])
    page = client.get("/tasks").get_data(as_text=True)
    administration_id = world.administration.id
    assert (f'id="task-{no_company.id}-action" class="button" '
            f'href="/administrations/{administration_id}/nmbrs-company">Choose the Nmbrs company'
            ) in page
    assert (f'id="task-{unknown.id}-action" class="button" '
            f'href="/administrations/{administration_id}/import#import-employees">Import the '
            "employees") in page
    assert f'id="task-{credentials.id}-action" class="button" href="/settings/nmbrs"' in page
    detail = client.get(f"/tasks/{no_company.id}").get_data(as_text=True)
    assert 'id="task-action" class="button primary"' in detail


def test_the_task_page_groups_by_cause_and_filters_on_one(world, client_as):
    _raise(world)
    raise_task(world.administration, cause="payslip.unknown-employee:8", title="t", message="m")
    db.session.commit()
    client = client_as(world.users["portal-admin"])
    page = client.get("/tasks?assigned=all").get_data(as_text=True)
    assert 'id="task-cause-payslip-unknown-employee"' in page
    assert "Pay slip of an unknown employee</a> (2)" in page
    assert "No Nmbrs company found</a> (1)" in page
    only = client.get("/tasks?assigned=all&cause=payslip.unknown-employee").get_data(as_text=True)
    assert "2 tasks" in only and "No Nmbrs company found for" not in only
    assert 'id="task-cause-all"' in only
