"""The Redis limiter keeps every one-second window under the ceiling, across threads."""

import threading
from collections import Counter

from portal.config import DEFAULTS
from portal.nmbrs.ratelimit import RedisRateLimiter, limiter_from_config

CEILING = 15
THREADS = 6
CALLS_PER_THREAD = 8


def test_ceiling_holds_with_several_threads(redis_db15):
    connection, key = redis_db15
    grants: list[float] = []
    lock = threading.Lock()

    def worker():
        # One limiter per thread, as separate workers would have; they share only Redis.
        limiter = RedisRateLimiter(connection, calls_per_second=CEILING, key=key)
        for _ in range(CALLS_PER_THREAD):
            granted_at = limiter.acquire()
            with lock:
                grants.append(granted_at)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(grants) == THREADS * CALLS_PER_THREAD
    per_second = Counter(int(moment) for moment in grants)
    assert max(per_second.values()) <= CEILING
    # Sliding window: no run of CEILING + 1 grants fits inside one second either.
    micros = sorted(round(moment * 1_000_000) for moment in grants)
    assert all(micros[i + CEILING] - micros[i] >= 1_000_000
               for i in range(len(micros) - CEILING))


def test_no_limiter_without_redis():
    assert limiter_from_config(None, 120) is None


def test_default_ceiling_is_120(redis_db15):
    connection, key = redis_db15
    assert limiter_from_config(connection, DEFAULTS["NMBRS_RATE_LIMIT"]).calls_per_second == 120
