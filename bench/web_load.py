"""Benchmark: the busiest pages under 20 concurrent signed-in users, on a portal of realistic size.

Builds a portal of --administrations administrations (200 domains of 10 at the default 2,000)
with a year of documents (12 monthly runs, journal entries with their lines, a pay slip per
employee per run, 12 wage tax returns; employee counts skewed as in import_throughput.py: most
1–20, one in 50 has 200), company links, import runs and open tasks. Serves the app with
gunicorn on loopback (the production worker class, gthread) and loads each page with `wrk`
(Debian: `apt-get install wrk`), one connection per signed-in user, for --seconds seconds.

Prints, per page, the p95 latency divided by the p95 of a trivial endpoint (/healthz) measured
in the same run, under the same load: the dashboard, the domains list, the Nmbrs settings
screen, the pay slips of the largest administration and the task list.

    .venv/bin/python bench/web_load.py                      # 2,000 administrations
    .venv/bin/python bench/web_load.py ... --write-readme   # the README's table

Ratios are comparable between machines; absolute times only on a quiet machine. The query
counts of these pages are asserted (constant at two sizes) by tests/test_query_counts.py.
"""

import argparse
import hashlib
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from flask import session  # noqa: E402
from flask_login.utils import _create_identifier  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from app import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Administration,
    Domain,
    Employee,
    ImportRun,
    ImportStatus,
    JournalEntry,
    JournalLine,
    NmbrsSettings,
    PayrollRun,
    PaySlip,
    Portal,
    PortalRole,
    TaxAssessment,
    User,
)
from portal.models.imports import CompanyLink  # noqa: E402
from portal.models.tasks import Task  # noqa: E402
from portal.services import sessions  # noqa: E402

ADMINISTRATIONS_PER_DOMAIN = 10
# A year of documents: the twelve months before this one, each imported on the 2nd of the next
# month (so the dashboard's "this month" and last-round figures see one month, as in real life).
MONTHS = [((date.today().year * 12 + date.today().month - 1 - back) // 12,
           (date.today().month - 1 - back) % 12 + 1) for back in range(12, 0, -1)]
USER_AGENT = "payroll-link-web-load"
README = ROOT / "README.md"
README_START = "<!-- bench:web_load:start -->"
README_END = "<!-- bench:web_load:end -->"
WRK_SCRIPT = """
local cookies = {}
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  cookie = args[id]
end
function request()
  return wrk.format("GET", nil, {["Cookie"] = cookie, ["User-Agent"] = "%s"})
end
function done(summary, latency, requests)
  io.write(string.format("p95_us=%%d requests=%%d non2xx=%%d errors=%%d\\n",
    latency:percentile(95), summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
""" % USER_AGENT


def employee_count(index: int) -> int:
    """Skewed like import_throughput.py: one in 50 has 200, the rest 1–20."""
    return 200 if index % 50 == 25 else 1 + (index * 37) % 20


def build_portal(administrations: int, users: int) -> dict:
    """The portal, bulk-inserted with explicit ids; returns what the load needs."""
    started = time.perf_counter()
    portal = Portal(name="Web load", nmbrs_enabled=True)
    db.session.add(portal)
    db.session.flush()
    password = User(portal_id=portal.id, email="x@example.nl")
    password.set_password("web-load-password")
    staff = [User(portal_id=portal.id, email=f"staff{n:02d}@example.nl",
                  password_hash=password.password_hash,
                  portal_role=PortalRole.ADMIN if n == 0 else PortalRole.BACK_OFFICE)
             for n in range(users)]
    db.session.add_all(staff)
    db.session.add(NmbrsSettings(portal_id=portal.id, scope="portal", username="salaris@bench.nl",
                                 token="bench-token", subdomain="bench", import_payslips=True,
                                 import_journals=True, import_tax_assessments=True))
    db.session.flush()
    rows = {model: [] for model in (Domain, Administration, CompanyLink, Employee, ImportRun,
                                    PayrollRun, JournalEntry, JournalLine, PaySlip, TaxAssessment,
                                    Task)}  # in the order of their foreign keys
    ids = {model: 0 for model in rows}

    def add(model, **values):
        ids[model] += 1
        rows[model].append({"id": ids[model], **values})
        return ids[model]

    largest, largest_size = None, 0
    for index in range(administrations):
        if index % ADMINISTRATIONS_PER_DOMAIN == 0:
            domain_id = add(Domain, portal_id=portal.id, name=f"klant-{index // 10:04d}",
                            nmbrs_enabled=True)
        administration_id = add(Administration, domain_id=domain_id,
                                name=f"Klant {index:04d} B.V.", relation_code=str(index % 10 + 1),
                                payroll_contract=True)
        add(CompanyLink, portal_id=portal.id, administration_id=administration_id,
            company_id=100_000 + index, company_name=f"Klant {index:04d} B.V.",
            company_number=str(index % 10 + 1))
        size = employee_count(index)
        if size > largest_size:
            largest, largest_size = administration_id, size
        employees = [add(Employee, administration_id=administration_id, number=e + 1,
                         name=f"Werknemer {e + 1}") for e in range(size)]
        for year, month in MONTHS:
            booking = _last_day(year, month)
            imported = datetime(booking.year, booking.month, booking.day, 6) + timedelta(days=2)
            import_run_id = add(ImportRun, administration_id=administration_id, kind="automatic",
                                status=ImportStatus.SUCCEEDED, documents_total=size + 2,
                                documents_done=size + 2, created_at=imported,
                                started_at=imported, finished_at=imported)
            run_id = add(PayrollRun, administration_id=administration_id,
                         nmbrs_run_id=index * 100 + month, year=year, number=month,
                         period_start=month, period_end=month, description=f"Run {month}",
                         employee_count=size)
            entry_id = add(JournalEntry, administration_id=administration_id,
                           payroll_run_id=run_id, booking_date=booking,
                           import_run_id=import_run_id,
                           imported_at=imported)
            for position, (account, debit, credit) in enumerate(
                    (("4000", "3000.00", "0.00"), ("4100", "500.00", "0.00"),
                     ("1600", "0.00", "2800.00"), ("1500", "0.00", "700.00"))):
                add(JournalLine, entry_id=entry_id, position=position, account=account,
                    debit=Decimal(debit) * size, credit=Decimal(credit) * size)
            for employee_id in employees:
                add(PaySlip, administration_id=administration_id, payroll_run_id=run_id,
                    employee_id=employee_id, booking_date=booking, import_run_id=import_run_id,
                    imported_at=imported,
                    storage_key=f"bench/{administration_id}/{run_id}/{employee_id}.pdf",
                    size=20_000, sha256=hashlib.sha256(b"%d" % employee_id).hexdigest())
            add(TaxAssessment, administration_id=administration_id,
                nmbrs_declaration_id=index * 100 + month, year=year, period=month,
                period_start=date(year, month, 1), period_end=booking, booking_date=booking,
                total=Decimal("700.00") * size, import_run_id=import_run_id, imported_at=imported)
        if index % 10 == 3:  # an open task for one administration in ten
            add(Task, portal_id=portal.id, administration_id=administration_id,
                cause=f"company.not-found:{index}", dedupe_key=f"company.not-found:{index}",
                title="Choose the Nmbrs company", message="Choose the Nmbrs company.",
                assignee_id=staff[index % users].id if index % 20 == 3 else None)
    for model, values in rows.items():
        for start in range(0, len(values), 5000):
            db.session.execute(insert(model), values[start:start + 5000])
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # the planner's statistics, as autovacuum keeps them
    db.session.commit()
    return {"portal": portal.id, "users": [user.id for user in staff], "largest": largest,
            "largest employees": largest_size, "seconds": time.perf_counter() - started,
            "rows": {model.__name__: len(values) for model, values in rows.items()}}


def _last_day(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1) - date.resolution)


def session_cookies(app, user_ids) -> list[str]:
    """A signed-in session per user, made as sign-in makes it (sessions.create_record) and signed
    with the app's key (the login form allows 5 sign-ins a minute per address)."""
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    cookies = []
    for user_id in user_ids:
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                      headers={"User-Agent": USER_AGENT}):
            token = sessions.create_record(user_id)
            db.session.commit()
            session[sessions.SESSION_KEY] = token
            session["_user_id"] = db.session.get(User, user_id).get_id()
            session["_fresh"] = True
            session["_id"] = _create_identifier()
            cookies.append(f"{name}={serializer.dumps(dict(session))}")
    return cookies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    """gunicorn as in .deploy/gunicorn.conf.py (gthread), on loopback, without access log."""
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--worker-class", "gthread", "--workers",
         str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning", "app:create_app()"],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def load(url: str, cookies: list[str], seconds: int, script: Path) -> dict:
    """wrk with one connection (and thread) per signed-in user; p95 in ms."""
    command = ["wrk", "-t", str(len(cookies)), "-c", str(len(cookies)), "-d", f"{seconds}s",
               "--timeout", "30s", "-s", str(script), url, "--", *cookies]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"p95_us=(\d+) requests=(\d+) non2xx=(\d+) errors=(\d+)", output)
    if not found:
        raise SystemExit(f"wrk printed no summary:\n{output}")
    p95, count, non2xx, errors = (int(value) for value in found.groups())
    return {"p95 ms": p95 / 1000, "requests": count, "failed": non2xx + errors}


def check_signed_in(url: str, cookie: str) -> None:
    response = requests.get(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT},
                            allow_redirects=False, timeout=60)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code} to a signed-in user")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--administrations", type=int, default=2000,
                        help="a multiple of 10 (10 administrations per domain)")
    parser.add_argument("--users", type=int, default=20, help="concurrent signed-in users")
    parser.add_argument("--seconds", type=int, default=5, help="load per page and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of every page in turn; the ratios are the rounds' median")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--write-readme", action="store_true",
                        help="write the results as the README's web benchmark table")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="payroll-link-web-load-"))
    env = {**os.environ,
           "DATABASE_URL": os.environ.get("DATABASE_URL",
                                          f"sqlite:///{workdir / 'web-load.sqlite3'}"),
           "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
           "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "SECRET_KEY": "web-load-" + "0" * 32, "DOCUMENT_STORE_PATH": str(workdir / "documents")}
    os.environ.update(env)
    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        portal = build_portal(args.administrations, args.users)
        cookies = session_cookies(app, portal["users"])
    script = workdir / "signed-in.lua"
    script.write_text(WRK_SCRIPT)
    port = free_port()
    server = serve(env, port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    pages = {
        "trivial endpoint (/healthz)": "/healthz",
        "dashboard": "/",
        "domains list": "/domains",
        "Nmbrs settings": "/settings/nmbrs",
        f"pay slips ({portal['largest employees']} employees, a year)":
            f"/administrations/{portal['largest']}/payslips",
        "task list": "/tasks?status=open&assigned=all",
    }
    results = {}
    try:
        for path in pages.values():
            check_signed_in(base + path, cookies[0])  # portal administrator: every page
        for _round in range(args.rounds):  # the pages take turns: a changing load hits all
            for name, path in pages.items():
                results.setdefault(name, []).append(load(base + path, cookies, args.seconds,
                                                         script))
    finally:
        server.terminate()
        server.wait(timeout=30)
        with app.app_context():
            db.session.remove()
            db.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    rows = table_rows(results)
    print(f"portal: {args.administrations} administrations, {portal['rows']['Employee']} "
          f"employees, {portal['rows']['PaySlip']} pay slips (a year), built in "
          f"{portal['seconds']:.0f} s; {args.users} signed-in users, {args.rounds} rounds of "
          f"{args.seconds} s per page; "
          f"gunicorn {args.workers} workers × {args.threads} threads")
    for what, value, requests_made, failed in rows:
        print(f"{what}: {value} ({requests_made} requests, {failed} failed)")
    if args.write_readme:
        write_readme(args, portal, rows)
        print(f"README.md: the web benchmark table between {README_START} and {README_END}")


def table_rows(results) -> list[tuple[str, str, int, int]]:
    """Per page: the median over the rounds of its p95 ÷ the trivial endpoint's p95 of the same
    round (requests and failures summed)."""
    names = list(results)
    trivial = [result["p95 ms"] for result in results[names[0]]]
    rows = [(f"p95 {names[0]} (median of the rounds)", f"{statistics.median(trivial):.1f} ms",
             sum(r["requests"] for r in results[names[0]]),
             sum(r["failed"] for r in results[names[0]]))]
    for name in names[1:]:
        rounds = results[name]
        ratio = statistics.median(r["p95 ms"] / t for r, t in zip(rounds, trivial))
        rows.append((f"p95 {name} ÷ p95 trivial endpoint",
                     f"{statistics.median(r['p95 ms'] for r in rounds):.1f} ms; "
                     f"ratio {ratio:.1f}", sum(r["requests"] for r in rounds),
                     sum(r["failed"] for r in rounds)))
    return rows


def write_readme(args, portal, rows) -> None:
    machine = (f"{platform.node() or 'unknown host'}: {os.cpu_count()} cores, "
               f"{platform.machine()}, Python {platform.python_version()}, "
               f"load average {os.getloadavg()[0]:.1f} at the end")
    command = " ".join(["bench/web_load.py"] + sys.argv[1:])
    database = os.environ["DATABASE_URL"].split(":", 1)[0]
    table = [README_START,
             f"Generated by `{command}` on {date.today().isoformat()} ({machine}); "
             f"{args.administrations} administrations, {portal['rows']['Employee']} employees, "
             f"{portal['rows']['PaySlip']} pay slips, {database}; {args.users} signed-in users "
             f"for {args.rounds} rounds of {args.seconds} s per page, gunicorn {args.workers}×{args.threads} (gthread).",
             "",
             "| | measured | requests (failed) |",
             "|---|---|---|"]
    table += [f"| {what} | {value} | {count} ({failed}) |" for what, value, count, failed in rows]
    table.append(README_END)
    text = README.read_text()
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {README_START} … {README_END} markers")
    README.write_text(pattern.sub(lambda _m: "\n".join(table), text))


if __name__ == "__main__":
    main()
