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
    assert ">3 taken</h2>" in page  # a Dutch plural, not "3 taaks"


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


def test_a_task_stored_in_english_before_still_reads(world, client_as):
    """Rows stored before texts were stored translatable show their English words."""
    task = raise_task(world.administration, cause="something.else", title="An old title.",
                      message="An old English message.", links=[("The failed import", "/x")])
    task.texts = None
    db.session.commit()
    world.users["portal-admin"].locale = "nl"
    db.session.commit()
    page = client_as(world.users["portal-admin"]).get(f"/tasks/{task.id}").get_data(
        as_text=True)
    assert "An old title." in page and "An old English message." in page
    assert ">De mislukte import</a>" in page  # a label that is a known text is translated


def test_stored_texts_format_periods_days_and_amounts_per_language(world, client_as):
    from datetime import date
    from decimal import Decimal
    from html import unescape

    from portal.stored_text import N_, day, money, period, text

    task = raise_task(world.administration, cause="journal.unbalanced:9",
                      title=text(N_("Importing the payroll journal entry failed.")),
                      message=text(N_('Administration: "%(administration)s". Run: "%(run)s". '
                                      "%(what)s"), administration="Bakkerij De Vries B.V.",
                                   run=period(2026, 5), what=text(N_(
                                       "Debit %(debit)s and credit %(credit)s differ, so the "
                                       "entry was not booked. Correct the run's journal in "
                                       "Nmbrs and import it again."),
                                       debit=money(Decimal("1234.56")),
                                       credit=money(Decimal("1234.50")))))
    catch_up = raise_task(world.administration, cause="x.y", title="t", message=text(N_(
        "Its consent expires on %(day)s; Nmbrs does not extend it. Reconnect the domain "
        "before then, or its imports stop."), day=day(date(2026, 11, 30))))
    db.session.commit()
    # Stored in English too (for the audit log and any reader without a language).
    assert task.message.startswith('Administration: "Bakkerij De Vries B.V.". Run: "May 2026". '
                                   "Debit €1,234.56 and credit €1,234.50 differ")
    user = world.users["portal-admin"]
    client = client_as(user)
    user.locale = "nl"
    db.session.commit()
    dutch = unescape(client.get(f"/tasks/{task.id}").get_data(as_text=True))
    assert ('Administratie: "Bakkerij De Vries B.V.". Verloning: "mei 2026". Debet '
            "€\xa01.234,56 en credit €\xa01.234,50 verschillen") in dutch
    assert "30-11-2026" in client.get(f"/tasks/{catch_up.id}").get_data(as_text=True)
    user.locale = "en"
    db.session.commit()
    english = unescape(client.get(f"/tasks/{task.id}").get_data(as_text=True))
    assert 'Run: "May 2026". Debit €1,234.56 and credit €1,234.50 differ' in english


def test_consent_tasks_have_their_own_group_and_action(world, client_as):
    """"nmbrs.consent.domain-N" is not "Nmbrs could not be reached": its own group, title and
    Reconnect action; the "nmbrs" list leaves it out so the list matches its group count."""
    consent = raise_task(portal=world.portal, cause=f"nmbrs.consent.domain-{world.domain.id}",
                         title="Reconnect domain bakkerij-de-vries with Nmbrs.", message="m")
    unreachable = raise_task(world.administration, cause="nmbrs.NmbrsUnavailable",
                             title="t", message="m")
    db.session.commit()
    client = client_as(world.users["portal-admin"])
    page = client.get("/tasks?assigned=all").get_data(as_text=True)
    assert "Reconnect a domain with Nmbrs</a> (1)" in page
    assert "Nmbrs could not be reached</a> (1)" in page
    assert (f'id="task-{consent.id}-action" class="button" href="/settings/nmbrs/rest">'
            "Reconnect") in page
    only = client.get("/tasks?assigned=all&cause=nmbrs").get_data(as_text=True)
    assert f'id="task-{unreachable.id}-link"' in only and f'id="task-{consent.id}-link"' not in only
    consents = client.get("/tasks?assigned=all&cause=nmbrs.consent").get_data(as_text=True)
    assert f'id="task-{consent.id}-link"' in consents
