"""A call-rate ceiling shared by every worker through Redis: evenly spaced grants, shared pauses."""

import time
from collections.abc import Callable

SOAP_KEY = "nmbrs:soap:ratelimit"
REST_KEY = "nmbrs:rest:ratelimit"
# Grants are spaced evenly at this share of the ceiling, not counted in a window. A call reaches
# Nmbrs some milliseconds after its grant (tens of them on a busy machine); a window lets a
# second's worth of grants go at once and their late arrivals bunch into the next second, while
# evenly spaced grants leave every second room for 10% of jitter. At full size with 16 workers of
# 4 calls each, 5% was not enough: 122 SOAP calls reached the sandbox in one second under a
# ceiling of 120, and REST got 11 429s in 83,000 calls.
SPACING_MARGIN = 0.90

# Atomic: the next free slot is the latest of now, the slot after the last grant and the end of a
# pause; reserve it. Redis TIME gives all workers one clock. Integers are formatted with %d because
# Lua's default number format would round 16-digit microseconds.
_NEXT_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'),
                      tonumber(redis.call('GET', KEYS[2]) or '0'))
local expire_ms = math.floor((slot + interval - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', expire_ms)
return {string.format('%d', slot), string.format('%d', now)}
"""

# Atomic: every worker's next grant waits until `now + ARGV[1]` microseconds, unless a longer
# pause is already set.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], string.format('%d', until_), 'PX', math.floor(ARGV[1] / 1000) + 1000)
end
return string.format('%d', until_)
"""


class RedisRateLimiter:
    """Never more than `calls_per_second` grants in any second, across all processes: each
    grant gets the next slot of an even schedule, and a pause (Nmbrs' Retry-After) holds every
    worker's next grant."""

    def __init__(self, redis, calls_per_second: int, key: str,
                 sleep: Callable[[float], None] = time.sleep):
        if calls_per_second < 1:
            raise ValueError("calls_per_second must be at least 1")
        self.calls_per_second = calls_per_second
        self.key = key
        self.interval_us = round(1_000_000 / (calls_per_second * SPACING_MARGIN))
        self._next_slot = redis.register_script(_NEXT_SLOT)
        self._pause = redis.register_script(_PAUSE)
        self._sleep = sleep

    @property
    def _pause_key(self) -> str:
        return f"{self.key}:pause"

    def acquire(self) -> float:
        """Wait for this worker's slot; return it (Redis clock, epoch seconds)."""
        slot, now = (int(value) for value in self._next_slot(
            keys=[self.key, self._pause_key], args=[self.interval_us]))
        if slot > now:
            self._sleep((slot - now) / 1_000_000)
        return slot / 1_000_000

    def pause(self, seconds: float) -> None:
        """Grant nothing to any worker for `seconds` (calls already granted still go)."""
        self._pause(keys=[self._pause_key], args=[max(int(seconds * 1_000_000), 0)])


def limiter_from_config(redis, calls_per_second: int, key: str) -> RedisRateLimiter | None:
    """A shared limiter of `calls_per_second` under `key`, or None when no Redis is given."""
    if redis is None:
        return None
    return RedisRateLimiter(redis, calls_per_second, key)
