"""One import's per-employee calls run a few at a time, answer in order, and stop at an error."""

import threading

import pytest

from portal.nmbrs.parallel import in_order


class Calls:
    """A call that records how many run at once and which items it was asked."""

    def __init__(self, fail_at=None):
        self.lock = threading.Lock()
        self.running = self.most_at_once = 0
        self.asked = []
        self.fail_at = fail_at
        self.many_running = threading.Event()

    def __call__(self, item):
        with self.lock:
            self.asked.append(item)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            if self.running >= 3:
                self.many_running.set()
        try:
            self.many_running.wait(timeout=2)  # hold each call until three overlap
            if item == self.fail_at:
                raise ConnectionError(f"call {item} failed")
            return item * 10
        finally:
            with self.lock:
                self.running -= 1


def test_answers_come_in_the_items_order_with_a_few_calls_at_once():
    calls = Calls()

    answers = list(in_order(calls, range(40), at_once=3))

    assert answers == [(item, item * 10) for item in range(40)]
    assert calls.most_at_once == 3


def test_one_at_a_time_calls_in_the_readers_thread():
    threads = []

    answers = list(in_order(lambda item: threads.append(threading.current_thread()) or item,
                            range(5), at_once=1))

    assert [item for item, _ in answers] == list(range(5))
    assert set(threads) == {threading.current_thread()}


def test_an_error_reaches_the_reader_at_its_item_and_later_items_are_not_all_asked():
    calls = Calls(fail_at=4)
    read = []

    with pytest.raises(ConnectionError, match="call 4"):
        for item, _answer in in_order(calls, range(1000), at_once=3):
            read.append(item)

    assert read == [0, 1, 2, 3]
    assert len(calls.asked) <= 4 + 2 * 3  # no more than the answers that may wait


def test_the_reader_stopping_early_cancels_what_has_not_started():
    calls = Calls()

    for item, _answer in in_order(calls, range(1000), at_once=3):
        if item == 2:
            break

    assert len(calls.asked) < 20
