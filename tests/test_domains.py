"""Domains and administrations: creating, naming rules, the Nmbrs feature switch, members."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Administration, AuditEntry, Domain, DomainRole


def domain_count() -> int:
    return db.session.scalar(select(func.count(Domain.id)))


@pytest.mark.parametrize(
    "name,message",
    [
        ("", "Enter a domain name."),
        ("Bakkerij", "lowercase letters, digits and dashes"),
        ("bakkerij de vries", "lowercase letters, digits and dashes"),
        ("-bakkerij", "not starting or ending with a dash"),
        ("bakkerij-", "not starting or ending with a dash"),
        ("bakkerij_de_vries", "lowercase letters, digits and dashes"),
        ("bäkkerij", "lowercase letters, digits and dashes"),
        ("a" * 64, "at most 63 characters"),
        ("bakkerij-de-vries", "already exists"),
    ],
)
def test_bad_domain_names_are_rejected_with_a_clear_message(world, client_as, name, message):
    before = domain_count()
    response = client_as(world.users["portal-admin"]).post("/domains", {"name": name}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'aria-invalid="true"' in body and "autofocus" in body
    assert "<html" not in body  # the form fragment alone
    assert domain_count() == before


def test_creating_a_domain_redirects_to_its_page_and_is_audited(world, client_as):
    response = client_as(world.users["portal-back-office"]).post("/domains", {"name": "garage-7"})
    domain = db.session.scalar(select(Domain).where(Domain.name == "garage-7"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/domains/{domain.id}"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "domain.created"))
    assert entry.user_id == world.users["portal-back-office"].id
    assert entry.target_id == domain.id


def test_domain_name_cannot_be_changed(world, client_as):
    """No route renames a domain; posting a name to the domain's routes leaves it unchanged."""
    client = client_as(world.users["portal-admin"])
    domain_id = world.domain.id
    for path in (f"/domains/{domain_id}", f"/domains/{domain_id}/edit"):
        response = client.post(path, {"name": "nieuwe-naam"})
        assert response.status_code in (404, 405)
    client.post(f"/domains/{domain_id}/administrations/{world.administration.id}",
                {"name": "Nieuwe naam B.V.", "relation_code": "1", "domain": "nieuwe-naam"})
    assert db.session.get(Domain, domain_id).name == "bakkerij-de-vries"
    body = client.get(f"/domains/{domain_id}").get_data(as_text=True)
    assert 'name="name" value="bakkerij-de-vries"' not in body


def test_add_administration_validates_and_saves(world, client_as):
    client = client_as(world.users["domain-back-office"])
    url = f"/domains/{world.domain.id}/administrations"
    response = client.post(url, {"name": "  ", "relation_code": ""}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter the administration&#39;s name." in body and "Enter the relation code." in body
    response = client.post(url, {"name": " De Vries Holding B.V. ", "relation_code": " 2 "})
    assert response.status_code == 303
    added = db.session.scalar(select(Administration).where(Administration.relation_code == "2"))
    assert added.name == "De Vries Holding B.V."


@pytest.mark.parametrize("role,may_set", [("domain-back-office", False),
                                          ("portal-back-office", True), ("portal-admin", True)])
def test_only_portal_staff_set_the_payroll_contract(world, client_as, role, may_set):
    """Issue 12 item 7: the payroll contract switches the Nmbrs link on for the administration;
    a domain's Back office neither sees the box nor sets it, also not by posting it."""
    client = client_as(world.users[role])
    world.administration.payroll_contract = False
    db.session.commit()
    page = client.get(f"/domains/{world.domain.id}").get_data(as_text=True)
    assert ('name="payroll_contract"' in page) == may_set
    client.post(f"/domains/{world.domain.id}/administrations",
                {"name": "Nieuw B.V.", "relation_code": "7", "payroll_contract": "y"})
    added = db.session.scalar(select(Administration).where(Administration.relation_code == "7"))
    assert added.payroll_contract == may_set
    row = f"/domains/{world.domain.id}/administrations/{world.administration.id}"
    client.post(row, {"name": "Bakkerij De Vries B.V.", "relation_code": "1",
                      "payroll_contract": "y"})
    assert db.session.get(Administration, world.administration.id).payroll_contract == may_set


def test_a_domain_role_keeps_the_payroll_contract_when_editing(world, client_as):
    client = client_as(world.users["domain-back-office"])
    row = f"/domains/{world.domain.id}/administrations/{world.administration.id}"
    assert 'name="payroll_contract"' not in client.get(row + "/edit", htmx=True).get_data(
        as_text=True)
    response = client.post(row, {"name": "Bakkerij De Vries B.V.", "relation_code": "5"})
    assert response.status_code == 303
    administration = db.session.get(Administration, world.administration.id)
    assert administration.relation_code == "5" and administration.payroll_contract


def test_inline_edit_renames_an_administration(world, client_as):
    client = client_as(world.users["portal-back-office"])
    base = f"/domains/{world.domain.id}/administrations/{world.administration.id}"
    form = client.get(base + "/edit", htmx=True)
    assert form.status_code == 200 and "<html" not in form.get_data(as_text=True)
    response = client.post(base, {"name": "Bakkerij De Vries Utrecht B.V.", "relation_code": "3"},
                           htmx=True)
    assert response.status_code == 200
    assert "Bakkerij De Vries Utrecht B.V." in response.get_data(as_text=True)
    administration = db.session.get(Administration, world.administration.id)
    assert administration.relation_code == "3"
    assert not administration.payroll_contract  # the unchecked box switched the contract off


def test_nmbrs_feature_for_a_domain_gives_every_administration_a_payroll_contract(world,
                                                                                  client_as):
    world.administration.payroll_contract = False
    second = Administration(domain=world.domain, name="De Vries Vastgoed B.V.", relation_code="2")
    db.session.add(second)
    db.session.commit()
    active = select(Administration.id).where(Administration.has_active_payroll_contract,
                                             Administration.domain_id == world.domain.id)
    assert db.session.scalars(active).all() == []

    response = client_as(world.users["portal-admin"]).post(
        f"/domains/{world.domain.id}/nmbrs-feature", {"enabled": "y"})
    assert response.status_code == 303
    assert sorted(db.session.scalars(active)) == sorted([world.administration.id, second.id])

    client_as(world.users["portal-admin"]).post(f"/domains/{world.domain.id}/nmbrs-feature",
                                               {"enabled": ""})
    assert db.session.scalars(active).all() == []


def test_portal_admin_sets_member_roles(world, client_as):
    user = world.users["no-role"]
    client = client_as(world.users["portal-admin"])
    response = client.post(f"/domains/{world.domain.id}/members",
                           {"user_id": str(user.id), "roles": ["back-office", "hrm"]})
    assert response.status_code == 303
    assert user.domain_roles(db.session.get(Domain, world.domain.id)) == {
        DomainRole.BACK_OFFICE, DomainRole.HRM}
    # With the Back office role the user now may open the domain and add administrations.
    assert client_as(user).get(f"/domains/{world.domain.id}").status_code == 200
    page = client.get(f"/domains/{world.domain.id}").get_data(as_text=True)
    assert "norole@example.nl" in page and "Back office, HRM" in page


def test_members_cannot_be_added_from_another_portal(world, client_as):
    client = client_as(world.users["portal-admin"])
    stranger = world.users["other-portal"]
    response = client.post(f"/domains/{world.domain.id}/members",
                           {"user_id": str(stranger.id), "roles": ["back-office"]})
    assert response.status_code == 422
    assert stranger.memberships == []


def _connect_portal(world, **switches):
    from portal.models import NmbrsSettings

    db.session.add(NmbrsSettings(portal_id=world.portal.id, scope="portal",
                                 username="salaris@vandijk.nl", token="secret", **switches))
    db.session.commit()


def _nmbrs_cell(page: str, domain: Domain) -> str:
    return page.split(f'id="domain-{domain.id}-nmbrs">')[1].split("</td>")[0]


def test_in_dutch_the_switch_and_the_edit_links_of_a_domain_are_dutch_phrases(world, client_as):
    client = client_as(world.users["portal-admin"])
    dutch = {"Accept-Language": "nl"}
    page = client.get(f"/domains/{world.domain.id}", headers=dutch).get_data(as_text=True)
    edit_page = client.get(f"/domains/{world.domain.id}/administrations/"
                           f"{world.administration.id}/edit", headers=dutch).get_data(as_text=True)

    assert not world.domain.nmbrs_enabled
    assert '<button type="submit">Aanzetten voor alle administraties</button>' in page
    assert 'aria-label="Bakkerij De Vries B.V. wijzigen"' in page  # the verb last, as in Dutch
    assert "<h1>Bakkerij De Vries B.V. wijzigen</h1>" in edit_page


def test_the_domains_list_shows_administrations_importing_with_their_own_contract(
        world, client_as):
    """The domain's switch is off, but its administration has its own payroll contract: it
    imports, so the list must not say "Off" (issue 15)."""
    _connect_portal(world)
    db.session.add(Administration(domain=world.domain, name="Winkel B.V.", relation_code="2",
                                  payroll_contract=False))
    empty = Domain(portal=world.portal, name="zonder-koppeling")
    db.session.add_all([empty, Administration(domain=empty, name="Los B.V.", relation_code="1",
                                              payroll_contract=False)])
    db.session.commit()
    assert not world.domain.nmbrs_enabled
    client = client_as(world.users["portal-back-office"])
    page = client.get("/domains").get_data(as_text=True)
    assert _nmbrs_cell(page, world.domain).strip() == (
        "On for 1 of 2 administrations (own payroll contract)")
    assert _nmbrs_cell(page, empty).strip() == "Off"
    assert "Warning:" not in page

    world.domain.nmbrs_enabled = True
    db.session.commit()
    page = client.get("/domains").get_data(as_text=True)
    assert _nmbrs_cell(page, world.domain).strip() == "On for all administrations"
    dutch = client.get("/domains", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert _nmbrs_cell(dutch, world.domain).strip() == "Aan voor alle administraties"


def test_a_domain_with_every_import_switched_off_shows_a_warning(world, client_as):
    from portal.models import NmbrsSettings

    _connect_portal(world)
    # The domain's own settings switch every document type off.
    db.session.add(NmbrsSettings(
        portal_id=world.portal.id, scope=NmbrsSettings.scope_for(domain_id=world.domain.id),
        import_payslips=False, import_journals=False, import_tax_assessments=False,
        import_late_runs=False))
    db.session.commit()
    page = client_as(world.users["portal-admin"]).get("/domains").get_data(as_text=True)
    cell = _nmbrs_cell(page, world.domain)
    assert "On for 1 of 1 administrations" in cell
    assert ("every automatic import of this domain is switched off, so no payroll documents "
            "arrive by themselves.") in cell
    assert f'href="/settings/nmbrs/domains/{world.domain.id}"' in cell
    # A domain member sees the warning without the settings link (not theirs to change).
    member = client_as(world.users["domain-back-office"]).get("/domains").get_data(as_text=True)
    assert "every automatic import" in member and "/settings/nmbrs/domains" not in member
    # One administration imports with settings of its own: no warning.
    db.session.add(NmbrsSettings(
        portal_id=world.portal.id,
        scope=NmbrsSettings.scope_for(administration_id=world.administration.id),
        import_payslips=True, import_journals=False, import_tax_assessments=False,
        import_late_runs=False))
    db.session.commit()
    page = client_as(world.users["portal-admin"]).get("/domains").get_data(as_text=True)
    assert "every automatic import" not in page


def test_the_domains_list_costs_the_same_queries_for_more_domains(world, client_as):
    from sqlalchemy import event

    _connect_portal(world)
    client = client_as(world.users["portal-admin"])

    def queries() -> int:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert client.get("/domains").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count

    small = queries()
    for number in range(15):
        domain = Domain(portal=world.portal, name=f"extra-{number}")
        db.session.add_all([domain, Administration(domain=domain, name=f"Extra {number} B.V.",
                                                   relation_code="1", payroll_contract=True)])
    db.session.commit()
    assert queries() == small
