"""Benchmark: the automatic import of many administrations against the Nmbrs sandbox.

Prints, all measured in one run:
- Nmbrs calls per administration, against the minimum the import needs;
- the import time divided by the time the rate ceiling allows for those calls (target ≤ 1.5);
- the speed-up over the same import done one call at a time (target ≥ 8×);
- the highest number of calls the sandbox saw in any one second (never above the ceiling).

The one-call-at-a-time import runs on a sample of the administrations (--sample) with one
in-process worker; its time per administration, times the number of administrations, is the
baseline. The concurrent import runs the rest with --workers worker processes.

    .venv/bin/python bench/import_throughput.py --administrations 1000 --latency 0.1
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from redis import Redis  # noqa: E402
from rq import SimpleWorker  # noqa: E402
from rq.serializers import JSONSerializer  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from app import create_app  # noqa: E402
from jobs.enqueue import start_automatic_import  # noqa: E402
from jobs.queue import AppContextJob, get_queue  # noqa: E402
from portal import demo_data  # noqa: E402
from portal.demo_data import DemoAdministration, DemoDomain, DemoEmployee  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Administration,
    Domain,
    Employee,
    ImportRun,
    ImportStatus,
    NmbrsSettings,
    Portal,
)
from portal.nmbrs.sandbox.server import CallCounter, SandboxApp, SandboxOptions  # noqa: E402

ADMINISTRATIONS_PER_DOMAIN = 10
EMPLOYEES_PER_ADMINISTRATION = 2
REDIS_URL = "redis://127.0.0.1:6379/11"


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def synthetic_domains(count: int) -> list[DemoDomain]:
    domains = []
    for d in range(count // ADMINISTRATIONS_PER_DOMAIN):
        administrations = tuple(
            DemoAdministration(
                name=f"Bench Klant {d:03d}-{a:02d} B.V.", relation_code=str(a + 1), payroll=True,
                employees=tuple(
                    DemoEmployee(e + 1, "Werknemer", f"Nummer {e + 1}", "Hoofdstraat", "1",
                                 "1234 AB", "Utrecht", "NL91ABNA0417164300",
                                 f"{100000000 + d * 1000 + a * 10 + e}", "3000.00")
                    for e in range(EMPLOYEES_PER_ADMINISTRATION)))
            for a in range(ADMINISTRATIONS_PER_DOMAIN))
        domains.append(DemoDomain(name=f"bench-klant-{d:03d}", administrations=administrations))
    return domains


def seed(domains) -> None:
    portal = Portal(name="Bench", nmbrs_enabled=True)
    db.session.add(portal)
    db.session.flush()
    db.session.add(NmbrsSettings(
        portal_id=portal.id, scope="portal", username=demo_data.SANDBOX_USERNAME,
        token=demo_data.SANDBOX_TOKEN, subdomain=demo_data.SANDBOX_SUBDOMAIN,
        import_payslips=True, import_journals=True, import_tax_assessments=True,
        import_late_runs=False, first_day=1, last_day=31))
    for demo in domains:
        domain = Domain(portal_id=portal.id, name=demo.name)
        db.session.add(domain)
        db.session.flush()
        for demo_admin in demo.administrations:
            administration = Administration(domain_id=domain.id, name=demo_admin.name,
                                            relation_code=demo_admin.relation_code,
                                            payroll_contract=True)
            db.session.add(administration)
            db.session.flush()
            db.session.execute(insert(Employee), [
                {"administration_id": administration.id, "number": e.number, "name": e.name,
                 "bsn": e.bsn, "iban": e.iban} for e in demo_admin.employees])
    db.session.commit()


def minimum_calls(domains: int, administrations: int, tax_declarations: int) -> float:
    """Calls an import cannot do without, per administration.

    Per administration: the run list, the run's journal, the run's employees, one pay slip per
    employee, the wage-tax list and each new declaration's XML. Once per credentials and round:
    the debtor list; once per debtor: its company list.
    """
    per_administration = 3 + EMPLOYEES_PER_ADMINISTRATION + 1 + tax_declarations
    shared = 1 + domains
    return per_administration + shared / administrations


def run_sequential(app, administration_ids, today) -> float:
    """One in-process worker: every Nmbrs call waits for the one before."""
    connection = Redis.from_url(REDIS_URL)
    for administration_id in administration_ids:
        start_automatic_import(administration_id, today)
    started = time.perf_counter()
    SimpleWorker([get_queue("imports", connection)], connection=connection,
                 serializer=JSONSerializer, job_class=AppContextJob).work(burst=True)
    return time.perf_counter() - started


def run_concurrent(app, administration_ids, today, workers: int, env: dict,
                   fork: bool) -> float:
    for administration_id in administration_ids:
        start_automatic_import(administration_id, today)
    started = time.perf_counter()
    processes = [subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst", "--no-scheduler",
         "--fork" if fork else "--no-fork"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)]
    for process in processes:
        process.wait()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--administrations", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Nmbrs call")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--sample", type=int, default=20,
                        help="administrations imported one call at a time (the baseline)")
    parser.add_argument("--ceiling", type=int, default=120, help="NMBRS_RATE_LIMIT, calls/s")
    parser.add_argument("--fork", action="store_true",
                        help="fork a work horse per job (default: jobs run in the worker)")
    args = parser.parse_args()

    today = date.today()
    workdir = Path(tempfile.mkdtemp(prefix="payroll-link-bench-"))
    domains = synthetic_domains(args.administrations)
    sandbox = SandboxApp(SandboxOptions(latency=args.latency), today=today, domains=domains)
    server = make_server("127.0.0.1", 0, sandbox, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    soap_url = f"http://127.0.0.1:{server.server_port}/soap/v3"

    key = Fernet.generate_key().decode()
    env = {**os.environ, "DATABASE_URL": os.environ.get(
               "DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
           "REDIS_URL": REDIS_URL, "NMBRS_SOAP_URL": soap_url, "ENCRYPTION_KEYS": key,
           "SECRET_KEY": "bench-" + "0" * 32, "DOCUMENT_STORE_PATH": str(workdir / "documents"),
           "NMBRS_RATE_LIMIT": str(args.ceiling)}
    os.environ.update(env)
    app = create_app({"IMPORT_RETRY_INTERVALS": [30, 120, 600]})
    Redis.from_url(REDIS_URL).flushdb()
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            seed(domains)
            AppContextJob.flask_app = app
            ids = list(db.session.scalars(select(Administration.id).order_by(Administration.id)))
            sample, rest = ids[:args.sample], ids[args.sample:]
            # The previous month's declaration exists (unless it is January): one XML each.
            declarations = 0 if today.month == 1 else 1

            sandbox.counter = CallCounter()
            sequential_seconds = run_sequential(app, sample, today)
            sequential_calls = sandbox.counter.stats()["total_calls"]

            sandbox.counter = CallCounter()
            concurrent_seconds = run_concurrent(app, rest, today, args.workers, env,
                                                args.fork)
            stats = sandbox.counter.stats()
            failed = db.session.scalar(select(func.count(ImportRun.id)).where(
                ImportRun.status != ImportStatus.SUCCEEDED))
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)

    calls = stats["total_calls"]
    per_admin = calls / len(rest)
    minimum = minimum_calls(len(domains), args.administrations, declarations)
    ceiling_seconds = calls / args.ceiling
    baseline_seconds = sequential_seconds / len(sample) * len(rest)
    print(f"administrations: {len(rest)} concurrently ({args.workers} workers, "
          f"{'forking' if args.fork else 'not forking'}), "
          f"{len(sample)} one call at a time; sandbox latency {args.latency * 1000:.0f} ms; "
          f"ceiling {args.ceiling} calls/s")
    print(f"imports not succeeded: {failed}")
    print(f"Nmbrs calls per administration: {per_admin:.2f} (minimum needed {minimum:.2f}; "
          f"one call at a time: {sequential_calls / len(sample):.2f})")
    print(f"import time / time the ceiling allows: {concurrent_seconds:.1f} s / "
          f"{ceiling_seconds:.1f} s = {concurrent_seconds / ceiling_seconds:.2f} (target <= 1.5)")
    print(f"speed-up over one call at a time: {baseline_seconds:.1f} s / "
          f"{concurrent_seconds:.1f} s = {baseline_seconds / concurrent_seconds:.1f}x "
          f"(target >= 8x; the ceiling allows {args.ceiling * args.latency:.0f}x)")
    print(f"highest number of calls in one second: {stats['max_calls_per_second']} "
          f"(ceiling {args.ceiling})")


if __name__ == "__main__":
    main()
