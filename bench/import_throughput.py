"""Benchmark: automatic and manual imports of many administrations against the Nmbrs sandbox.

Prints, all measured in one run:
- calls made ÷ the independent minimum (bench/minimum_calls.py, over REST
  bench/minimum_rest_calls.py: derived from the sandbox's data alone), for the automatic import of a first month, of a second month on top of it (employees
  known, new hires not), and for a manual import (target ≤ 1.05 each);
- the import time divided by the time the rate ceiling allows for those calls (target ≤ 1.2);
- the speed-up over the same calls made one at a time (at the sample's time per call);
- the highest number of calls the sandbox saw in any one second (never above the ceiling).

Realistic sizes: employee counts are skewed (most administrations 1–20, one in 50 has 200, the
first has --largest, 2,000 by default); one in four administrations hires someone in the second
month. The one-call-at-a-time import runs on a sample (--sample, the last administrations) with
one in-process worker, which also does the manual import of the second month; the rest, the
largest administration among them, runs with --workers workers.

    .venv/bin/python bench/import_throughput.py --administrations 1000 --latency 0.1
    .venv/bin/python bench/import_throughput.py ... --write-readme   # the README's table

Timings are meaningful only on a quiet machine (nothing else on the cores).
"""

import argparse
import gc
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from flask import current_app  # noqa: E402
from redis import Redis  # noqa: E402
from rq import SimpleWorker, Worker  # noqa: E402
from rq.registry import StartedJobRegistry  # noqa: E402
from rq.serializers import JSONSerializer  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from app import create_app  # noqa: E402
from bench.minimum_calls import Known, round_minimum  # noqa: E402
from bench.minimum_rest_calls import rest_round_minimum  # noqa: E402
from bench.rest_sandbox import CeilingSandbox, connect_domains  # noqa: E402
from jobs.enqueue import start_automatic_import, start_manual_import  # noqa: E402
from jobs.queue import AppContextJob, get_queue  # noqa: E402
from portal import demo_data  # noqa: E402
from portal.demo_data import DemoAdministration, DemoDomain, DemoEmployee  # noqa: E402
from portal.document_types import JOURNAL, PAYSLIPS, TAX_ASSESSMENTS  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Administration,
    Domain,
    ImportRun,
    ImportStatus,
    NmbrsSettings,
    Portal,
)
from portal.nmbrs.sandbox.data import build_sandbox_data  # noqa: E402
from portal.nmbrs.sandbox.guids import guid  # noqa: E402
from portal.nmbrs.sandbox.rest_server import CombinedSandbox, RestOptions  # noqa: E402
from portal.nmbrs.sandbox.server import CallCounter, SandboxApp, SandboxOptions  # noqa: E402
from portal.services.nmbrs_id_map import IdMap  # noqa: E402

ADMINISTRATIONS_PER_DOMAIN = 10
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")  # the tests use 11–15
YEAR = date.today().year
FIRST_MONTH, SECOND_MONTH = 3, 4
FIRST_DAY, SECOND_DAY = date(YEAR, FIRST_MONTH, 15), date(YEAR, SECOND_MONTH, 15)
README = ROOT / "README.md"
README_MARKERS = {"soap": ("<!-- bench:import_throughput:start -->",
                          "<!-- bench:import_throughput:end -->"),
                 "rest": ("<!-- bench:import_throughput_rest:start -->",
                          "<!-- bench:import_throughput_rest:end -->")}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class OperationCounter(CallCounter):
    """The sandbox's call counter, also counting calls per operation (to see any excess)."""

    def __init__(self):
        super().__init__()
        self.by_operation = Counter()

    def log_operation(self, service: str, operation: str) -> None:
        super().log_operation(service, operation)
        with self._lock:
            self.by_operation[f"{service}/{operation}"] += 1


def employee_count(index: int, largest: int) -> int:
    """Skewed: the first administration has `largest`, one in 50 has 200, the rest 1–20."""
    if index == 0:
        return largest
    if index % 50 == 25:
        return min(200, largest)
    return 1 + (index * 37) % 20


def synthetic_domains(count: int, largest: int) -> list[DemoDomain]:
    domains = []
    for d in range(count // ADMINISTRATIONS_PER_DOMAIN):
        administrations = []
        for a in range(ADMINISTRATIONS_PER_DOMAIN):
            index = d * ADMINISTRATIONS_PER_DOMAIN + a
            size = employee_count(index, largest)
            hires = index % 4 == 0 and size >= 3  # the last one starts in the second month
            administrations.append(DemoAdministration(
                name=f"Bench Klant {d:03d}-{a:02d} B.V.", relation_code=str(a + 1), payroll=True,
                employees=tuple(
                    DemoEmployee(e + 1, "Werknemer", f"Nummer {e + 1}", "Hoofdstraat", "1",
                                 "1234 AB", "Utrecht", "NL91ABNA0417164300",
                                 f"{100000000 + index * 10000 + e}", "3000.00",
                                 first_period=SECOND_MONTH if hires and e == size - 1 else 1)
                    for e in range(size))))
        domains.append(DemoDomain(name=f"bench-klant-{d:03d}",
                                  administrations=tuple(administrations)))
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
            db.session.add(administration)  # no employees: the first import creates them
    db.session.commit()


def work_in_process(connection) -> None:
    SimpleWorker([get_queue("imports", connection)], connection=connection,
                 serializer=JSONSerializer, job_class=AppContextJob).work(burst=True)


def run_sequential(app, administration_ids, day) -> float:
    """One in-process worker: every Nmbrs call waits for the one before."""
    for administration_id in administration_ids:
        start_automatic_import(administration_id, day)
    started = time.perf_counter()
    at_once, app.config["NMBRS_CALLS_AT_ONCE"] = app.config["NMBRS_CALLS_AT_ONCE"], 1
    try:
        work_in_process(Redis.from_url(REDIS_URL))
    finally:
        app.config["NMBRS_CALLS_AT_ONCE"] = at_once
    return time.perf_counter() - started


def run_manual(administration_ids, companies, year: int, month: int, protocol: str) -> float:
    """The manual import of a month's runs, every document type, in one in-process worker."""
    run_id = _run_id(protocol)
    for administration_id, company in zip(administration_ids, companies):
        run_ids = [run_id(run.id) for run in company.runs
                   if run.year == year and run.period == month]
        start_manual_import(administration_id, None, "manual", {
            "year": year, "run_ids": run_ids,
            "documents": [JOURNAL, PAYSLIPS, TAX_ASSESSMENTS]})
    started = time.perf_counter()
    work_in_process(Redis.from_url(REDIS_URL))
    return time.perf_counter() - started


def _run_id(protocol: str):
    """The id the import page would send for a sandbox run: over REST the id map's int for the
    run's GUID (added here as the page's run list would; no Nmbrs call)."""
    if protocol == "soap":
        return lambda run_id: run_id
    ids = IdMap(db.engine, db.session.scalar(select(Portal.id)))
    return lambda run_id: ids.int_for("Run", guid("Run", run_id))


def run_concurrent(administration_ids, day, workers: int, env: dict, fork: bool) -> float:
    """`workers` worker processes, started (and their modules imported) before the jobs are
    queued, as long-running workers are in production: the time is that of the imports, from
    the first one's start to the last one's end (their records' started_at / finished_at)."""
    connection = Redis.from_url(REDIS_URL)
    log = open(env["BENCH_WORKER_LOG"], "a") if env.get("BENCH_WORKER_LOG") else subprocess.DEVNULL
    processes = [subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--no-scheduler",
         "--fork" if fork else "--no-fork"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(workers)]
    try:
        _wait_for(lambda: Worker.count(connection=connection) >= workers, "the workers to start")
        cpu_started = sum(_cpu_seconds(process.pid) for process in processes)
        bench_started = _own_cpu_seconds()
        run_ids = [run.id for run in (start_automatic_import(administration_id, day)
                                      for administration_id in administration_ids) if run]
        queue = get_queue("imports", connection)
        idle = lambda: queue.count == 0 and StartedJobRegistry(queue=queue).count == 0  # noqa: E731
        _wait_for(lambda: idle() and (time.sleep(0.2) or idle()), "the imports to finish")
        CPU_SECONDS.append((sum(_cpu_seconds(process.pid) for process in processes) - cpu_started,
                            _own_cpu_seconds() - bench_started))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
    db.session.expire_all()
    first, last = db.session.execute(select(func.min(ImportRun.started_at),
                                            func.max(ImportRun.finished_at))
                                     .where(ImportRun.id.in_(run_ids))).one()
    if first is None or last is None:
        raise SystemExit("no import of this phase ran to its end (BENCH_WORKER_LOG=file shows "
                         "what the workers said)")
    return (last - first).total_seconds()


CPU_SECONDS = []  # per concurrent phase: (the workers' CPU s, the bench process's: the sandbox)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _wait_for(condition, what: str, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.1)


# Each full garbage collection of the bench's process (it serves the sandbox), in seconds.
FULL_COLLECTIONS: list[float] = []
_collection_started = [0.0]


def _time_full_collections(phase: str, info: dict) -> None:
    if info["generation"] == 2:
        if phase == "start":
            _collection_started[0] = time.perf_counter()
        else:
            FULL_COLLECTIONS.append(time.perf_counter() - _collection_started[0])


gc.callbacks.append(_time_full_collections)


def measured(sandbox, run) -> tuple[float, OperationCounter]:
    """Run one phase with a fresh call counter: (seconds, the counter).

    The sandbox's world is frozen out of garbage collection first: a full collection of it
    stops every request thread of the sandbox at once, and calls arriving meanwhile would be
    counted in the next second (Nmbrs' gateway does not pause like that). The table shows the
    longest collection left."""
    gc.collect()
    gc.freeze()
    sandbox.counter = OperationCounter()
    seconds = run()
    return seconds, sandbox.counter


def main() -> None:
    args = arguments()
    workdir = Path(tempfile.mkdtemp(prefix="payroll-link-bench-"))
    domains = synthetic_domains(args.administrations, args.largest)
    if args.protocol == "rest":  # REST calls delayed, counted and throttled by CeilingSandbox
        combined = CombinedSandbox(SandboxApp(today=FIRST_DAY, domains=domains),
                                   RestOptions(document_pending=args.document_pending))
        sandbox = CeilingSandbox(combined, args.ceiling, args.latency)
    else:
        sandbox = SandboxApp(SandboxOptions(latency=args.latency), today=FIRST_DAY,
                             domains=domains)
    server = make_server("127.0.0.1", 0, sandbox, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_port}"
    soap_url = f"{root}/soap/v3"

    key = Fernet.generate_key().decode()
    env = {**os.environ, "DATABASE_URL": os.environ.get(
               "DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
           "REDIS_URL": REDIS_URL, "NMBRS_SOAP_URL": soap_url, "ENCRYPTION_KEYS": key,
           "SECRET_KEY": "bench-" + "0" * 32, "DOCUMENT_STORE_PATH": str(workdir / "documents"),
           "NMBRS_RATE_LIMIT": str(args.client_limit or args.ceiling),
           "NMBRS_REST_RATE_LIMIT": str(args.client_limit or args.ceiling),
           "NMBRS_REST_URL": root, "NMBRS_IDENTITY_URL": root}
    os.environ.update(env)
    app = create_app({"IMPORT_RETRY_INTERVALS": [30, 120, 600]})
    Redis.from_url(REDIS_URL).flushdb()
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            seed(domains)
            if args.protocol == "rest":
                connect_domains(root, combined, db.session.scalar(select(Portal.id)),
                                db.session.scalars(select(Domain).order_by(Domain.id)).all())
            AppContextJob.flask_app = app
            results = run_phases(args, sandbox, env, domains)
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    lines = report(args, results)
    print("\n".join(lines))
    if args.write_readme:
        write_readme(args, results)
        print("README.md: the benchmark table between {} and {}".format(
            *README_MARKERS[args.protocol]))


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--administrations", type=int, default=1000,
                        help="a multiple of 10 (10 administrations per debtor)")
    parser.add_argument("--largest", type=int, default=2000,
                        help="employees of the largest administration")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Nmbrs call")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--sample", type=int, default=20,
                        help="administrations imported one call at a time (the baseline), "
                             "then imported by hand for the second month")
    parser.add_argument("--protocol", choices=("soap", "rest"), default="soap",
                        help="rest: every domain imports over the REST API (one consent each)")
    parser.add_argument("--ceiling", type=int, default=120,
                        help="calls/s: NMBRS_RATE_LIMIT (REST: NMBRS_REST_RATE_LIMIT); over REST "
                             "also what the sandbox allows before answering 429 (Nmbrs "
                             "publishes no REST figure)")
    parser.add_argument("--client-limit", type=int,
                        help="the client's ceiling when it should differ from --ceiling (REST: "
                             "above it, to see 429s handled)")
    parser.add_argument("--document-pending", type=int, default=0,
                        help="REST: 202 answers before a document is ready")
    parser.add_argument("--fork", action="store_true",
                        help="fork a work horse per job (default: jobs run in the worker)")
    parser.add_argument("--write-readme", action="store_true",
                        help="write the results as the README's benchmark table")
    return parser.parse_args()


def run_phases(args, sandbox, env, domains) -> dict:
    ids = list(db.session.scalars(select(Administration.id).order_by(Administration.id)))
    companies = list(sandbox.world.companies)  # in the order of the administrations
    # The sample is taken from the end: the largest administration is the first, and it
    # belongs in the concurrent round (it used to be its tail).
    sample, rest = ids[-args.sample:], ids[:-args.sample]
    sample_companies, rest_companies = companies[-args.sample:], companies[:-args.sample]
    known = Known()
    least = minimum_of(args.protocol)
    results = {"administrations": len(ids), "sample": len(sample), "rest": len(rest),
               "debtors": len(domains), "employees": sum(len(c.employees) for c in companies)}

    periods = {FIRST_MONTH, FIRST_MONTH - 1}
    minimum = least(sandbox.world, sample_companies, FIRST_MONTH, periods, known)
    seconds, counter = measured(sandbox, lambda: run_sequential(current_app, sample, FIRST_DAY))
    results["sequential"] = (seconds, counter, minimum)
    minimum = least(sandbox.world, rest_companies, FIRST_MONTH, periods, known)
    seconds, counter = measured(sandbox, lambda: run_concurrent(rest, FIRST_DAY, args.workers,
                                                                env, args.fork))
    results["first month"] = (seconds, counter, minimum)

    sandbox.world = build_sandbox_data(SECOND_DAY, domains)  # a month later in Nmbrs
    companies = list(sandbox.world.companies)  # the same companies, with the new month's run
    sample_companies, rest_companies = companies[-args.sample:], companies[:-args.sample]
    periods = {SECOND_MONTH, SECOND_MONTH - 1}
    minimum = least(sandbox.world, rest_companies, SECOND_MONTH, periods, known)
    seconds, counter = measured(sandbox, lambda: run_concurrent(rest, SECOND_DAY, args.workers,
                                                                env, args.fork))
    results["second month"] = (seconds, counter, minimum)
    results["cpu"] = dict(zip(("first month", "second month"), CPU_SECONDS))
    if args.protocol == "rest":
        results["refused"] = sandbox.refused
    results.update(manual_phase(args, sandbox, sample, sample_companies, known))
    results["not succeeded"] = db.session.scalar(select(func.count(ImportRun.id)).where(
        ImportRun.status != ImportStatus.SUCCEEDED))
    results["errors"] = Counter((error or status.value)[:160] for status, error in db.session.execute(
        select(ImportRun.status, ImportRun.error).where(ImportRun.status != ImportStatus.SUCCEEDED)))
    return results


def minimum_of(protocol: str):
    """The independent minimum of the protocol's calls (bench/minimum_calls.py for SOAP,
    bench/minimum_rest_calls.py for REST)."""
    return rest_round_minimum if protocol == "rest" else round_minimum


def manual_phase(args, sandbox, sample, sample_companies, known) -> dict:
    minimum = minimum_of(args.protocol)(sandbox.world, sample_companies, SECOND_MONTH,
                                        {SECOND_MONTH}, known)
    seconds, counter = measured(sandbox, lambda: run_manual(sample, sample_companies, YEAR,
                                                            SECOND_MONTH, args.protocol))
    return {"manual": (seconds, counter, minimum)}


def ratios(args, results) -> list[tuple[str, str, str]]:
    """(what, measured, target) rows, every figure from this run."""
    rows = []
    what = "Nmbrs calls" if args.protocol == "soap" else "Nmbrs REST calls"
    for phase, label in (("first month", "automatic import, first month"),
                         ("second month", "automatic import, second month on top"),
                         ("manual", "manual import of the second month's runs")):
        _seconds, counter, minimum = results[phase]
        calls = counter.stats()["total_calls"]
        rows.append((f"{what} ÷ independent minimum, {label}",
                     f"{calls} / {minimum} = {calls / minimum:.3f}", "≤ 1.05"))
    for phase in ("first month", "second month"):
        seconds, counter, _minimum = results[phase]
        calls = counter.stats()["total_calls"]
        allowed = calls / args.ceiling
        rows.append((f"import time ÷ time the {args.ceiling} calls/s ceiling allows ({phase})",
                     f"{seconds:.1f} s / {allowed:.1f} s = {seconds / allowed:.2f}", "≤ 1.2"))
    for phase, (workers_cpu, bench_cpu) in results["cpu"].items():
        calls = results[phase][1].stats()["total_calls"]
        per_call = (workers_cpu + bench_cpu) / calls
        rows.append((f"CPU per call ({phase}): workers + sandbox process; cores the "
                     f"{args.ceiling} calls/s ceiling needs",
                     f"{workers_cpu / calls * 1000:.1f} + {bench_cpu / calls * 1000:.1f} ms; "
                     f"{per_call * args.ceiling:.2f} cores", f"< {os.cpu_count()} cores"))
    seconds = results["first month"][0]
    sequential_seconds = results["sequential"][0]
    sequential_calls = results["sequential"][1].total
    baseline = sequential_seconds / sequential_calls * results["first month"][1].total
    rows.append(("speed-up over one call at a time (first month)",
                 f"{baseline / seconds:.1f}×",
                 f"the ceiling allows {args.ceiling * args.latency:.0f}×" if args.latency
                 else "— (no latency)"))
    highest = max(results[p][1].stats()["max_calls_per_second"]
                  for p in ("first month", "second month"))
    rows.append(("highest number of calls in one second ÷ ceiling",
                 f"{highest} / {args.ceiling} = {highest / args.ceiling:.2f}", "≤ 1"))
    rows.append(("longest full garbage collection of the sandbox's process (its world frozen)",
                 f"{max(FULL_COLLECTIONS, default=0) * 1000:.0f} ms", "—"))
    if args.protocol == "rest":
        rows.append(("429 Too_Many_Calls answered (each retried after its Retry-After)",
                     str(results["refused"]),
                     "0 with the client at the ceiling" if not args.client_limit else "—"))
    return rows


def report(args, results) -> list[str]:
    lines = [f"{args.protocol.upper()}; administrations: {results['administrations']} "
             f"({results['employees']} employees, largest {args.largest}; {results['rest']} "
             f"concurrently with {args.workers} workers, {results['sample']} one call at a time"
             f" and by hand); sandbox latency "
             f"{args.latency * 1000:.0f} ms; ceiling {args.ceiling} calls/s"
             + (f", client limit {args.client_limit} calls/s" if args.client_limit else ""),
             f"imports not succeeded: {results['not succeeded']}"]
    lines += [f"  {count} × {error}" for error, count in results["errors"].most_common(5)]
    lines += [f"{what}: {value} (target {target})" for what, value, target in
              ratios(args, results)]
    for phase in ("first month", "second month", "manual"):
        if results.get(phase) is None:
            continue
        counter = results[phase][1]
        top = ", ".join(f"{op} {n}" for op, n in counter.by_operation.most_common())
        lines.append(f"calls of the {phase}: {top}")
    return lines


def write_readme(args, results) -> None:
    """Replace the table between the README's markers with this run's figures."""
    machine = (f"{platform.node() or 'unknown host'}: {os.cpu_count()} cores, "
               f"{platform.machine()}, Python {platform.python_version()}, "
               f"load average {os.getloadavg()[0]:.1f} at the end")
    command = " ".join(["bench/import_throughput.py"] + sys.argv[1:])
    start, end = README_MARKERS[args.protocol]
    table = [start,
             f"Generated by `{command}` on {date.today().isoformat()} ({machine}); "
             f"{args.protocol.upper()}, {results['administrations']} administrations, "
             f"{results['employees']} employees, sandbox latency {args.latency * 1000:.0f} ms, "
             f"{args.workers} workers.",
             "",
             "| | measured | target |",
             "|---|---|---|"]
    table += [f"| {what} | {value} | {target} |" for what, value, target in ratios(args, results)]
    table.append(end)
    text = README.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {start} … {end} markers")
    README.write_text(pattern.sub(lambda _m: "\n".join(table), text))


if __name__ == "__main__":
    main()
