"""A worker killed with SIGKILL in the middle of an import, then restarted: every document ends
up imported exactly once (issue 6, failures)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from redis import Redis
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from jobs.enqueue import start_automatic_import
from jobs.queue import get_queue
from portal.extensions import db
from portal.models import ImportRun, ImportStatus, PaySlip
from portal.nmbrs.sandbox.testing import running_sandbox
from tests.conftest import TEST_KEY
from tests.imports_helpers import administration, counts, linked_demo_app, run_jobs
from tests.test_import_jobs import BAKKERIJ, TODAY

ROOT = Path(__file__).resolve().parent.parent


def sandbox_calls(soap_url: str) -> int:
    stats_url = soap_url.replace("/soap/v3", "/_sandbox/stats")
    with urllib.request.urlopen(stats_url, timeout=5) as answer:
        return json.load(answer)["total_calls"]


def start_worker(app) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "NMBRS_SOAP_URL": app.config["NMBRS_SOAP_URL"],
        "DOCUMENT_STORE_PATH": app.config["DOCUMENT_STORE_PATH"],
        "ENCRYPTION_KEYS": TEST_KEY,
        "SECRET_KEY": "test-secret-" + "0" * 32,
        "NMBRS_RETRY_BUDGET_SECONDS": "0",
    }
    # Its own process group, so that SIGKILL reaches the work horse as well.
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--no-scheduler"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_worker(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horses: RQ puts each horse in a process group of its
    own (os.setpgrp), so killing the worker's group alone would leave the horse running."""
    horses = [pid for pid in _children(worker.pid)]
    os.killpg(worker.pid, signal.SIGKILL)
    for pid in horses:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=10)


def _children(parent_pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent_pid:
            children.append(int(entry.name))
    return children


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def slow_sandbox():
    # 0.3 s per call: an import of one run takes a few seconds, time enough to kill it.
    with running_sandbox(today=TODAY, latency=0.3) as url:
        yield url


def test_worker_killed_mid_import_then_restarted_imports_everything_once(tmp_path,
                                                                        slow_sandbox):
    with linked_demo_app(tmp_path, slow_sandbox) as app:
        bakkerij = administration(BAKKERIJ)
        import_run = start_automatic_import(bakkerij.id, TODAY)
        calls_before = sandbox_calls(slow_sandbox)
        worker = start_worker(app)
        try:
            # Kill it once the pay slips are being fetched (runs, journal, employees done).
            wait_until(lambda: sandbox_calls(slow_sandbox) >= calls_before + 4)
        finally:
            kill_worker(worker)

        db.session.expire_all()
        assert db.session.get(ImportRun, import_run.id).status == ImportStatus.RUNNING
        assert counts(bakkerij.id) == {"runs": 0, "journals": 0, "payslips": 0, "tax": 0}

        # Another worker's maintenance pass finds the abandoned job; do that pass now instead
        # of waiting minutes for the heartbeat to expire. The job has retries left: requeued.
        connection = Redis.from_url(app.config["REDIS_URL"])
        registry = StartedJobRegistry(queue=get_queue("imports", connection))
        registry.cleanup(timestamp=time.time() + 3600)
        run_jobs(app)

        db.session.expire_all()
        assert db.session.get(ImportRun, import_run.id).status == ImportStatus.SUCCEEDED
        assert counts(bakkerij.id) == {"runs": 1, "journals": 1, "payslips": 3, "tax": 1}
        slips = db.session.scalars(select(PaySlip)).all()
        assert len({s.employee_id for s in slips}) == 3
