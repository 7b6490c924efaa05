"""A few Nmbrs calls of one import at a time.

Pay slips and bank accounts are one call per employee. One after the other, a company of 2,000
employees took 400 s at 100 ms a call, longer than the rest of a round of 1,000 administrations;
a few at a time, the shared rate limit (`ratelimit`) still decides how fast calls go in all.
"""

import contextvars
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_order(call: Callable[[T], R], items: Iterable[T], at_once: int
                   ) -> Iterator[tuple[T, R]]:
    """(item, call(item)) for every item, in the items' order, with up to `at_once` calls
    running and at most 2 × `at_once` answers waiting to be read (pay slips are PDFs).

    The first call that raises stops the rest: calls not started are cancelled, calls running
    finish, and the error reaches the reader at that item. Each call runs in a copy of the
    reader's context (its app context and log fields)."""
    if at_once <= 1:
        for item in items:
            yield item, call(item)
        return
    pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="nmbrs-call")
    waiting: deque[tuple[T, Future]] = deque()
    try:
        for item in items:
            waiting.append((item, pool.submit(contextvars.copy_context().run, call, item)))
            if len(waiting) >= 2 * at_once:
                item, answer = waiting.popleft()
                yield item, answer.result()
        while waiting:
            item, answer = waiting.popleft()
            yield item, answer.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class CallsInOrder:
    """A client's `in_order`: its calls run up to its transport's `calls_at_once` at a time."""

    transport: object  # a SoapTransport or RestTransport

    def in_order(self, call: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        """(item, call(item)) per item in the items' order, a few calls at a time."""
        return in_order(call, items, self.transport.calls_at_once)
