"""Importing by hand: the Nmbrs company of an administration, the runs of a year, progress.

Viewing progress needs a view role on the domain; starting an import needs manage rights (the
domain's Back office or portal staff). Linking the administration to an Nmbrs company, and any
list of companies beyond the domain's own debtor, is for portal staff only.
"""

from datetime import date

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from redis.exceptions import RedisError

from portal.authz import can_link_nmbrs_company, load_administration
from portal.extensions import db
from portal.models import ImportRun
from portal.nmbrs.errors import NmbrsError
from portal.services import (
    company_links,
    import_overview,
    import_progress,
    import_queue,
    nmbrs_access,
)
from portal.document_types import DOCUMENT_LABELS, TICKED_DOCUMENTS
from portal.htmx import is_htmx, render
from portal.validators import parse_id

bp = Blueprint("imports", __name__, url_prefix="/administrations")

YEARS_BACK = 4
DEFAULT_DOCUMENTS = TICKED_DOCUMENTS
QUEUE_DOWN = ("The import queue cannot be reached right now, so nothing was started. Try again in "
              "a minute; if it persists, tell a Portal administrator.")
ALREADY_RUNNING = ("An import of this kind is already queued or running for this administration; "
                   "nothing new was queued. Wait until it has finished.")


# -- the Nmbrs company ------------------------------------------------------------------------


def _load_for_linking(administration_id):
    """The administration, for Portal administrators and Portal back office only (issue 12)."""
    administration = load_administration(administration_id, manage=True)
    if not can_link_nmbrs_company(current_user):
        abort(403)
    return administration


@bp.get("/<int:administration_id>/nmbrs-company")
def company(administration_id):
    """The companies to choose from: the near matches first, then the others."""
    return _company_chooser(_load_for_linking(administration_id))


@bp.get("/<int:administration_id>/nmbrs-company/section")
def company_section(administration_id):
    """The company section as on the administration's page (Cancel of the chooser)."""
    administration = load_administration(administration_id)
    return render("imports/company.html", "imports/_company_section.html",
                  administration=administration, domain=administration.domain,
                  link=company_links.company_link(administration), saved=None,
                  may_link=can_link_nmbrs_company(current_user))


@bp.post("/<int:administration_id>/nmbrs-company")
def choose_company(administration_id):
    """Link the administration to the chosen Nmbrs company, from now on."""
    administration = _load_for_linking(administration_id)
    raw = request.form.get("company_id", "")
    try:
        choices = _choices(administration)
    except NmbrsError as error:
        return _company_chooser(administration, nmbrs_error=str(error), status=200)
    company_id = parse_id(raw)
    chosen = next((c for c in choices.companies if company_id and c.id == company_id), None)
    if chosen is None:
        return _company_chooser(administration, choices=choices, status=422,
                                field_error="Choose one of the Nmbrs companies in the list.")
    try:
        link = company_links.link_company(administration, chosen, chosen_by=current_user)
    except company_links.CompanyTaken as taken:
        return _company_chooser(administration, choices=choices, status=422,
                                field_error=str(taken))
    db.session.commit()
    if is_htmx():
        return render("imports/company.html", "imports/_company_section.html",
                      administration=administration, link=link, may_link=True,
                      saved=f'Linked to Nmbrs company "{chosen.name}".')
    return redirect(url_for("administrations.show", administration_id=administration.id)
                    + "#nmbrs-company", 303)


def _choices(administration):
    client = nmbrs_access.client_for(administration)
    return company_links.company_choices(administration, client,
                                         see_all=can_link_nmbrs_company(current_user))


def _company_chooser(administration, choices=None, nmbrs_error=None, field_error=None,
                     status=200):
    if choices is None and nmbrs_error is None:
        try:
            choices = _choices(administration)
        except NmbrsError as error:
            nmbrs_error = str(error)
    return render("imports/company.html", "imports/_company_form.html", status,
                  administration=administration, domain=administration.domain,
                  link=company_links.company_link(administration), choices=choices,
                  nmbrs_error=nmbrs_error, field_error=field_error)


# -- manual import ----------------------------------------------------------------------------


def _today() -> date:
    return date.today()


def _year_arg(value) -> int:
    today = _today()
    try:
        year = int(value)
    except (TypeError, ValueError):
        return today.year
    return year if today.year - YEARS_BACK <= year <= today.year else today.year


@bp.get("/<int:administration_id>/import")
def import_page(administration_id):
    """The runs Nmbrs has for a year, what of each is imported, and the import buttons."""
    administration = load_administration(administration_id, manage=True)
    year = _year_arg(request.args.get("year"))
    return _import_page(administration, year, selected_runs=set(),
                        selected_documents=set(DEFAULT_DOCUMENTS))


@bp.post("/<int:administration_id>/import")
def start_import(administration_id):
    """Queue a manual import of the chosen runs and document types."""
    administration = load_administration(administration_id, manage=True)
    year = _year_arg(request.form.get("year"))
    run_ids = {run_id for run_id in map(parse_id, request.form.getlist("run_ids")) if run_id}
    documents = {v for v in request.form.getlist("documents") if v in DOCUMENT_LABELS}
    errors = {}
    if not run_ids:
        errors["run_ids"] = "Choose at least one run to import."
    if not documents:
        errors["documents"] = "Choose at least one kind of document to import."
    if errors:
        return _import_page(administration, year, selected_runs=run_ids,
                            selected_documents=documents, errors=errors, status=422)
    return _start(administration, "manual", year,
                  {"year": year, "run_ids": sorted(run_ids), "documents": sorted(documents)})


@bp.post("/<int:administration_id>/import/employees")
def import_employees(administration_id):
    """Queue the import of all Nmbrs employees (create, or update by BSN)."""
    administration = load_administration(administration_id, manage=True)
    return _start(administration, "employees", _year_arg(request.form.get("year")), {})


@bp.post("/<int:administration_id>/import/work-costs")
def retrieve_work_costs(administration_id):
    """Queue the retrieval of the WKR payroll balance of the chosen year."""
    administration = load_administration(administration_id, manage=True)
    year = _year_arg(request.form.get("year"))
    return _start(administration, "work-costs", year, {"year": year})


def _start(administration, kind, year, import_request):
    """Queue the import; htmx gets the progress fragment, a plain form the import page."""
    try:
        import_run = import_queue.start_manual_import(administration.id, current_user, kind,
                                                 import_request)
    except RedisError:
        if is_htmx():
            return render("imports/progress.html", "imports/_progress.html",
                          administration=administration, message=QUEUE_DOWN, import_run=None)
        return _import_page(administration, year, selected_runs=set(),
                            selected_documents=set(DEFAULT_DOCUMENTS), message=QUEUE_DOWN)
    if import_run is None:
        active = import_queue.active_import(administration.id, kind)
        if is_htmx():
            return render("imports/progress.html", "imports/_progress.html",
                          administration=administration, message=ALREADY_RUNNING,
                          **_progress_context(active))
        return _import_page(administration, year, selected_runs=set(),
                            selected_documents=set(DEFAULT_DOCUMENTS), message=ALREADY_RUNNING)
    if is_htmx():
        return render("imports/progress.html", "imports/_progress.html",
                      administration=administration, **_progress_context(import_run))
    return redirect(url_for(".import_page", administration_id=administration.id, year=year), 303)


def _import_page(administration, year, selected_runs, selected_documents, errors=None,
                 message=None, status=200):
    runs, company, nmbrs_error = [], None, None
    try:
        client = nmbrs_access.client_for(administration)
        company = company_links.resolve_company(administration, client)
        if company is not None:
            runs = import_overview.run_overviews(administration.id,
                                                 client.runs(company.id, year), _today())
    except NmbrsError as error:
        nmbrs_error = str(error)
    work_costs, fiscal_wage_total = import_overview.work_costs(administration.id, year)
    active = [run for kind in import_overview.KIND_LABELS if kind != "automatic"
              for run in [import_queue.active_import(administration.id, kind)] if run is not None]
    response = render(
        "imports/import.html", "imports/_import_form.html", status,
        administration=administration, domain=administration.domain, year=year,
        years=list(range(_today().year, _today().year - YEARS_BACK - 1, -1)),
        runs=runs, company=company, nmbrs_error=nmbrs_error, errors=errors or {},
        selected_runs=selected_runs, selected_documents=selected_documents,
        document_choices=import_overview.document_choices(), message=message,
        work_costs=work_costs, fiscal_wage_total=fiscal_wage_total,
        active_progress={run.kind: _progress_context(run) for run in active},
    )
    if is_htmx():  # the form answers into the progress slot; its own errors replace the form
        response.headers["HX-Retarget"] = "#manual-import"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


# -- live progress ----------------------------------------------------------------------------


@bp.get("/<int:administration_id>/imports/<int:import_run_id>")
def progress(administration_id, import_run_id):
    """One import's progress; while unfinished the fragment asks for itself again in 1 s."""
    administration = load_administration(administration_id)
    import_run = db.session.get(ImportRun, import_run_id)
    if import_run is None or import_run.administration_id != administration.id:
        abort(404)
    return render("imports/progress.html", "imports/_progress.html",
                  administration=administration, domain=administration.domain,
                  **_progress_context(import_run))


def _progress_context(import_run) -> dict:
    if import_run is None:
        return {"import_run": None}
    done, total = (0, 0)
    if not import_run.status.finished:
        try:
            done, total = import_progress.read(import_run.id)
        except RedisError:  # Redis down: the status alone is still worth showing
            done, total = 0, 0
    return {
        "import_run": import_run,
        "kind_label": import_overview.KIND_LABELS.get(import_run.kind, import_run.kind),
        "done": min(done, total) if total else done,
        "total": total,
        "summary_lines": import_overview.summary_lines(import_run.summary),
    }
