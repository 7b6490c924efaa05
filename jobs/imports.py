"""Import jobs. Each takes ids only, looks everything up itself and runs in an app context.

The job writes the outcome to its ImportRun row itself; RQ's `on_failure` callback is only the
backstop for deaths the job cannot see (a killed worker, a timeout).
"""

import logging
from datetime import date

from flask import current_app
from rq import get_current_job

from jobs.queue import in_app_context
from portal.document_types import documents_switched_on
from portal.extensions import db, redis_connection
from portal.models import Administration, ImportRun, ImportStatus
from portal.models._common import utcnow
from portal.nmbrs.errors import InvalidCredentials, NmbrsError
from portal.nmbrs.rest.errors import ConsentRejected
from portal.services import catch_up, document_changes, nmbrs_access, outages, tasks
from portal.services import effective_settings as settings_service
from portal.services.import_progress import Progress
from portal.services.importer import (
    IMPORT_FAILED,
    AdministrationImporter,
    ImportStopped,
    Problem,
    about_administration,
    nmbrs_problem,
)
from portal.services.nmbrs_directory import Directory, round_key
from portal.stored_text import N_, english, text

log = logging.getLogger(__name__)


def import_administration(import_run_id: int, day: str) -> dict:
    """The automatic import of one administration for the month of `day`."""
    today = date.fromisoformat(day)

    def work(importer, settings):
        documents = documents_switched_on(settings)
        importer.import_automatically(today, documents, settings.import_late_runs)

    return _perform(import_run_id, work, round_key(today=today))


def manual_import(import_run_id: int) -> dict:
    """A manual import of chosen runs and document types (the ImportRun's request)."""

    def work(importer, _settings):
        request = importer_request(import_run_id)
        importer.import_selected_runs(request["year"], set(request.get("run_ids", [])),
                                      set(request.get("documents", [])))

    return _perform(import_run_id, work, round_key(manual_import_id=import_run_id),
                    require_auto=False)


def import_employees(import_run_id: int) -> dict:
    """Import all employees of the administration's Nmbrs company (create, or update by BSN)."""
    return _perform(import_run_id, lambda importer, _s: importer.import_all_employees(),
                    round_key(manual_import_id=import_run_id), require_auto=False)


def retrieve_work_costs(import_run_id: int) -> dict:
    """Retrieve the WKR payroll balance (fiscal wage per period) of the requested year."""
    from portal.services.work_costs import store_work_costs

    def work(importer, _settings):
        year = importer_request(import_run_id)["year"]
        store_work_costs(importer, year)

    return _perform(import_run_id, work, round_key(manual_import_id=import_run_id),
                    require_auto=False)


def importer_request(import_run_id: int) -> dict:
    return db.session.get(ImportRun, import_run_id).request or {}


# -- the common frame of every import job --------------------------------------------------


def _perform(import_run_id: int, work, round_name: str, require_auto: bool = True) -> dict:
    import_run = db.session.get(ImportRun, import_run_id)
    if import_run is None or import_run.status.finished:
        return {"skipped": True}  # already done (a duplicate delivery) or deleted
    administration = import_run.administration
    _mark_running(import_run)
    settings = settings_service.effective_settings(administration)
    if not settings.connected or (require_auto and settings.paused):
        return _finish(import_run, ImportStatus.FAILED, error=text(N_(
            "The Nmbrs link is not connected or its credentials were rejected.")))
    try:
        importer = _importer_for(administration, settings, import_run, round_name)
        work(importer, settings)
    except ImportStopped as stopped:
        db.session.rollback()
        _raise_task(administration, stopped.problem, import_run.id)
        return _finish(import_run, ImportStatus.FAILED, error=stopped.problem.message)
    except ConsentRejected as error:  # REST: the domain's consent, not the SOAP credentials
        db.session.rollback()
        _raise_task(administration, nmbrs_problem(error, administration), import_run.id)
        return _finish(import_run, ImportStatus.FAILED, error=error.text)
    except InvalidCredentials as error:
        db.session.rollback()
        settings_service.mark_credentials_rejected(settings.credentials_id)
        _raise_credentials_task(administration, settings, error, import_run.id)
        return _finish(import_run, ImportStatus.FAILED, error=error.text)
    except NmbrsError as error:
        db.session.rollback()
        if error.transient and _retries_left():
            _requeued(import_run, error.text)
            raise  # RQ retries it with backoff
        if error.transient:
            _nmbrs_unreachable(import_run)
        else:
            _raise_task(administration, nmbrs_problem(error, administration), import_run.id)
        _finish(import_run, ImportStatus.FAILED, error=error.text)
        if error.transient:
            raise  # loud in RQ's failed registry too
        return {"failed": str(error)}
    return _succeeded(import_run, importer, settings)


def _importer_for(administration, settings, import_run, round_name) -> AdministrationImporter:
    """The importer over the administration's connection (SOAP, or REST once its domain moved)."""
    redis = redis_connection()
    connection = nmbrs_access.connection_for(administration, settings)
    client = nmbrs_access.client_for(administration, redis, connection=connection)
    directory = Directory(client, connection.key, round_name, redis)
    return AdministrationImporter(administration, client, directory=directory,
                                  import_run_id=import_run.id,
                                  progress=Progress(import_run.id))


def _succeeded(import_run: ImportRun, importer: AdministrationImporter, settings) -> dict:
    administration = import_run.administration
    if settings.protocol == "soap":
        settings_service.credentials_work(settings.credentials_id)
    for problem in importer.result.problems:
        _raise_task(administration, problem, import_run.id)
    raised = {problem.cause for problem in importer.result.problems}
    # Months too far behind stay a task until someone imported them by hand; a change in Nmbrs
    # stays a task until its new version is accepted (also when this import did not look).
    tasks.resolve_tasks(administration, keep_causes=raised | {catch_up.CAUSE}
                        | document_changes.open_causes(administration.id))
    if import_run.automatic:
        outages.caught_up(administration)
    summary = importer.total_summary()
    status = ImportStatus.SUCCEEDED
    _finish(import_run, status, summary=summary,
            error=[problem.message for problem in importer.result.problems] or None)
    return summary


def _mark_running(import_run: ImportRun) -> None:
    """One more attempt; the first attempt's start time stays."""
    import_run.status = ImportStatus.RUNNING
    import_run.started_at = import_run.started_at or utcnow()
    import_run.attempts = (import_run.attempts or 0) + 1
    job = get_current_job()
    if job is not None:
        import_run.job_id = job.id
    db.session.commit()


def _requeued(import_run: ImportRun, reason: dict) -> None:
    import_run.status = ImportStatus.QUEUED
    _set_error(import_run, text(N_("Retrying: %(reason)s"), reason=reason))
    db.session.commit()


def _set_error(import_run: ImportRun, error) -> None:
    """`error`: a stored text, a list of them, or None. Kept in English too (`error`)."""
    texts = None if error is None else (error if isinstance(error, list) else [error])
    import_run.error_texts = texts
    import_run.error = english(texts) if texts else None


def _finish(import_run: ImportRun, status: ImportStatus, summary=None, error=None) -> dict:
    import_run.status = status
    import_run.finished_at = utcnow()
    if summary is not None:
        import_run.summary = summary
    _set_error(import_run, error)
    db.session.commit()
    log.info("import %s of administration %s: %s", import_run.id, import_run.administration_id,
             status.value)
    return {"status": status.value, **(summary or {})}


def _retries_left() -> bool:
    job = get_current_job()
    return bool(job is not None and job.retries_left)


def _raise_task(administration: Administration, problem: Problem, import_run_id: int) -> None:
    """The problem's task, with a link to the import that hit it. A document changed in Nmbrs
    is no failure of the import: its task links to where the new version is accepted."""
    from portal.services.links import path

    links = list(problem.links)
    if not document_changes.is_change_cause(problem.cause):
        links.append((N_("The failed import"),
                      path("documents.history", administration_id=administration.id)
                      + f"#import-{import_run_id}"))
    tasks.raise_task(administration, cause=problem.cause, title=problem.title,
                     message=problem.message, links=links, import_run_id=import_run_id)
    db.session.commit()


def _nmbrs_unreachable(import_run: ImportRun) -> None:
    """Nmbrs did not answer, also after the retries: one task for the whole portal listing the
    automatic imports that missed documents; a manual import gets its own task."""
    from portal.services.links import path

    administration = import_run.administration
    if import_run.automatic:
        day = date.fromisoformat(import_run.request["day"])
        outages.nmbrs_unreachable(administration, day, import_run.id,
                                  [(N_("Nmbrs settings"), path("nmbrs_settings.index"))])
        db.session.commit()
        return
    retries = len(current_app.config["IMPORT_RETRY_INTERVALS"])
    _raise_task(administration, Problem(
        cause="nmbrs.unreachable",
        title=text(N_("Importing payroll documents failed: Nmbrs was not reachable.")),
        message=about_administration(administration, text(N_(
            "Nmbrs did not answer (not reachable or too slow), also after %(retries)s retries, "
            "so nothing more was imported. Start the import again later; if it persists, check "
            "the Nmbrs status page."), retries=retries)),
        links=((N_("Import from Nmbrs"), path("imports.import_page",
                                              administration_id=administration.id)),)),
        import_run.id)


def _raise_credentials_task(administration, settings, error, import_run_id) -> None:
    from portal.services.effective_settings import effective_settings_for_all
    from portal.services.links import path

    scope = settings.credentials_source
    portal = administration.domain.portal
    affected_ids = [administration_id for administration_id, in_force
                    in effective_settings_for_all(portal).items()
                    if in_force.credentials_id == settings.credentials_id]
    affected = [db.session.get(Administration, i) for i in affected_ids] or [administration]
    problem = Problem(
        cause=f"credentials.invalid:{settings.credentials_id}",
        title=text(N_("Nmbrs refused the credentials; automatic imports are paused.")),
        message=outages.credentials_rejected_message(settings, administration, error, affected),
        links=((N_("Nmbrs settings"), path("nmbrs_settings.index")),),
    )
    target = administration if scope == "administration" else None
    tasks.raise_task(target, portal=administration.domain.portal, cause=problem.cause,
                     title=problem.title, message=problem.message, links=list(problem.links),
                     import_run_id=import_run_id)
    db.session.commit()


@in_app_context
def import_job_failed(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ's backstop: a job that died (killed worker, timeout) with no retries left."""
    if job.retries_left:
        return  # RQ will run it again
    import_run_id = (job.kwargs or {}).get("import_run_id") or (job.args or [None])[0]
    import_run = db.session.get(ImportRun, import_run_id) if import_run_id else None
    if import_run is None or import_run.status.finished:
        return
    reason = text(N_("The import stopped unexpectedly (%(cause)s)."),
                  cause=exc_type.__name__ if exc_type else "unknown")
    _raise_task(import_run.administration, Problem(
        cause="import.died", title=text(IMPORT_FAILED),
        message=about_administration(import_run.administration, text(N_(
            "%(reason)s Start the import again from the administration's page."),
            reason=reason))), import_run.id)
    _finish(import_run, ImportStatus.FAILED, error=reason)
