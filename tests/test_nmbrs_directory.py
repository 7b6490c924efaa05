"""Debtors and companies are fetched once per credentials and import round, however many jobs
ask at the same time (issue 6, throughput)."""

import threading
import time

import pytest
from redis import Redis

from portal.nmbrs.types import Company, Debtor
from portal.services.nmbrs_directory import Directory, round_key
from tests.conftest import redis_url

REDIS_URL = redis_url(12)


class CountingClient:
    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

    def _count(self, name):
        with self.lock:
            self.calls.append(name)
        time.sleep(0.2)  # a slow Nmbrs: the other jobs ask meanwhile

    def debtors(self):
        self._count("debtors")
        return [Debtor(id=1, number="1", name="bakkerij-de-vries")]

    def companies(self, debtor_id):
        self._count(f"companies:{debtor_id}")
        return [Company(id=54701, number=1, name="Bakkerij De Vries B.V.")]


@pytest.fixture
def redis():
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


def test_concurrent_jobs_share_one_fetch(redis):
    client = CountingClient()
    results = []

    def job():
        directory = Directory(client, credentials_id=7, round_key="day-2026-05-20", redis=redis)
        results.append((directory.debtors(), directory.companies(1)))

    threads = [threading.Thread(target=job) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(client.calls) == ["companies:1", "debtors"]
    assert all(result == results[0] for result in results) and len(results) == 8


def test_each_round_and_credentials_ask_again(redis):
    client = CountingClient()
    Directory(client, 7, round_key(manual_import_id=1), redis).debtors()
    Directory(client, 7, round_key(manual_import_id=2), redis).debtors()
    Directory(client, 8, round_key(manual_import_id=2), redis).debtors()
    assert client.calls == ["debtors"] * 3
