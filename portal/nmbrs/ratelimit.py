"""A call-rate ceiling shared by every worker through Redis (sliding one-second window)."""

import os
import time
from collections.abc import Callable

DEFAULT_KEY = "nmbrs:ratelimit"
# A grant is counted over a little more than a second: a call granted just before a second ends
# may reach Nmbrs a few (busy machine: tens of) milliseconds later, inside the next second.
DEFAULT_WINDOW_SECONDS = 1.1

# Atomic: drop grants older than the window, grant a slot if fewer than `limit` remain, else
# answer how many microseconds until the oldest grant leaves the window. Redis TIME gives all
# workers one clock.
_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.floor(window / 1000) + 1000)
  return {1, now}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
"""


class RedisRateLimiter:
    """At most `calls_per_second` grants in any one-second window, across all processes."""

    def __init__(self, redis, calls_per_second: int,
                 key: str = DEFAULT_KEY, window_seconds: float = DEFAULT_WINDOW_SECONDS,
                 sleep: Callable[[float], None] = time.sleep):
        if calls_per_second < 1:
            raise ValueError("calls_per_second must be at least 1")
        self.calls_per_second = calls_per_second
        self.key = key
        self._window_us = int(window_seconds * 1_000_000)
        self._script = redis.register_script(_SLIDING_WINDOW)
        self._sleep = sleep

    def acquire(self) -> float:
        """Block until a slot is free; return the grant time (Redis clock, epoch seconds)."""
        while True:
            granted, value = self._script(keys=[self.key], args=[
                self.calls_per_second, self._window_us, os.urandom(8).hex()])
            if granted:
                return int(value) / 1_000_000
            self._sleep(max(int(value), 1000) / 1_000_000)


def limiter_from_config(redis, calls_per_second: int) -> RedisRateLimiter | None:
    """A shared limiter (NMBRS_RATE_LIMIT calls per second), or None when no Redis is given."""
    if redis is None:
        return None
    return RedisRateLimiter(redis, calls_per_second)
