"""Benchmark: peak memory of a worker importing one run of many employees (target < 300 MB).

Pay-slip PDFs go to the document store one by one as they arrive, so the worker's memory does
not grow with the size of the run. Prints the peak resident memory of the worker process tree
(the forked work horse included) and what was imported.

    .venv/bin/python bench/import_memory.py --employees 2000
"""

import argparse
import os
import resource
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
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from bench.import_throughput import REDIS_URL, QuietHandler, seed  # noqa: E402
from jobs.enqueue import start_manual_import  # noqa: E402
from portal.demo_data import DemoAdministration, DemoDomain, DemoEmployee  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Administration, ImportRun, PaySlip  # noqa: E402
from portal.nmbrs.client import NmbrsClient  # noqa: E402
from portal.nmbrs.sandbox.server import SandboxApp, SandboxOptions  # noqa: E402

TARGET_MB = 300


def big_domain(employees: int) -> DemoDomain:
    people = tuple(
        DemoEmployee(n, "Werknemer", f"Nummer {n}", "Hoofdstraat", str(n), "1234 AB", "Utrecht",
                     "NL91ABNA0417164300", f"{200000000 + n}", "3100.00")
        for n in range(1, employees + 1))
    return DemoDomain(name="grote-werkgever", administrations=(DemoAdministration(
        name="Grote Werkgever B.V.", relation_code="1", payroll=True, employees=people),))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=2000)
    args = parser.parse_args()

    today = date.today()
    workdir = Path(tempfile.mkdtemp(prefix="payroll-link-memory-"))
    domain = big_domain(args.employees)
    sandbox = SandboxApp(SandboxOptions(), today=today, domains=[domain])
    server = make_server("127.0.0.1", 0, sandbox, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ,
           "DATABASE_URL": os.environ.get("DATABASE_URL",
                                          f"sqlite:///{workdir / 'memory.sqlite3'}"),
           "REDIS_URL": REDIS_URL, "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "NMBRS_SOAP_URL": f"http://127.0.0.1:{server.server_port}/soap/v3",
           "SECRET_KEY": "bench-" + "0" * 32, "DOCUMENT_STORE_PATH": str(workdir / "documents"),
           "NMBRS_RATE_LIMIT": "100000"}
    os.environ.update(env)
    app = create_app({})
    Redis.from_url(REDIS_URL).flushdb()
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            seed([domain])
            administration_id = db.session.scalar(select(Administration.id))
            run_id = current_run_id(app, today)
            start_manual_import(administration_id, None, "manual", {
                "year": today.year, "run_ids": [run_id], "documents": ["journal", "payslips"]})
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "flask", "--app", "app", "worker", "--burst",
                            "--no-scheduler"], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            import_run = db.session.scalar(select(ImportRun))
            slips = db.session.scalar(select(func.count(PaySlip.id)))
            stored_mb = db.session.scalar(select(func.sum(PaySlip.size))) / 1024 / 1024
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"run of {args.employees} employees: import {import_run.status.value} in {seconds:.1f} s,"
          f" {slips} pay slips stored ({stored_mb:.1f} MB of PDF)")
    print(f"peak memory of the worker (work horse included): {peak_mb:.0f} MB "
          f"(target < {TARGET_MB} MB)")


def current_run_id(app, today: date) -> int:
    from portal import demo_data

    client = NmbrsClient.from_config(app.config, demo_data.SANDBOX_USERNAME,
                                     demo_data.SANDBOX_TOKEN)
    client.verify()
    company = client.companies()[0]
    return next(r.id for r in client.runs(company.id, today.year) if r.period_end == today.month)


if __name__ == "__main__":
    main()
