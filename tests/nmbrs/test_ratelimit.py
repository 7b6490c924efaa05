"""The Redis limiter spaces grants evenly under the ceiling across workers, and a pause holds them
all."""

import threading
from collections import Counter

from portal.config import DEFAULTS
from portal.nmbrs.ratelimit import REST_KEY, SOAP_KEY, RedisRateLimiter, limiter_from_config

CEILING = 20
THREADS = 6
CALLS_PER_THREAD = 6


def grants_of_threads(connection, key, threads=THREADS, calls=CALLS_PER_THREAD) -> list[int]:
    """Grant times (Redis clock, microseconds) of `threads` workers, one limiter each, as
    separate worker processes would have; they share only Redis."""
    grants: list[int] = []
    lock = threading.Lock()

    def worker():
        limiter = RedisRateLimiter(connection, calls_per_second=CEILING, key=key)
        for _ in range(calls):
            granted_at = round(limiter.acquire() * 1_000_000)
            with lock:
                grants.append(granted_at)

    started = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return sorted(grants)


def test_grants_of_several_workers_are_evenly_spaced_below_the_ceiling(redis_db15):
    connection, key = redis_db15

    grants = grants_of_threads(connection, key)

    assert len(grants) == THREADS * CALLS_PER_THREAD
    spacing = RedisRateLimiter(connection, CEILING, key).interval_us
    # Room in every second for a tenth of the calls to reach Nmbrs late (from the second before).
    assert 1_000_000 // spacing <= CEILING * 0.9
    assert all(later - earlier >= spacing for earlier, later in zip(grants, grants[1:]))
    assert max(Counter(moment // 1_000_000 for moment in grants).values()) <= CEILING


def test_a_pause_holds_the_next_grant_of_every_worker(redis_db15):
    connection, key = redis_db15
    throttled = RedisRateLimiter(connection, CEILING, key)
    other_worker = RedisRateLimiter(connection, CEILING, key)
    before_pause = throttled.acquire()

    throttled.pause(0.4)
    after_pause = other_worker.acquire()

    assert after_pause - before_pause >= 0.4


def test_a_shorter_pause_does_not_cut_a_longer_one(redis_db15):
    connection, key = redis_db15
    limiter = RedisRateLimiter(connection, CEILING, key)
    before_pause = limiter.acquire()

    limiter.pause(0.4)
    limiter.pause(0.1)

    assert limiter.acquire() - before_pause >= 0.4


def test_no_limiter_without_redis():
    assert limiter_from_config(None, 120, SOAP_KEY) is None


def test_soap_and_rest_have_ceilings_and_schedules_of_their_own(redis_db15):
    connection, _key = redis_db15
    soap = limiter_from_config(connection, DEFAULTS["NMBRS_RATE_LIMIT"], SOAP_KEY)
    rest = limiter_from_config(connection, DEFAULTS["NMBRS_REST_RATE_LIMIT"], REST_KEY)

    assert (soap.calls_per_second, rest.calls_per_second) == (120, 100)
    assert soap.key != rest.key

