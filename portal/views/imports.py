"""Importing by hand: the Nmbrs company of an administration, the runs of a year, progress.

Viewing progress needs a view role on the domain; starting an import needs manage rights (the
domain's Back office or portal staff). Linking the administration to an Nmbrs company, and any
list of companies beyond the domain's own debtor, is for portal staff only.
"""

from datetime import date

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from redis.exceptions import RedisError

from portal.authz import can_link_nmbrs_company, load_administration
from portal.document_types import DOCUMENT_LABELS, TICKED_DOCUMENTS
from portal.extensions import db
from portal.htmx import is_htmx, render, saved
from portal.models import ImportRun
from portal.nmbrs.errors import NmbrsError, NmbrsUnavailable
from portal.services import (
    company_links,
    import_overview,
    import_progress,
    import_queue,
    nmbrs_access,
)
from portal.services.import_guard import import_blocked_reason
from portal.stored_text import render as shown
from portal.validators import parse_nmbrs_id

bp = Blueprint("imports", __name__, url_prefix="/administrations")

YEARS_BACK = 4
DEFAULT_DOCUMENTS = TICKED_DOCUMENTS
QUEUE_DOWN = _l("The import queue cannot be reached right now, so nothing was started. Try "
                "again in a minute; if it persists, tell a Portal administrator.")


def already_running(active) -> str:
    """Which import holds the administration (one import at a time, whatever its kind)."""
    if active is None:  # it finished in the meantime
        return _("Another import of this administration just finished; start this one again.")
    label = import_overview.KIND_LABELS.get(active.kind, active.kind)
    return _("%(import)s of this administration is already queued or running (%(status)s); "
             "nothing new was queued. One import runs at a time per administration: start this "
             "one when it has finished.", **{"import": label, "status": active.status.label})


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
                  link=company_links.company_link(administration),
                  may_link=can_link_nmbrs_company(current_user))


@bp.post("/<int:administration_id>/nmbrs-company")
def choose_company(administration_id):
    """Link the administration to the chosen Nmbrs company, from now on."""
    administration = _load_for_linking(administration_id)
    raw = request.form.get("company_id", "")
    try:
        choices = _choices(administration)
    except NmbrsError as error:
        return _company_chooser(administration, nmbrs_error=shown(error.text), status=200)
    company_id = parse_nmbrs_id(raw)
    chosen = next((c for c in choices.companies if company_id and c.id == company_id), None)
    if chosen is None:
        return _company_chooser(administration, choices=choices, status=422,
                                field_error=_("Choose one of the Nmbrs companies in the list."))
    try:
        link = company_links.link_company(administration, chosen, chosen_by=current_user)
    except company_links.CompanyTaken as taken:
        return _company_chooser(administration, choices=choices, status=422,
                                field_error=str(taken))
    db.session.commit()
    return saved(_('Linked to Nmbrs company "%(name)s".', name=chosen.name),
                 url_for("administrations.show", administration_id=administration.id)
                 + "#nmbrs-company", "imports/_company_section.html",
                 administration=administration, link=link, may_link=True)


def _choices(administration):
    client = nmbrs_access.client_for(administration, for_page=True)
    return company_links.company_choices(administration, client,
                                         see_all=can_link_nmbrs_company(current_user))


def _company_chooser(administration, choices=None, nmbrs_error=None, field_error=None,
                     status=200):
    if choices is None and nmbrs_error is None:
        try:
            choices = _choices(administration)
        except NmbrsError as error:
            nmbrs_error = shown(error.text)
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
    run_ids = {run_id for run_id in map(parse_nmbrs_id, request.form.getlist("run_ids"))
               if run_id}
    documents = {v for v in request.form.getlist("documents") if v in DOCUMENT_LABELS}
    errors = {}
    if not run_ids:
        errors["run_ids"] = _("Choose at least one run to import.")
    if not documents:
        errors["documents"] = _("Choose at least one kind of document to import.")
    if errors:
        return _import_page(administration, year, selected_runs=run_ids,
                            selected_documents=documents, errors=errors, status=422,
                            runs_from_nmbrs=True)
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
    """Queue the import; htmx gets the progress fragment, a plain form the import page.

    Refused (422, with the reason) while the link is off, disconnected or paused, or the
    administration has no payroll contract: the job could only fail."""
    blocked = import_blocked_reason(administration)
    if blocked:
        if is_htmx():
            return render("imports/progress.html", "imports/_progress.html", 422,
                          administration=administration, message=blocked, import_run=None)
        return _import_page(administration, year, selected_runs=set(),
                            selected_documents=set(DEFAULT_DOCUMENTS), message=blocked,
                            status=422)
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
        active = import_queue.active_import(administration.id)
        if is_htmx():
            return render("imports/progress.html", "imports/_progress.html",
                          administration=administration, message=already_running(active),
                          **_progress_context(active))
        return _import_page(administration, year, selected_runs=set(),
                            selected_documents=set(DEFAULT_DOCUMENTS),
                            message=already_running(active))
    return saved("", url_for(".import_page", administration_id=administration.id, year=year),
                 "imports/_progress.html", administration=administration,
                 **_progress_context(import_run))


def _import_page(administration, year, selected_runs, selected_documents, errors=None,
                 message=None, status=200, runs_from_nmbrs=False):
    """The import page from the database alone; the run list comes from Nmbrs in a fragment
    (`import_runs`) unless `runs_from_nmbrs` (a form shown again with its errors, the page
    without JavaScript). No Nmbrs call for a link that is off, disconnected or paused."""
    blocked = import_blocked_reason(administration)
    if blocked:
        nmbrs = {"runs": [], "company": None, "nmbrs_error": None}
    elif runs_from_nmbrs:
        nmbrs = _runs_from_nmbrs(administration, year)
    else:
        nmbrs = {"runs_pending": True}
    work_costs, fiscal_wage_total = import_overview.work_costs(administration.id, year)
    active = [run for kind in import_overview.KIND_LABELS if kind != "automatic"
              for run in [import_queue.active_import(administration.id, kind)] if run is not None]
    response = render(
        "imports/import.html", "imports/_import_form.html", status,
        administration=administration, domain=administration.domain, year=year,
        years=list(range(_today().year, _today().year - YEARS_BACK - 1, -1)),
        errors=errors or {}, selected_runs=selected_runs, selected_documents=selected_documents,
        document_choices=import_overview.document_choices(), message=message,
        work_costs=work_costs, fiscal_wage_total=fiscal_wage_total, blocked=blocked,
        statuses=import_overview.STATUSES,
        active_progress={run.kind: _progress_context(run) for run in active}, **nmbrs,
    )
    if is_htmx():  # the form answers into the progress slot; its own errors replace the form
        response.headers["HX-Retarget"] = "#manual-import"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.get("/<int:administration_id>/import/runs")
def import_runs(administration_id):
    """The runs of a year from Nmbrs: the form fragment for htmx (the page loads it), the whole
    page with the runs without JavaScript. Waits at most NMBRS_PAGE_TIMEOUT per Nmbrs call."""
    administration = load_administration(administration_id, manage=True)
    year = _year_arg(request.args.get("year"))
    if is_htmx() and not import_blocked_reason(administration):
        return render("imports/import.html", "imports/_import_form.html",
                      administration=administration, domain=administration.domain, year=year,
                      errors={}, selected_runs=set(), selected_documents=set(DEFAULT_DOCUMENTS),
                      document_choices=import_overview.document_choices(),
                      statuses=import_overview.STATUSES, blocked=None,
                      **_runs_from_nmbrs(administration, year))
    return _import_page(administration, year, selected_runs=set(),
                        selected_documents=set(DEFAULT_DOCUMENTS), runs_from_nmbrs=True)


def _runs_from_nmbrs(administration, year) -> dict:
    """The company and the runs of the year with what of each is imported, or the error."""
    runs, company = [], None
    try:
        client = nmbrs_access.client_for(administration, for_page=True)
        company = company_links.resolve_company(administration, client)
        if company is not None:
            runs = import_overview.run_overviews(administration.id,
                                                 client.runs(company.id, year), _today())
    except NmbrsUnavailable:
        return {"runs": [], "company": None, "nmbrs_error": _too_slow_message(year)}
    except NmbrsError as error:
        return {"runs": [], "company": None, "nmbrs_error": shown(error.text)}
    return {"runs": runs, "company": company, "nmbrs_error": None}


def _too_slow_message(year) -> str:
    seconds = current_app.config["NMBRS_PAGE_TIMEOUT"]
    return _("Nmbrs is not reachable or too slow right now (no answer within %(seconds)s "
             "seconds), so the payroll runs of %(year)s cannot be shown. Try again in a minute.",
             seconds=f"{seconds:g}", year=year)


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
